"""What a restore ends with: `RestoreOutcome`, the failure that carries it, and reading it back from tooling."""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from azbackup.errors import ErrorInfo
from azbackup.models_common import Wire
from azbackup.models_job import JobStatus
from restore.payloads import ValidationIssue
from restore.values import JobInfo, RecoveryPointInfo

_FAILED_PREFIX = "failed:"


class OutcomeStatus(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


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
    """The end of a restore, as the orchestration output (or the failure message) carries it."""

    status: OutcomeStatus
    phase: str
    request: dict[str, Any]
    recovery_point: RecoveryPointInfo | None = None
    job_id: str | None = None
    result: RestoreResult | None = None
    error: ErrorInfo | None = None
    validation: list[ValidationIssue] = Field(default_factory=list)
    cancel_requested: bool = False
    started_at: datetime
    ended_at: datetime


class RestoreFailedError(Exception):
    """Fails `restore_vm`; the message is the JSON outcome, so tooling shows it and `parse_failure_output` reads it."""

    def __init__(self, outcome: RestoreOutcome) -> None:
        self.outcome = outcome
        super().__init__(json.dumps(outcome.dump(), separators=(",", ":")))


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


def job_error(job: JobInfo) -> ErrorInfo:
    """The error a failed job reports (its first error, recommendations of all), or a generic one."""
    if not job.errors:
        return ErrorInfo(code="RestoreJobFailed", message=f"restore job {job.job_id} ended {job.status.value}")
    first = job.errors[0]
    recommendations = [r for err in job.errors for r in err.recommendations]
    message = "; ".join(err.message for err in job.errors if err.message) or first.message
    return first.model_copy(update={"message": message, "recommendations": recommendations})


def _bag_value(bag: dict[str, str], *needles: str) -> str | None:
    for key, value in bag.items():
        folded = key.lower().replace(" ", "")
        if value and any(needle in folded for needle in needles):
            return value
    return None


def _bag_list(bag: dict[str, str], *needles: str) -> list[str]:
    found = _bag_value(bag, *needles)
    if not found:
        return []
    try:
        parsed = json.loads(found)
    except ValueError:
        parsed = found.split(",")
    if isinstance(parsed, list):
        return [str(x).strip() for x in parsed if str(x).strip()]
    return [str(parsed)]


def result_from_job(job: JobInfo, target_vm_id: str | None) -> RestoreResult:
    """What a finished restore job says it restored (from its property bag; keys vary, so matched loosely)."""
    bag = job.property_bag
    config = _bag_value(bag, "configbloburi", "templatebloburi")
    disks = _bag_list(bag, "restoreddisks", "diskids", "manageddisks")
    vm_id = _bag_value(bag, "restoredvmid", "targetvmid", "targetvirtualmachineid") or target_vm_id
    items = [*disks, *([vm_id] if vm_id else []), *([config] if config else [])]
    warnings = [f"{e.code}: {e.message}" for e in job.errors] if job.status is JobStatus.COMPLETED_WITH_WARNINGS else []
    return RestoreResult(job_id=job.job_id, restored_items=items, vm_id=vm_id, disks=disks, config_blob_uri=config,
                         warnings=warnings, duration=job.duration)
