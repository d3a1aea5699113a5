"""JSON-able value objects of a restore that cross the activity boundary (activity results, orchestration state).

They are camelCase on the wire (`model_dump(mode="json", by_alias=True)`) and accept both spellings on input. The
functions at the end build them from the ARM client's wire models (`azbackup` knows nothing of them).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import Field, computed_field

from azbackup.errors import ErrorInfo
from azbackup.models_common import Wire, parse_duration
from azbackup.models_job import Job, JobStatus
from azbackup.models_rp import RecoveryPoint


class BackupItem(Wire):
    """Where a VM's backups live: vault, container and protected item."""

    vm_id: str | None = None
    vm_region: str | None = None
    vault_id: str
    vault_region: str | None = None
    fabric_name: str = "Azure"
    container_name: str
    protected_item_name: str
    protected_item_id: str
    secondary_region: str | None = None


class TierInfo(Wire):
    """One storage tier of a recovery point (`InstantRP`, `HardenedRP`, `ArchivedRP`) and its status."""

    type: str
    status: str


class ReplicationLag(Wire):
    """How far the secondary region is behind, seen before a cross-region restore is triggered: the age of the
    newest recovery point already copied there (`RecoveryPointsCrr_List`), at the time the point was chosen."""

    region: str | None = None
    newest_point_time: datetime
    lag: timedelta  # ISO-8601 duration on the wire, e.g. PT12H30M

    @classmethod
    def of(cls, region: str | None, newest: datetime, now: datetime) -> ReplicationLag:
        return cls(region=region, newest_point_time=newest, lag=max(timedelta(0), now - newest))


class RecoveryPointInfo(Wire):
    """The recovery point chosen for a restore."""

    id: str
    name: str
    time: datetime
    type: str
    tiers: list[TierInfo] = Field(default_factory=list)
    zones: list[str] = Field(default_factory=list)
    is_archive_only: bool = False
    cross_region: bool = False
    # cross-region restores only; left out of the JSON otherwise
    replication_lag: ReplicationLag | None = Field(default=None, exclude_if=lambda value: value is None)


class TaskInfo(Wire):
    """One step of a restore job as the service reports it."""

    name: str
    status: str


class JobInfo(Wire):
    """A restore job's state, small enough for orchestration history."""

    job_id: str
    status: JobStatus
    operation: str | None = None
    progress: float | None = None
    estimated_remaining_seconds: float | None = None  # the service's `estimatedRemainingDuration`
    retry_after: int | None = None  # a `Retry-After` the job read carried (the next read no sooner)
    tasks: list[TaskInfo] = Field(default_factory=list)
    errors: list[ErrorInfo] = Field(default_factory=list)
    property_bag: dict[str, str] = Field(default_factory=dict)
    start_time: datetime | None = None
    end_time: datetime | None = None
    duration: str | None = None

    @computed_field  # type: ignore[prop-decorator]  # in the JSON too, for readers of history
    @property
    def is_terminal(self) -> bool:
        return self.status.is_terminal


class ActivityResult(Wire):
    """What every activity returns: a value, or an error as data (never a raised ARM error)."""

    value: dict[str, Any] | None = None
    error: ErrorInfo | None = None

    @classmethod
    def ok(cls, value: Wire | dict[str, Any]) -> dict[str, Any]:
        """A successful result, dumped for Durable Functions."""
        body = value.dump() if isinstance(value, Wire) else value
        return cls(value=body).dump()

    @classmethod
    def fail(cls, error: ErrorInfo) -> dict[str, Any]:
        """A failed result, dumped for Durable Functions."""
        return cls(error=error).dump()


def point_info(point: RecoveryPoint, *, cross_region: bool = False) -> RecoveryPointInfo:
    """The small JSON-able summary of a recovery point that crosses the activity boundary.

    Raises:
        ValueError: the point lacks an id, name or time (not a usable recovery point).
    """
    if not (point.id and point.name and point.time):
        raise ValueError("recovery point lacks id, name or recoveryPointTime")
    return RecoveryPointInfo(
        id=point.id,
        name=point.name,
        time=point.time,
        type=point.properties.recovery_point_type or "Unknown",
        tiers=[TierInfo(type=str(t.type), status=str(t.status)) for t in point.tiers],
        zones=list(point.properties.zones or []),
        is_archive_only=point.is_archive_only,
        cross_region=cross_region,
    )


def job_info(job: Job, retry_after: int | None = None) -> JobInfo:
    """The small JSON-able summary of a job kept in orchestration history."""
    info = job.properties.extended_info
    remaining = parse_duration(info.estimated_remaining_duration) if info else None
    tasks = [TaskInfo(name=t.task_id or "", status=t.status or "") for t in (info.tasks_list or [])] if info else []
    bag = {str(k): str(v) for k, v in (info.property_bag or {}).items()} if info else {}
    return JobInfo(
        job_id=job.job_id,
        status=job.status,
        operation=job.properties.operation,
        progress=job.progress,
        estimated_remaining_seconds=remaining.total_seconds() if remaining is not None else None,
        retry_after=retry_after,
        tasks=tasks,
        errors=job.errors(),
        property_bag=bag,
        start_time=job.start_time,
        end_time=job.end_time,
        duration=job.properties.duration,
    )
