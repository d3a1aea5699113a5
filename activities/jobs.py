"""Recognising the restore job an orchestration started (pure): same VM, same point, started after it began."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from azbackup.models_job import Job
from restore.values import RecoveryPointInfo

RESTORE_OPERATIONS = frozenset({"restore", "crossregionrestore"})
# Service and orchestration clocks differ a little; a job started this much before `started_at` still counts.
CLOCK_SKEW = timedelta(minutes=2)
_BAG_TIME_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%SZ")


def bag_point_time(job: Job) -> datetime | None:
    """The recovery point time a restore job's property bag names ("Recovery point time"), if readable."""
    info = job.properties.extended_info
    for key, value in ((info.property_bag or {}) if info else {}).items():
        if "recovery point time" in key.lower() and isinstance(value, str):
            for fmt in _BAG_TIME_FORMATS:
                try:
                    return datetime.strptime(value.strip(), fmt).replace(second=0, microsecond=0, tzinfo=None)
                except ValueError:
                    continue
    return None


def is_our_restore(job: Job, vm_name: str, point: RecoveryPointInfo, started_at: datetime) -> bool:
    """The job restores `point` of `vm_name` and started at/after `started_at` (minus clock skew)."""
    props = job.properties
    if (props.operation or "").lower() not in RESTORE_OPERATIONS:
        return False
    if (props.entity_friendly_name or "").lower() != vm_name.lower():
        return False
    if job.start_time is None or job.start_time < started_at - CLOCK_SKEW:
        return False
    bag_time = bag_point_time(job)
    return bag_time is None or bag_time == point.time.astimezone(UTC).replace(second=0, microsecond=0, tzinfo=None)


def find_our_restore(jobs: Iterable[Job], vm_name: str, point: RecoveryPointInfo, started_at: datetime) -> Job | None:
    """The newest job `is_our_restore` accepts."""
    ours = [j for j in jobs if is_our_restore(j, vm_name, point, started_at)]
    return max(ours, key=lambda j: j.start_time or started_at, default=None)


def restore_jobs_filter(crr: bool) -> str:
    """`$filter` for restore jobs (the service lists recent ones; start times are checked here, not in the filter)."""
    return f"operation eq '{'CrossRegionRestore' if crr else 'Restore'}'"
