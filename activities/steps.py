"""What each activity does with the ARM client: one ARM step each (the CRR trigger does its three inside)."""

from __future__ import annotations

import logging
from datetime import timedelta

from pydantic import TypeAdapter

from activities.jobs import find_our_restore, restore_jobs_filter
from azbackup import ids
from azbackup.client import BackupClient
from azbackup.errors import NotFoundError
from azbackup.models_job import Job
from azbackup.models_restore import IaasVmRestoreRequest
from azbackup.polling import TrackedOperation
from restore.body import build_restore_request
from restore.errors import ForeignRecoveryPointError
from restore.payloads import (
    FindJobInput,
    FindJobValue,
    JobInput,
    SelectPointInput,
    TriggerInput,
    TriggerValue,
    ValidateInput,
    ValidationIssue,
    ValidationValue,
)
from restore.request import RestoreRequest
from restore.selection import check_explicit_point, select_recovery_point
from restore.settings import get_settings
from restore.values import BackupItem, JobInfo, RecoveryPointInfo, ReplicationLag, job_info, point_info

log = logging.getLogger(__name__)
_DURATION = TypeAdapter(timedelta)


def select_point(client: BackupClient, inp: SelectPointInput) -> RecoveryPointInfo:
    """The explicit point, or the newest that fits the policy (every page read; the secondary region's for CRR).

    For a cross-region restore it also says how far the secondary region is behind (`ReplicationLag`): the age, at
    `inp.now`, of the newest point already copied there.
    """
    item_id = inp.item.protected_item_id
    # Never an archive-only point from the secondary region: az CLI refuses archive restore there (_validators.py
    # `validate_crr`: "Archive restore isn't supported for secondary region."); the front door refuses it as well.
    allow_archive = inp.allow_archive and not inp.cross_region
    points = None
    if inp.recovery_point_id:
        if "/" in inp.recovery_point_id and not ids.same_prefix(inp.recovery_point_id, item_id + "/recoveryPoints/"):
            raise ForeignRecoveryPointError("recoveryPointId is not a recovery point of the resolved item "
                                            f"{inp.item.protected_item_name}")
        name = inp.recovery_point_id.rstrip("/").rsplit("/", 1)[-1]
        chosen = check_explicit_point(client.get_recovery_point(item_id, name, crr=inp.cross_region), allow_archive)
    else:
        points = client.list_recovery_points(item_id, crr=inp.cross_region)
        chosen = select_recovery_point(points, inp.policy, inp.before, _duration(inp.max_age), inp.now, allow_archive)
    info = point_info(chosen, cross_region=inp.cross_region)
    if not inp.cross_region:
        return info
    if points is None:
        points = client.list_recovery_points(item_id, crr=True)
    newest = max((p.time for p in points if p.time), default=chosen.time)
    assert newest is not None  # point_info checked the chosen point's time
    lag = ReplicationLag.of(inp.item.secondary_region, newest, inp.now)
    return info.model_copy(update={"replication_lag": lag})


def _duration(text: str | None) -> timedelta | None:
    return _DURATION.validate_python(text) if text else None


def validate(client: BackupClient, inp: ValidateInput) -> ValidationValue:
    """The service's verdict on the exact restore body we would post."""
    body = build_restore_request(RestoreRequest.model_validate(inp.request), inp.item, inp.recovery_point)
    results = client.validate_restore(inp.item.vault_id, inp.recovery_point.id, body)
    return ValidationValue(results=[ValidationIssue(code=r.code or "ValidationFailed", message=r.message or "",
                                                    recommendations=list(r.recommendations or []))
                                    for r in results])


def _restore_jobs(client: BackupClient, item: BackupItem, crr: bool) -> list[Job]:
    if crr:
        if not item.secondary_region:
            return []
        return client.list_crr_jobs(item.secondary_region, item.vault_id, restore_jobs_filter(True))
    return client.list_jobs(item.vault_id, restore_jobs_filter(False))


def find_job(client: BackupClient, inp: FindJobInput) -> FindJobValue:
    """The restore job this orchestration's trigger started (activities/jobs.py says how it is recognised), if any."""
    vm_name = ids.parse_item_name(inp.item.protected_item_name)[1]
    request = RestoreRequest.model_validate(inp.request)

    def details(job: Job) -> Job:
        if request.cross_region and inp.item.secondary_region:
            return client.get_crr_job(inp.item.secondary_region, inp.item.vault_id, job.job_id)
        return client.get_job(inp.item.vault_id, job.job_id)

    job = find_our_restore(_restore_jobs(client, inp.item, request.cross_region), vm_name, inp.recovery_point,
                           inp.started_at, request, details)
    return FindJobValue(job_id=job.job_id if job else None)


def trigger(client: BackupClient, inp: TriggerInput) -> TriggerValue:
    """Start the restore once: reuse the job a previous attempt of this activity started, else post it."""
    request = RestoreRequest.model_validate(inp.request)
    existing = find_job(client, FindJobInput(item=inp.item, recovery_point=inp.recovery_point,
                                             started_at=inp.started_at, request=inp.request))
    if existing.job_id:
        log.info("restore.trigger_reused", extra={"instance_id": inp.instance_id, "job_id": existing.job_id})
        return TriggerValue(job_id=existing.job_id, reused=True)
    body = build_restore_request(request, inp.item, inp.recovery_point)
    if request.cross_region:
        tracked = _trigger_crr(client, inp, body)
    else:
        tenant = get_settings().resource_guard_tenant_id if request.resource_guard_operation_requests else ""
        tracked = client.trigger_restore(inp.item.protected_item_id, inp.recovery_point.name, body,
                                         auxiliary_tenant_id=tenant or None)
    log.info("restore.trigger_posted", extra={"instance_id": inp.instance_id, "crr": request.cross_region})
    return TriggerValue(status_url=tracked.status_url, result_url=tracked.result_url, retry_after=tracked.retry_after)


def _trigger_crr(client: BackupClient, inp: TriggerInput, body: IaasVmRestoreRequest) -> TrackedOperation:
    """AAD properties, CRR token and `backupCrossRegionRestore`, all here: the token never leaves this function."""
    region = inp.item.secondary_region
    if not region:
        raise NotFoundError(404, "SecondaryRegionUnknown", "the vault's secondary region is not known")
    aad = client.get_aad_properties(region, inp.item.vault_id)
    token = client.get_crr_access_token(inp.item.protected_item_id, inp.recovery_point.name, aad)
    return client.trigger_cross_region_restore(region, token, body)


def get_job(client: BackupClient, inp: JobInput) -> JobInfo:
    """The job's state (the CRR job in the secondary region for cross-region restores)."""
    if inp.cross_region and inp.item.secondary_region:
        return job_info(*client.read_crr_job(inp.item.secondary_region, inp.item.vault_id, inp.job_id))
    return job_info(*client.read_job(inp.item.vault_id, inp.job_id))
