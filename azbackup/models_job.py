"""Job and operation status wire models."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import Field

from azbackup.errors import ErrorInfo
from azbackup.models_common import ArmModel, ArmResource, ArmTime, CaseInsensitiveEnum, lenient, parse_duration


class OperationStatusValues(CaseInsensitiveEnum):
    """Status of a tracked operation (`Canceled` with one "l", unlike jobs)."""

    INVALID = "Invalid"
    IN_PROGRESS = "InProgress"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    CANCELED = "Canceled"

    @property
    def is_terminal(self) -> bool:
        return self in (OperationStatusValues.SUCCEEDED, OperationStatusValues.FAILED, OperationStatusValues.CANCELED)


class JobStatus(CaseInsensitiveEnum):
    """Status of a backup job (`Cancelled` with two "l")."""

    INVALID = "Invalid"
    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    FAILED = "Failed"
    COMPLETED_WITH_WARNINGS = "CompletedWithWarnings"
    CANCELLED = "Cancelled"
    CANCELLING = "Cancelling"

    @property
    def is_terminal(self) -> bool:
        return self in (JobStatus.COMPLETED, JobStatus.COMPLETED_WITH_WARNINGS, JobStatus.FAILED, JobStatus.CANCELLED)

    @property
    def is_success(self) -> bool:
        return self in (JobStatus.COMPLETED, JobStatus.COMPLETED_WITH_WARNINGS)


LenientJobStatus = Annotated[JobStatus | str, *lenient(JobStatus)]
LenientOperationStatusValues = Annotated[OperationStatusValues | str, *lenient(OperationStatusValues)]


class OperationStatusError(ArmModel):
    """`error` of a failed operation."""

    code: str | None = None
    message: str | None = None


class OperationStatusProperties(ArmModel):
    """`properties` of an operation status (`OperationStatusJobExtendedInfo` carries the jobId)."""

    object_type: str | None = None
    job_id: str | None = None


class OperationStatus(ArmModel):
    """Body returned by a status URL (`Azure-AsyncOperation`)."""

    id: str | None = None
    name: str | None = None
    status: LenientOperationStatusValues = OperationStatusValues.INVALID
    start_time: ArmTime = None
    end_time: ArmTime = None
    error: OperationStatusError | None = None
    properties: OperationStatusProperties | None = None

    @property
    def operation_status(self) -> OperationStatusValues:
        """The status as an enum; an unknown value counts as still in progress (we keep polling)."""
        status = self.status
        return status if isinstance(status, OperationStatusValues) else OperationStatusValues.IN_PROGRESS

    @property
    def job_id(self) -> str | None:
        return self.properties.job_id if self.properties else None


class JobTask(ArmModel):
    """One entry of `extendedInfo.tasksList`."""

    task_id: str | None = None
    status: str | None = None
    start_time: ArmTime = None
    end_time: ArmTime = None
    duration: str | None = None
    instance_id: str | None = None
    progress_percentage: float | None = None


class JobErrorInfo(ArmModel):
    """One entry of `errorDetails` (`AzureIaaSVMErrorInfo`)."""

    error_code: int | None = None
    error_title: str | None = None
    error_string: str | None = None
    recommendations: list[str] | None = None


class JobExtendedInfo(ArmModel):
    """Progress and details of an Azure IaaS VM job."""

    tasks_list: list[JobTask] | None = None
    property_bag: dict[str, Any] | None = None
    internal_property_bag: dict[str, Any] | None = None
    progress_percentage: float | None = None
    estimated_remaining_duration: str | None = None
    dynamic_error_message: str | None = None


class JobProperties(ArmModel):
    """`AzureIaaSVMJob` properties."""

    job_type: str | None = None
    entity_friendly_name: str | None = None
    backup_management_type: str | None = None
    operation: str | None = None
    status: LenientJobStatus = JobStatus.INVALID
    start_time: ArmTime = None
    end_time: ArmTime = None
    duration: str | None = None
    activity_id: str | None = None
    virtual_machine_version: str | None = None
    actions_info: list[Any] | None = None
    error_details: list[JobErrorInfo] | None = None
    extended_info: JobExtendedInfo | None = None


class Job(ArmResource):
    """A backup job (`JobResource`); `name` is the job ID."""

    properties: JobProperties = Field(default_factory=JobProperties)

    @property
    def job_id(self) -> str:
        return self.name or (self.id or "").rsplit("/", 1)[-1]

    @property
    def status(self) -> JobStatus:
        """The status as an enum; an unknown value counts as still in progress (we keep polling)."""
        status = self.properties.status
        return status if isinstance(status, JobStatus) else JobStatus.IN_PROGRESS

    @property
    def is_terminal(self) -> bool:
        return self.status.is_terminal

    @property
    def duration(self) -> timedelta | None:
        return parse_duration(self.properties.duration)

    @property
    def progress(self) -> float | None:
        info = self.properties.extended_info
        return info.progress_percentage if info else None

    @property
    def start_time(self) -> datetime | None:
        return self.properties.start_time

    @property
    def end_time(self) -> datetime | None:
        return self.properties.end_time

    def errors(self) -> list[ErrorInfo]:
        """The job's `errorDetails` as data (code is the numeric error code as text, or the title)."""
        result = []
        for err in self.properties.error_details or []:
            code = str(err.error_code) if err.error_code is not None else (err.error_title or "JobError")
            message = err.error_string or err.error_title or "the job reported an error"
            result.append(ErrorInfo(code=code, message=message, recommendations=list(err.recommendations or [])))
        return result


class JobList(ArmModel):
    """One page of `BackupJobs_List` / `BackupCrrJobs_List`."""

    value: list[Job] = Field(default_factory=list)
    next_link: str | None = None
