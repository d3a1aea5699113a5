"""The orchestration contract: names, instance IDs, input, custom status and outcome of the restore orchestrations.

The front doors (`triggers/`) start and read `restore_vm` with these; the orchestrators (`orchestrators/`) publish
and return them. Custom status stays small (Durable Functions keeps it under 16 KB) and never holds a token. The
read side is tolerant of fields a running instance has not published yet (they default to None).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, PlainSerializer

from azbackup.errors import ErrorInfo
from azbackup.models_common import Wire
from azbackup.models_job import JobStatus
from restore.payloads import ValidationIssue
from restore.values import RecoveryPointInfo


class Orchestrator(StrEnum):
    """The orchestrator functions (their registered names)."""

    RESTORE_VM = "restore_vm"
    WAIT_FOR_RESTORE_JOB = "wait_for_restore_job"


class Activity(StrEnum):
    """The activity functions (their registered names); inputs and values are in `restore/payloads.py`."""

    GET_RESTORE_SETTINGS = "get_restore_settings"
    RESOLVE_BACKUP_ITEM = "resolve_backup_item"
    SELECT_RECOVERY_POINT = "select_recovery_point"
    VALIDATE_RESTORE = "validate_restore"
    TRIGGER_RESTORE = "trigger_restore"
    GET_OPERATION_STATUS = "get_operation_status"
    FIND_RESTORE_JOB = "find_restore_job"
    GET_RESTORE_JOB = "get_restore_job"
    CANCEL_RESTORE_JOB = "cancel_restore_job"
    NOTIFY_CALLBACK = "notify_callback"


CANCEL_EVENT = "cancel"  # external event to `restore_vm`: stop at any phase (any payload)


# --- instance IDs ----------------------------------------------------------------------------------------------
class Source(StrEnum):
    """Which front door started a restore."""

    HTTP = "http"
    EVENTGRID = "eventgrid"
    INCIDENT = "incident"


ID_PREFIX: dict[Source, str] = {Source.HTTP: "rst", Source.EVENTGRID: "evt", Source.INCIDENT: "inc"}
JOB_INSTANCE_SUFFIX = ":job"  # `{parent}:job`: the `wait_for_restore_job` sub-orchestration of one restore
_DIGEST_LENGTH = 40


def new_instance_id() -> str:
    """A fresh `restore_vm` instance ID for a start without an idempotency key (front doors only: not replay-safe)."""
    return f"{ID_PREFIX[Source.HTTP]}-{uuid.uuid4().hex}"


def instance_id_for(source: Source, *parts: str) -> str:
    """The deterministic `restore_vm` instance ID for an idempotency key, event or incident: URL-safe, no ':' or '/'."""
    digest = hashlib.sha256("\x1f".join([source.value, *parts]).encode()).hexdigest()
    return f"{ID_PREFIX[source]}-{digest[:_DIGEST_LENGTH]}"


def job_instance_id(parent_instance_id: str) -> str:
    """The instance ID of the job-waiting sub-orchestration of one restore."""
    return f"{parent_instance_id}{JOB_INSTANCE_SUFFIX}"


def is_restore_instance_id(instance_id: str) -> bool:
    """A `restore_vm` ID as the front doors make them: never a ':' (sub-orchestration IDs always have one)."""
    return bool(instance_id) and ":" not in instance_id


# Times in the order and the custom status keep Python's isoformat (`+00:00`), as they have always been written.
IsoTime = Annotated[datetime, PlainSerializer(lambda moment: moment.isoformat(), return_type=str, when_used="json")]


# --- input -----------------------------------------------------------------------------------------------------
class RestoreOrder(Wire):
    """Input of `restore_vm`: the validated request and where it came from."""

    request: dict[str, Any]
    requested_at: IsoTime | None = None
    source: Source = Source.HTTP
    idempotency_key: str | None = None


# --- custom status ---------------------------------------------------------------------------------------------
_MAX_STATUS_MESSAGE = 500


class Phase(StrEnum):
    """Where a restore is; the order of the runbook."""

    RESOLVING = "resolving"
    SELECTING = "selectingRecoveryPoint"
    VALIDATING = "validating"
    TRIGGERING = "triggering"
    WAITING_FOR_OPERATION = "waitingForOperation"
    WAITING_FOR_JOB = "waitingForJob"
    CANCELLING = "cancelling"
    NOTIFYING = "notifying"
    DONE = "done"


class OutcomeStatus(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class PointSummary(Wire):
    """The recovery point as the status shows it."""

    name: str
    time: IsoTime
    type: str

    @classmethod
    def of(cls, point: RecoveryPointInfo) -> PointSummary:
        return cls(name=point.name, time=point.time, type=point.type)


class ErrorSummary(Wire):
    """An error as the status shows it: code and a short message."""

    code: str
    message: str

    @classmethod
    def of(cls, error: ErrorInfo) -> ErrorSummary:
        return cls(code=error.code, message=error.message[:_MAX_STATUS_MESSAGE])


class RestoreCustomStatus(Wire):
    """The custom status of `restore_vm`; `error`, `cancelError`, `callbackDelivered`, `outcome` only once set."""

    phase: Phase
    recovery_point: PointSummary | None = None
    job_id: str | None = None
    job_instance_id: str | None = None
    progress: float | None = None
    operation_status: str | None = None
    next_poll_at: IsoTime | None = None
    cancel_requested: bool = False
    updated_at: IsoTime | None = None
    error: ErrorSummary | None = None
    cancel_error: ErrorSummary | None = None
    callback_delivered: bool | None = None
    outcome: OutcomeStatus | None = None

    def dump(self) -> dict[str, Any]:
        """The dict given to `context.set_custom_status`."""
        body = super().dump()
        for name in ("error", "cancel_error", "callback_delivered", "outcome"):
            if getattr(self, name) is None:
                body.pop(type(self).model_fields[name].alias or name)
        return body


class PollBasis(StrEnum):
    """Why `wait_for_restore_job` reads the job next when it does (`basis` in its custom status)."""

    FIXED = "fixed"  # JOB_POLL_MODE=fixed: every JOB_POLL_INTERVAL_SECONDS
    NO_ESTIMATE = "noEstimate"  # the job reports no remaining time: the fixed interval
    STALLED = "stalled"  # neither progress nor the estimate moved since the last read: the fixed interval
    UNRELIABLE = "estimateUnreliable"  # the estimates point to no consistent end: the fixed interval
    APPROACH = "approach"  # the end is far: at the earliest plausible end
    END = "end"  # the end is near and known within the lag budget: just after its latest plausible moment
    CANCELLING = "cancelling"  # the restore is being cancelled: the fixed interval until the job has ended
    CAP = "cap"  # the choice was longer than JOB_POLL_MAX_INTERVAL_SECONDS
    RETRY_AFTER = "retryAfter"  # the service asked for a longer wait than the choice


class JobCustomStatus(Wire):
    """The custom status of `wait_for_restore_job` (the live job progress while `restore_vm` waits for the job)."""

    phase: Literal[Phase.WAITING_FOR_JOB] = Phase.WAITING_FOR_JOB
    job_id: str | None = None
    status: JobStatus | None = None
    progress: float | None = None
    polls: int = 0
    next_poll_at: IsoTime | None = None
    basis: PollBasis | None = None
    expected_end_at: IsoTime | None = None
    updated_at: IsoTime | None = None


# --- outcome ---------------------------------------------------------------------------------------------------
class RestoreResult(Wire):
    """What was restored where."""

    job_id: str
    restored_items: list[str] = Field(default_factory=list)
    vm_id: str | None = None
    disks: list[str] = Field(default_factory=list)
    config_blob_uri: str | None = None
    warnings: list[str] = Field(default_factory=list)
    duration: str | None = None


class RestoreOutcome(Wire):
    """The end of a restore: the output of `restore_vm`, or (status failed) the JSON in its failure message."""

    status: OutcomeStatus
    phase: Phase
    request: dict[str, Any]
    recovery_point: RecoveryPointInfo | None = None
    job_id: str | None = None
    result: RestoreResult | None = None
    error: ErrorInfo | None = None
    validation: list[ValidationIssue] = Field(default_factory=list)
    cancel_requested: bool = False
    started_at: datetime
    ended_at: datetime


_FAILED_PREFIX = "failed:"


def parse_failure_output(text: str | None) -> dict[str, Any] | None:
    """The outcome dict inside "Orchestrator function 'restore_vm' failed: {...}" (or a bare JSON), else None."""
    if not text:
        return None
    lowered = text.lower()
    start = lowered.find(_FAILED_PREFIX)
    start = text.find("{", start + len(_FAILED_PREFIX) if start >= 0 else 0)
    while start >= 0:
        try:
            value, _ = json.JSONDecoder().raw_decode(text, start)
        except ValueError:
            start = text.find("{", start + 1)
            continue
        if isinstance(value, dict) and value.get("status") == OutcomeStatus.FAILED:
            return value
        return None
    return None
