"""Recognising the restore job this orchestration's trigger started (pure).

A redelivered `trigger_restore` cannot tell itself from the first delivery, so before posting it lists the restore
jobs and adopts one only when it is provably this trigger's: it restores the same VM and recovery point, started
at or after the moment the orchestration recorded the trigger attempt in its history (`TriggerInput.started_at`,
set just before the first attempt, not when the orchestration began), and its property bag shows the same kind of
restore, staging account, target resource group and new VM name. Another restore of the same VM and point (another
mode or other targets, or one started before this attempt) is never adopted, so cancelling this restore never
cancels that one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from azbackup.ids import fold
from azbackup.models_job import Job
from restore.request import RestoreMode, RestoreRequest
from restore.values import RecoveryPointInfo

RESTORE_OPERATIONS = frozenset({"restore", "crossregionrestore"})
# Service and orchestration clocks differ a little; a job started this much before `started_at` still counts.
CLOCK_SKEW = timedelta(minutes=2)
_BAG_TIME_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%SZ")
# The restore job's property bag as `az backup job show` prints it (emulator/restore_effects.py serves the same
# keys): the kind of restore, the staging account and target names.
JOB_TYPES = {RestoreMode.RESTORE_DISKS: "recover disks", RestoreMode.REPLACE_DISKS: "replace existing",
             RestoreMode.NEW_VM: "create new virtual machine"}
_BAG_JOB_TYPE = "job type"
_BAG_STORAGE = "target storage account name"
_BAG_GROUP = "target resource group"
_BAG_VM = "target vm name"


def _last(resource_id: str) -> str:
    return resource_id.rstrip("/").rsplit("/", 1)[-1]


def _bag(job: Job) -> dict[str, str]:
    info = job.properties.extended_info
    return {str(k).strip().lower(): str(v).strip() for k, v in ((info.property_bag or {}) if info else {}).items()}


def bag_point_time(job: Job) -> datetime | None:
    """The recovery point time a restore job's property bag names ("Recovery point time"), if readable."""
    for key, value in _bag(job).items():
        if "recovery point time" in key:
            for fmt in _BAG_TIME_FORMATS:
                try:
                    return datetime.strptime(value, fmt).replace(second=0, microsecond=0, tzinfo=None)
                except ValueError:
                    continue
    return None


def expected_bag(request: RestoreRequest) -> dict[str, str]:
    """The property bag values (lowercased) a job of `request` shows; a value the request does not set is absent."""
    expected = {_BAG_JOB_TYPE: JOB_TYPES[request.mode]}
    if request.storage_account_id:
        expected[_BAG_STORAGE] = fold(_last(request.storage_account_id))
    if request.target_resource_group_id and request.mode != RestoreMode.REPLACE_DISKS:
        expected[_BAG_GROUP] = fold(_last(request.target_resource_group_id))
    if request.mode == RestoreMode.NEW_VM and request.target_vm_name:
        expected[_BAG_VM] = fold(request.target_vm_name)
    return expected


def targets_match(job: Job, request: RestoreRequest) -> bool:
    """Mode, staging account, target group and new VM name in the job's bag agree with what the request sets.

    A key the service leaves out of the bag (or a target the request leaves to the service) proves nothing either
    way; every other key must agree.
    """
    bag = _bag(job)
    return all(not bag.get(key) or fold(bag[key]) == value for key, value in expected_bag(request).items())


def is_candidate(job: Job, vm_name: str, started_at: datetime) -> bool:
    """From the jobs list (no property bag there): a restore of `vm_name` started at/after `started_at` - skew."""
    props = job.properties
    if (props.operation or "").lower() not in RESTORE_OPERATIONS:
        return False
    if fold(props.entity_friendly_name or "") != fold(vm_name):
        return False
    return job.start_time is not None and job.start_time >= started_at - CLOCK_SKEW


def is_our_restore(detail: Job, vm_name: str, point: RecoveryPointInfo, started_at: datetime,
                   request: RestoreRequest) -> bool:
    """From the job's details: a candidate that restores `point` as `request` asks (its property bag agrees)."""
    if not is_candidate(detail, vm_name, started_at) or not targets_match(detail, request):
        return False
    bag_time = bag_point_time(detail)
    return bag_time is None or bag_time == point.time.astimezone(UTC).replace(second=0, microsecond=0, tzinfo=None)


def find_our_restore(jobs: Iterable[Job], vm_name: str, point: RecoveryPointInfo, started_at: datetime,
                     request: RestoreRequest, details: Callable[[Job], Job]) -> Job | None:
    """The newest listed job whose details (`details(job)`: a GET, the list has no bag) `is_our_restore` accepts."""
    candidates = sorted((j for j in jobs if is_candidate(j, vm_name, started_at)),
                        key=lambda j: j.start_time or started_at, reverse=True)
    return next((j for j in candidates if is_our_restore(details(j), vm_name, point, started_at, request)), None)


def restore_jobs_filter(crr: bool) -> str:
    """`$filter` for restore jobs (the service lists recent ones; start times are checked here, not in the filter)."""
    return f"operation eq '{'CrossRegionRestore' if crr else 'Restore'}'"
