"""The public restore body, mapped from Durable Functions state (runtime status + custom status + output).

Final HTTP status codes (docs/api.md, "Status codes"): running 202, succeeded 200, failed 422, cancelled 409.
A Logic App that looks only at the status code thus sees success only for a succeeded restore, and a 4xx (not a
5xx) keeps its default retry policy from re-polling an outcome that will not change.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, Field, ValidationError

from azbackup.errors import ErrorInfo
from azbackup.models_common import Wire
from restore.contract import (
    JobCustomStatus,
    OutcomeStatus,
    Phase,
    RestoreCustomStatus,
    RestoreOrder,
    RestoreOutcome,
    parse_failure_output,
)
from restore.instance_ids import job_instance_id as contract_job_instance_id
from restore.instance_ids import source_of_instance_id

# Retry-After of a running restore: just after the orchestration's own next poll (`nextPollAt`), so a caller hears
# of the end within seconds of it and asks no more often than it does; bounded: never under the Durable status
# endpoint's 5 s (DURABLE-NOTES §10), never over two minutes (a caller still sees a change of plan soon).
RETRY_AFTER_SECONDS = 5
RETRY_AFTER_MAX_SECONDS = 120
RETRY_AFTER_MARGIN_SECONDS = 2  # time for the orchestration to read the job and publish what it saw
# Durable runtime statuses of an instance that has not ended (DurableOrchestrationStatus.runtimeStatus).
RUNNING_RUNTIME = frozenset({"Running", "Pending", "ContinuedAsNew", "Suspended"})
PHASE_PENDING = "pending"  # the public phase before `restore_vm` published its first custom status
ModelT = TypeVar("ModelT", bound=BaseModel)


class RestoreStatus(StrEnum):
    """The public restore status."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self is not RestoreStatus.RUNNING


HTTP_STATUS: dict[RestoreStatus, int] = {
    RestoreStatus.RUNNING: 202,
    RestoreStatus.SUCCEEDED: 200,
    RestoreStatus.FAILED: 422,
    RestoreStatus.CANCELLED: 409,
}


class RestoreErrorBody(Wire):
    """Why a restore failed or was stopped."""

    code: str
    message: str
    recommendations: list[str] = Field(default_factory=list)


class RestoreView(Wire):
    """A restore as the API shows it."""

    id: str
    status: RestoreStatus
    phase: str = Field(description="runbook phase (docs/architecture.md), `pending` before the first step")
    source: str | None = Field(default=None, description="http | eventgrid | incident | delete")
    request: dict[str, Any] | None = Field(default=None, description="the validated RestoreRequest")
    recovery_point: dict[str, Any] | None = None
    job_id: str | None = None
    progress: float | None = Field(default=None, description="job percentage, 0-100, when the service reports it")
    result: dict[str, Any] | None = Field(default=None, description="what was restored where (succeeded)")
    error: RestoreErrorBody | None = Field(default=None, description="why not (failed, cancelled)")
    approval: dict[str, Any] | None = Field(
        default=None, description="the approval the restore waits for (plan, expiresAt, approvers) or how it ended "
                                  "(record: decision, by, reason, at)")
    created_at: datetime | None = None
    updated_at: datetime | None = None
    status_url: str | None = None
    cancel_url: str | None = None


class RestoreStarted(Wire):
    """The 202 answer to POST /api/restores."""

    id: str
    status: RestoreStatus = RestoreStatus.RUNNING
    status_url: str
    cancel_url: str


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _read(model: type[ModelT], value: Any) -> ModelT | None:
    """`value` (a dict, or JSON text as some hosts send it) as `model`, or None when it is not one."""
    value = _json(value)
    if not isinstance(value, dict):
        return None
    try:
        return model.model_validate(value)
    except ValidationError:
        return None


def _runtime(status: Any) -> str | None:
    runtime = getattr(status, "runtime_status", None)
    return getattr(runtime, "value", runtime)


def read_order(status: Any) -> RestoreOrder | None:
    """The `RestoreOrder` an instance was started with, if it can be read."""
    return _read(RestoreOrder, getattr(status, "input_", None))


def read_custom_status(status: Any) -> RestoreCustomStatus | None:
    """What `restore_vm` last published, or None before it published anything."""
    return _read(RestoreCustomStatus, getattr(status, "custom_status", None))


def needs_job_status(status: Any) -> bool:
    """True when the restore waits for its job, whose progress lives in the job sub-orchestration."""
    custom = read_custom_status(status)
    return _runtime(status) in RUNNING_RUNTIME and custom is not None and custom.phase is Phase.WAITING_FOR_JOB


def job_instance_id(status: Any) -> str:
    """The job sub-orchestration's instance ID (`{id}:job` unless the custom status names it)."""
    custom = read_custom_status(status)
    return (custom.job_instance_id if custom else None) or contract_job_instance_id(status.instance_id)


def _error(error: ErrorInfo | None, default_code: str, default_message: str) -> RestoreErrorBody:
    if error is not None and error.code:
        return RestoreErrorBody(code=error.code, message=error.message, recommendations=list(error.recommendations))
    return RestoreErrorBody(code=default_code, message=default_message)


