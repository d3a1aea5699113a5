"""The orchestrations' custom status: small, JSON, never a token (Durable Functions keeps it under 16 KB)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from azbackup.errors import ErrorInfo
from restore.values import RecoveryPointInfo


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


def point_summary(point: RecoveryPointInfo | None) -> dict[str, Any] | None:
    """The recovery point as the status shows it (name, time, type)."""
    if point is None:
        return None
    return {"name": point.name, "time": point.time.isoformat(), "type": point.type}


def error_summary(error: ErrorInfo | None) -> dict[str, Any] | None:
    """An error as the status shows it (code and message only)."""
    return None if error is None else {"code": error.code, "message": error.message[:500]}


@dataclass(frozen=True)
class Status:
    """One snapshot of the custom status; `with_(...)` returns the next one."""

    phase: Phase
    updated_at: datetime
    recovery_point: RecoveryPointInfo | None = None
    job_id: str | None = None
    job_instance_id: str | None = None
    progress: float | None = None
    operation_status: str | None = None
    next_poll_at: datetime | None = None
    cancel_requested: bool = False
    error: ErrorInfo | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def with_(self, **changes: Any) -> Status:
        """The next status: `changes` applied, `next_poll_at` cleared unless given."""
        changes.setdefault("next_poll_at", None)
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """The dict given to `context.set_custom_status` (fixed keys, camelCase)."""
        body: dict[str, Any] = {
            "phase": self.phase.value,
            "recoveryPoint": point_summary(self.recovery_point),
            "jobId": self.job_id,
            "jobInstanceId": self.job_instance_id,
            "progress": self.progress,
            "operationStatus": self.operation_status,
            "nextPollAt": self.next_poll_at.isoformat() if self.next_poll_at else None,
            "cancelRequested": self.cancel_requested,
            "updatedAt": self.updated_at.isoformat(),
        }
        if self.error is not None:
            body["error"] = error_summary(self.error)
        body.update(self.extra)
        return body
