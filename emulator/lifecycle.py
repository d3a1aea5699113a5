"""Operations and jobs: declared status transitions driven by the service clock (like moto's managed state model,
but advanced by time rather than by the number of reads)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from emulator.progress import ProgressReport, eta_factor, percent
from emulator.validation import Problem


class JobStatus(StrEnum):
    IN_PROGRESS = "InProgress"
    CANCELLING = "Cancelling"
    COMPLETED = "Completed"
    COMPLETED_WITH_WARNINGS = "CompletedWithWarnings"
    FAILED = "Failed"
    CANCELLED = "Cancelled"

    @property
    def is_terminal(self) -> bool:
        return self not in (JobStatus.IN_PROGRESS, JobStatus.CANCELLING)


class OperationStatus(StrEnum):
    IN_PROGRESS = "InProgress"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    CANCELED = "Canceled"


JOB_TRANSITIONS: dict[JobStatus, set[JobStatus]] = {
    JobStatus.IN_PROGRESS: {JobStatus.CANCELLING, JobStatus.COMPLETED, JobStatus.COMPLETED_WITH_WARNINGS,
                            JobStatus.FAILED},
    JobStatus.CANCELLING: {JobStatus.CANCELLED},
}


class InvalidTransition(Exception):
    """A job was asked to move along a transition the table does not declare."""


@dataclass(frozen=True)
class OperationError:
    """`OperationStatus.error` (`PS` OperationStatusError)."""

    code: str
    message: str


@dataclass(frozen=True)
class JobError:
    """One `errorDetails[]` entry of an Azure IaaS VM job (`PS` AzureIaaSVMErrorInfo)."""

    code: int
    title: str
    message: str
    recommendations: tuple[str, ...] = ()


@dataclass
class Operation:
    """An async operation (restore, CRR, validate, job cancel) that ends at `done_at` with `outcome`."""

    id: str
    kind: str  # restore | crr | validate | cancel
    start: datetime
    done_at: datetime
    outcome: OperationStatus = OperationStatus.SUCCEEDED
    job_name: str | None = None
    error: OperationError | None = None
    validation: list[Problem] | None = None  # a validate operation's results
    region: str | None = None
    subscription: str | None = None
    retry_after: int = 60

    def status_at(self, now: datetime) -> OperationStatus:
        return self.outcome if now >= self.done_at else OperationStatus.IN_PROGRESS

    def is_done(self, now: datetime) -> bool:
        return now >= self.done_at


@dataclass
class RestoreSpec:
    """What a restore job restores and where (the request's fields the job needs when it completes)."""

    recovery_type: str  # OriginalLocation | AlternateLocation | RestoreDisks
    region: str
    vm_id: str
    vm_name: str
    rp_name: str
    rp_time: datetime
    luns: list[int]
    storage_account_id: str | None = None
    target_resource_group_id: str | None = None
    target_virtual_machine_id: str | None = None
    subnet_id: str | None = None
    vm_size: str | None = None
    zones: list[str] | None = None


@dataclass
class Task:
    task_id: str
    start_fraction: float
    end_fraction: float


@dataclass
class Job:
    """A backup/restore job. `planned_end` None means a static (seeded) job that never moves."""

    name: str
    operation: str
    entity_friendly_name: str
    start: datetime
    status: JobStatus = JobStatus.IN_PROGRESS
    planned_end: datetime | None = None
    outcome: JobStatus = JobStatus.COMPLETED
    end: datetime | None = None
    vault_id: str | None = None
    region: str | None = None  # CRR jobs live in the secondary region
    subscription: str | None = None
    vm_id: str | None = None
    activity_id: str = ""
    error: JobError | None = None
    property_bag: dict[str, str] = field(default_factory=dict)
    tasks: list[Task] = field(default_factory=lambda: [Task("Transfer data", 0.0, 1.0)])
    cancel_done_at: datetime | None = None
    restore: RestoreSpec | None = None  # what to create on completion
    history: list[tuple[datetime, JobStatus]] = field(default_factory=list)
    report: ProgressReport = field(default_factory=ProgressReport)  # how it reports progress and remaining time

    def move(self, new: JobStatus, at: datetime) -> None:
        if new not in JOB_TRANSITIONS.get(self.status, set()):
            raise InvalidTransition(f"job {self.name}: {self.status} -> {new}")
        self.status = new
        self.history.append((at, new))
        if new.is_terminal:
            self.end = at

    def advance(self, now: datetime) -> bool:
        """Apply every transition due by `now`; True when the job reached a terminal status in this call."""
        if self.status.is_terminal:
            return False
        if self.status is JobStatus.CANCELLING and self.cancel_done_at and now >= self.cancel_done_at:
            self.move(JobStatus.CANCELLED, self.cancel_done_at)
            return True
        if self.status is JobStatus.IN_PROGRESS and self.planned_end and now >= self.planned_end:
            self.move(self.outcome, self.planned_end)
            return True
        return False

    def request_cancel(self, now: datetime, cancel_seconds: float) -> None:
        self.move(JobStatus.CANCELLING, now)
        self.cancel_done_at = now + timedelta(seconds=cancel_seconds)

    def progress(self, now: datetime) -> int:
        """Reported progress in whole percent: 100 once completed, at most 99 before (shaped by `report`)."""
        if self.status in (JobStatus.COMPLETED, JobStatus.COMPLETED_WITH_WARNINGS):
            return 100
        if self.planned_end is None or self.planned_end <= self.start:
            return 0
        reference = min(now, self.end or now)
        fraction = (reference - self.start) / (self.planned_end - self.start)
        return percent(self.report.profile, fraction)

    def elapsed(self, now: datetime) -> float:
        return ((self.end or now) - self.start).total_seconds()

    def remaining(self, now: datetime) -> float:
        """True seconds until the job ends (0 once it ended)."""
        if self.status.is_terminal or self.planned_end is None:
            return 0.0
        return max(0.0, (self.planned_end - now).total_seconds())

    def estimated_remaining(self, now: datetime) -> float:
        """The remaining time the job reports: the true one, wrong by the job's `etaErrorPct` (with noise)."""
        return self.remaining(now) * eta_factor(self.report, self.elapsed(now))

    @property
    def is_cancellable(self) -> bool:
        return self.status is JobStatus.IN_PROGRESS and self.planned_end is not None
