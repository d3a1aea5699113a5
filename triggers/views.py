"""The public restore body, mapped from Durable Functions state (runtime status + custom status + output).

Final HTTP status codes (docs/api.md, "Status codes"): running 202, succeeded 200, failed 422, cancelled 409.
A Logic App that looks only at the status code thus sees success only for a succeeded restore, and a 4xx (not a
5xx) keeps its default retry policy from re-polling an outcome that will not change.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from azbackup.models_common import Wire
from orchestrators.outcome import parse_failure_output

RETRY_AFTER_SECONDS = 5
_RUNNING = frozenset({"Running", "Pending", "ContinuedAsNew", "Suspended"})
PHASE_PENDING = "pending"
PHASE_WAITING_FOR_JOB = "waitingForJob"


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
    source: str | None = Field(default=None, description="http | eventgrid | incident")
    request: dict[str, Any] | None = Field(default=None, description="the validated RestoreRequest")
    recovery_point: dict[str, Any] | None = None
    job_id: str | None = None
    progress: float | None = Field(default=None, description="job percentage, 0-100, when the service reports it")
    result: dict[str, Any] | None = Field(default=None, description="what was restored where (succeeded)")
    error: RestoreErrorBody | None = Field(default=None, description="why not (failed, cancelled)")
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


def _runtime(status: Any) -> str | None:
    runtime = getattr(status, "runtime_status", None)
    return getattr(runtime, "value", runtime)


def needs_job_status(status: Any) -> bool:
    """True when the restore waits for its job, whose progress lives in the job sub-orchestration."""
    custom = _json(getattr(status, "custom_status", None))
    return _runtime(status) in _RUNNING and isinstance(custom, dict) and custom.get("phase") == PHASE_WAITING_FOR_JOB


def job_instance_id(status: Any) -> str:
    """The job sub-orchestration's instance ID (`{id}:job` unless the custom status names it)."""
    custom = _json(getattr(status, "custom_status", None))
    named = custom.get("jobInstanceId") if isinstance(custom, dict) else None
    return str(named or f"{status.instance_id}:job")


def _error(value: Any, default_code: str, default_message: str) -> RestoreErrorBody:
    if isinstance(value, dict) and value.get("code"):
        recommendations = [str(r) for r in value.get("recommendations") or []]
        return RestoreErrorBody(code=str(value["code"]), message=str(value.get("message") or ""),
                                recommendations=recommendations)
    return RestoreErrorBody(code=default_code, message=default_message)


def _running_fields(custom: dict[str, Any], job: dict[str, Any] | None) -> dict[str, Any]:
    progress = custom.get("progress")
    if job and job.get("progress") is not None:
        progress = job["progress"]
    return {"status": RestoreStatus.RUNNING, "phase": custom.get("phase") or PHASE_PENDING,
            "recovery_point": custom.get("recoveryPoint"), "job_id": custom.get("jobId") or (job or {}).get("jobId"),
            "progress": progress, "updated_at": custom.get("updatedAt")}


def _completed_fields(output: Any) -> dict[str, Any]:
    outcome = output if isinstance(output, dict) else {}
    status = RestoreStatus.CANCELLED if outcome.get("status") == RestoreStatus.CANCELLED else RestoreStatus.SUCCEEDED
    fields: dict[str, Any] = {"status": status, "phase": outcome.get("phase") or "done",
                              "recovery_point": outcome.get("recoveryPoint"), "job_id": outcome.get("jobId"),
                              "result": outcome.get("result"), "updated_at": outcome.get("endedAt")}
    if status is RestoreStatus.SUCCEEDED:
        fields["progress"] = 100.0
    else:
        fields["error"] = _error(outcome.get("error"), "RestoreCancelled", "the restore was cancelled")
    return fields


def _failed_fields(output: Any) -> dict[str, Any]:
    outcome = parse_failure_output(output if isinstance(output, str) else json.dumps(output)) or {}
    return {"status": RestoreStatus.FAILED, "phase": outcome.get("phase") or "done",
            "recovery_point": outcome.get("recoveryPoint"), "job_id": outcome.get("jobId"),
            "error": _error(outcome.get("error"), "RestoreFailed", "the restore orchestration failed"),
            "updated_at": outcome.get("endedAt")}


def _terminated_fields(output: Any) -> dict[str, Any]:
    reason = output if isinstance(output, str) and output else "the orchestration was terminated"
    return {"status": RestoreStatus.CANCELLED, "phase": "done",
            "error": RestoreErrorBody(code="RestoreTerminated", message=reason[:500])}


def restore_view(status: Any, job_custom_status: Any = None) -> RestoreView:
    """The public body for one `restore_vm` instance (`DurableOrchestrationStatus`)."""
    runtime = _runtime(status)
    custom = _json(getattr(status, "custom_status", None))
    order = _json(getattr(status, "input_", None))
    output = _json(getattr(status, "output", None))
    job = _json(job_custom_status)
    if runtime == "Completed":
        fields = _completed_fields(output)
    elif runtime == "Failed":
        fields = _failed_fields(output)
    elif runtime in ("Terminated", "Canceled"):
        fields = _terminated_fields(output)
    else:
        fields = _running_fields(custom if isinstance(custom, dict) else {}, job if isinstance(job, dict) else None)
    if fields.get("recovery_point") is None and isinstance(custom, dict):
        fields["recovery_point"] = custom.get("recoveryPoint")
    order = order if isinstance(order, dict) else {}
    fields["updated_at"] = fields.get("updated_at") or getattr(status, "last_updated_time", None)
    return RestoreView(id=status.instance_id, source=order.get("source"), request=order.get("request"),
                       created_at=getattr(status, "created_time", None), **fields)


def http_status(view: RestoreView) -> int:
    """The HTTP status for GET /api/restores/{id}."""
    return HTTP_STATUS[view.status]