def _running_fields(custom: RestoreCustomStatus | None, job: JobCustomStatus | None) -> dict[str, Any]:
    progress = custom.progress if custom else None
    if job is not None and job.progress is not None:
        progress = job.progress
    return {"status": RestoreStatus.RUNNING, "phase": custom.phase.value if custom else PHASE_PENDING,
            "job_id": (custom.job_id if custom else None) or (job.job_id if job else None),
            "progress": progress, "updated_at": custom.updated_at if custom else None}


def _outcome_fields(outcome: RestoreOutcome | None) -> dict[str, Any]:
    if outcome is None:
        return {"phase": Phase.DONE.value}
    return {"phase": outcome.phase.value, "job_id": outcome.job_id, "updated_at": outcome.ended_at,
            "recovery_point": outcome.recovery_point.dump() if outcome.recovery_point else None}


def _completed_fields(output: Any) -> dict[str, Any]:
    outcome = _read(RestoreOutcome, output)
    if outcome is not None and outcome.status is OutcomeStatus.FAILED:
        # `restore_vm` raises for a failure, but an outcome that says failed is never shown as a success.
        return {"status": RestoreStatus.FAILED, **_outcome_fields(outcome),
                "error": _error(outcome.error, "RestoreFailed", "the restore failed")}
    cancelled = outcome is not None and outcome.status is OutcomeStatus.CANCELLED
    fields: dict[str, Any] = {"status": RestoreStatus.CANCELLED if cancelled else RestoreStatus.SUCCEEDED,
                              **_outcome_fields(outcome)}
    if cancelled:
        fields["error"] = _error(outcome.error if outcome else None, "RestoreCancelled", "the restore was cancelled")
    else:
        fields["progress"] = 100.0
        fields["result"] = outcome.result.dump() if outcome and outcome.result else None
    return fields


def _failed_fields(output: Any) -> dict[str, Any]:
    outcome = _read(RestoreOutcome, parse_failure_output(output if isinstance(output, str) else json.dumps(output)))
    return {"status": RestoreStatus.FAILED, **_outcome_fields(outcome),
            "error": _error(outcome.error if outcome else None, "RestoreFailed", "the restore orchestration failed")}


def _terminated_fields(output: Any) -> dict[str, Any]:
    reason = output if isinstance(output, str) and output else "the orchestration was terminated"
    return {"status": RestoreStatus.CANCELLED, "phase": Phase.DONE.value,
            "error": RestoreErrorBody(code="RestoreTerminated", message=reason[:500])}


def restore_view(status: Any, job_custom_status: Any = None) -> RestoreView:
    """The public body for one `restore_vm` instance (`DurableOrchestrationStatus`)."""
    runtime = _runtime(status)
    custom = read_custom_status(status)
    output = _json(getattr(status, "output", None))
    if runtime == "Completed":
        fields = _completed_fields(output)
    elif runtime == "Failed":
        fields = _failed_fields(output)
    elif runtime in ("Terminated", "Canceled"):
        fields = _terminated_fields(output)
    else:
        fields = _running_fields(custom, _read(JobCustomStatus, job_custom_status))
    if fields.get("recovery_point") is None and custom is not None and custom.recovery_point is not None:
        fields["recovery_point"] = custom.recovery_point.dump()
    if custom is not None and custom.approval is not None:
        fields["approval"] = custom.approval.dump()
    order = read_order(status)
    fields["updated_at"] = fields.get("updated_at") or getattr(status, "last_updated_time", None)
    source = order.source if order else source_of_instance_id(status.instance_id)
    return RestoreView(id=status.instance_id, source=source.value if source else None,
                       request=order.request if order else None, created_at=getattr(status, "created_time", None),
                       **fields)


def retry_after(status: Any, job_custom_status: Any, now: datetime) -> int:
    """Seconds a caller should wait before asking about a running restore again (see RETRY_AFTER_SECONDS)."""
    custom = read_custom_status(status)
    job = _read(JobCustomStatus, job_custom_status) if needs_job_status(status) else None
    published = job if job is not None and job.next_poll_at is not None else custom
    if published is None or published.next_poll_at is None:
        return RETRY_AFTER_SECONDS
    ahead = (published.next_poll_at - now).total_seconds()
    if published.updated_at is not None:
        # Never more than the wait the orchestration planned when it published: on one clock (Azure) `now` is past
        # `updatedAt`, so this changes nothing; a local host whose orchestration clock runs ahead of the wall
        # clock (devhost --time-scale) gets the planned wait instead of a wait inflated by the clocks' gap.
        ahead = min(ahead, (published.next_poll_at - published.updated_at).total_seconds())
    seconds = math.ceil(ahead) + RETRY_AFTER_MARGIN_SECONDS
    return max(RETRY_AFTER_SECONDS, min(RETRY_AFTER_MAX_SECONDS, seconds))


def http_status(view: RestoreView) -> int:
    """The HTTP status for GET /api/restores/{id}."""
    return HTTP_STATUS[view.status]
