"""The orchestration contract: names, input, custom status and outcome of the restore orchestrations.

The front doors (`triggers/`) start and read `restore_vm` with these; the orchestrators (`orchestrators/`) publish
and return them. Custom status stays small (Durable Functions keeps it under 16 KB) and never holds a token. The
read side is tolerant of fields a running instance has not published yet (they default to None). Instance IDs
are in `restore/instance_ids.py`.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, PlainSerializer

from azbackup.errors import ErrorInfo
from azbackup.models_common import Wire
from azbackup.models_job import JobStatus
from restore.instance_ids import Source
from restore.payloads import ValidationIssue
from restore.values import RecoveryPointInfo, ReplicationLag


class Orchestrator(StrEnum):
    """The orchestrator functions (their registered names)."""

    RESTORE_VM = "restore_vm"
    WAIT_FOR_RESTORE_JOB = "wait_for_restore_job"
    RESTORE_PLAN = "restore_plan"
    RESTORE_DRILL = "restore_drill"


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
    PUBLISH_EVENT = "publish_event"
    GET_RESOURCE_GROUP_TAGS = "get_resource_group_tags"
    LIST_PLAN_VMS = "list_plan_vms"
    LIST_DRILL_POINTS = "list_drill_points"
    LIST_DRILL_VMS = "list_drill_vms"
    INSPECT_DRILL_RESTORE = "inspect_drill_restore"
    DELETE_DRILL_RESOURCE = "delete_drill_resource"
    POLL_VAULT_JOBS = "poll_vault_jobs"


CANCEL_EVENT = "cancel"  # external event to `restore_vm` and `restore_plan`: stop at any phase (any payload)
APPROVE_EVENT = "approve"  # external event to `restore_vm` awaiting approval: `ApprovalDecision` payload
REJECT_EVENT = "reject"  # external event to `restore_vm` awaiting approval: `ApprovalDecision` payload
DRILL_VALIDATION_EVENT = "drill_validation"  # external event to `restore_drill`: `CustomVerdict` payload
# external event to a plan restore's `{restore}:job` wait, raised by the plan's vault poll (`poll_vault_jobs`): the
# job is listed as ended (`JobEnded` payload)
JOB_ENDED_EVENT = "jobEnded"


# Times in the order and the custom status keep Python's isoformat (`+00:00`), as they have always been written.
IsoTime = Annotated[datetime, PlainSerializer(lambda moment: moment.isoformat(), return_type=str, when_used="json")]


# --- input -----------------------------------------------------------------------------------------------------
class RestoreOrder(Wire):
    """Input of `restore_vm`: the validated request and where it came from."""

    request: dict[str, Any]
    requested_at: IsoTime | None = None
    source: Source = Source.HTTP
    idempotency_key: str | None = None
    dry_run: bool = False  # plans: resolve, choose the point and validate, never trigger


# --- custom status ---------------------------------------------------------------------------------------------
_MAX_STATUS_MESSAGE = 500


class Phase(StrEnum):
    """Where a restore is; the order of the runbook."""

    RESOLVING = "resolving"
    SELECTING = "selectingRecoveryPoint"
    VALIDATING = "validating"
    AWAITING_APPROVAL = "awaitingApproval"
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
    # cross-region restores: how far the secondary region is behind; left out of the JSON otherwise
    replication_lag: ReplicationLag | None = Field(default=None, exclude_if=lambda value: value is None)

    @classmethod
    def of(cls, point: RecoveryPointInfo) -> PointSummary:
        return cls(name=point.name, time=point.time, type=point.type, replication_lag=point.replication_lag)


class ErrorSummary(Wire):
    """An error as the status shows it: code and a short message."""

    code: str
    message: str

    @classmethod
    def of(cls, error: ErrorInfo) -> ErrorSummary:
        return cls(code=error.code, message=error.message[:_MAX_STATUS_MESSAGE])


class ApprovalDecision(Wire):
    """The payload of an `approve` / `reject` event: who decided, why, when (never a token)."""

    model_config = ConfigDict(extra="forbid")

    by: str = Field(min_length=1, max_length=256)
    reason: str | None = Field(default=None, max_length=1000)
    at: IsoTime | None = None


class ApprovalRecord(ApprovalDecision):
    """How an approval wait ended, kept in the status and the outcome."""

    decision: Literal["approved", "rejected", "expired"]
    by: str = Field(default="", max_length=256)


class RestorePlan(Wire):
    """What an approved restore will do: the point, the mode, the targets and the dry-run validation result."""

    source_id: str
    item_id: str | None = None
    recovery_point: PointSummary | None = None
    mode: str
    cross_region: bool = False
    targets: dict[str, str] = Field(default_factory=dict)
    validation: Literal["passed", "skipped"] = "skipped"


class ApprovalStatus(Wire):
    """The approval a restore waits for (custom status while `awaitingApproval`), and how it ended."""

    plan: RestorePlan
    requested_at: IsoTime
    expires_at: IsoTime
    approvers: list[str] | None = None
    record: ApprovalRecord | None = None


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
    approval: ApprovalStatus | None = None

    def dump(self) -> dict[str, Any]:
        """The dict given to `context.set_custom_status`."""
        body = super().dump()
        for name in ("error", "cancel_error", "callback_delivered", "outcome", "approval"):
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
    NOT_LISTED_YET = "jobNotListedYet"  # a cross-region job never seen answers 404 (CRR_JOB_APPEAR_SECONDS): fixed
    CAP = "cap"  # the choice was longer than JOB_POLL_MAX_INTERVAL_SECONDS
    RETRY_AFTER = "retryAfter"  # the service asked for a longer wait than the choice
    SHARED = "sharedVaultPoll"  # a plan restore: the plan lists the vault's jobs and says when this one has ended


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
    # cross-region restores: as seen before triggering; left out of the JSON otherwise
    replication_lag: ReplicationLag | None = Field(default=None, exclude_if=lambda value: value is None)


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
    approval: ApprovalRecord | None = None
    dry_run: bool = False
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
