"""How `restore_vm` ends: the failure that carries a failed `RestoreOutcome`, and outcomes read from the job; and the
custom events of a finished restore and a finished plan."""

from __future__ import annotations

import json

from azbackup.errors import ErrorInfo
from azbackup.models_job import JobStatus
from restore.contract import RestoreOrder, RestoreOutcome, RestoreResult
from restore.events import PlanFinished, RestoreFinished
from restore.payloads import RequestView
from restore.plan import PlanRequest
from restore.plan_status import PlanOutcome, VmState
from restore.values import BackupItem, JobInfo, ReplicationLag


class RestoreFailedError(Exception):
    """Fails `restore_vm`; the message is the JSON outcome, so tooling shows it and `parse_failure_output` reads it."""

    def __init__(self, outcome: RestoreOutcome) -> None:
        self.outcome = outcome
        super().__init__(json.dumps(outcome.dump(), separators=(",", ":")))


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


def result_from_job(job: JobInfo, target_vm_id: str | None, replication_lag: ReplicationLag | None = None
                    ) -> RestoreResult:
    """What a finished restore job says it restored (from its property bag; keys vary, so matched loosely)."""
    bag = job.property_bag
    config = _bag_value(bag, "configbloburi", "templatebloburi")
    disks = _bag_list(bag, "restoreddisks", "diskids", "manageddisks")
    vm_id = _bag_value(bag, "restoredvmid", "targetvmid", "targetvirtualmachineid") or target_vm_id
    items = [*disks, *([vm_id] if vm_id else []), *([config] if config else [])]
    warnings = [f"{e.code}: {e.message}" for e in job.errors] if job.status is JobStatus.COMPLETED_WITH_WARNINGS else []
    return RestoreResult(job_id=job.job_id, restored_items=items, vm_id=vm_id, disks=disks, config_blob_uri=config,
                         warnings=warnings, duration=job.duration, replication_lag=replication_lag)


def finished_event(restore_id: str, order: RestoreOrder, item: BackupItem | None,
                   outcome: RestoreOutcome) -> RestoreFinished:
    """The `restore.finished` custom event of a run that ended with `outcome` (docs/observability.md)."""
    request = RequestView.model_validate(order.request)
    region = None
    if item is not None:
        region = item.secondary_region if request.cross_region else (item.vault_region or item.vm_region)
    point = outcome.recovery_point
    age = (outcome.started_at - point.time).total_seconds() / 3600 if point else None
    return RestoreFinished(
        restore_id=restore_id, outcome=outcome.status.value, phase=outcome.phase.value, source=order.source.value,
        mode=request.mode or "restoreDisks", cross_region=request.cross_region, region=(region or "unknown").lower(),
        duration_seconds=round((outcome.ended_at - outcome.started_at).total_seconds(), 3),
        error_code=outcome.error.code if outcome.error else None, job_id=outcome.job_id,
        recovery_point_age_hours=round(age, 3) if age is not None else None)


def plan_finished_event(plan_id: str, plan: PlanRequest, outcome: PlanOutcome) -> PlanFinished:
    """The `plan.finished` custom event of a plan that ended with `outcome` (docs/observability.md)."""
    counts = {state: 0 for state in VmState}
    for vm in outcome.vms:
        counts[vm.state] += 1
    return PlanFinished(
        plan_id=plan_id, outcome=outcome.status.value, dry_run=plan.dry_run, on_failure=plan.on_failure.value,
        groups=len(plan.all_groups()), vms=len(outcome.vms), vms_succeeded=counts[VmState.SUCCEEDED],
        vms_failed=counts[VmState.FAILED], vms_cancelled=counts[VmState.CANCELLED],
        vms_skipped=counts[VmState.SKIPPED], vms_validated=counts[VmState.VALIDATED],
        duration_seconds=round((outcome.ended_at - outcome.started_at).total_seconds(), 3),
        error_code=outcome.error.code if outcome.error else None)
