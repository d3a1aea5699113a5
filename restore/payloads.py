"""Activity inputs and values: the JSON contract between `orchestrators/` and `activities/`.

Every activity returns `ActivityResult` (`{"value": ..., "error": ErrorInfo | null}`); the models here are what goes
in `value` and what each activity takes. Names and fields follow `docs/architecture.md`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field, model_validator

from azbackup.errors import ErrorInfo
from azbackup.models_common import Wire
from azbackup.models_job import OperationStatusValues
from restore.values import BackupItem, JobInfo, RecoveryPointInfo

# Every durable timer stays well under the Azure Storage provider's 6-day maximum (Azure/azure-functions-durable-
# extension `AzureStorageDurabilityProvider.cs`, `MaximumDelayTime`): past it the SDK splits a timer into a
# `LongTimerTask`, whose cancel is broken (azure-functions-durable-python#573), and with schema < V3 the extension
# refuses it (`ThrowIfInvalidTimerLengthForStorageProvider`).
MAX_TIMER_SECONDS = 24 * 3600


class JobPollMode(StrEnum):
    """How `wait_for_restore_job` spaces its job polls (`JOB_POLL_MODE`)."""

    ADAPTIVE = "adaptive"  # from the job's own estimate of the remaining time (orchestrators/job_polling.py)
    FIXED = "fixed"  # every `JOB_POLL_INTERVAL_SECONDS`


class RestoreSettings(Wire):
    """The app settings the orchestrations need, read once by `get_restore_settings` (replay-safe)."""

    retry_after_default: int = Field(default=30, ge=1, le=MAX_TIMER_SECONDS)
    retry_after_max: int = Field(default=600, ge=1, le=MAX_TIMER_SECONDS)
    job_poll_interval: int = Field(default=60, ge=1, le=MAX_TIMER_SECONDS)
    job_poll_mode: JobPollMode = JobPollMode.ADAPTIVE
    job_poll_max_interval: int = Field(default=900, ge=1, le=MAX_TIMER_SECONDS)
    plan_arm_reads_per_minute: int = Field(default=600, ge=1, le=100_000)  # orchestrators/plan_throttle.py
    restore_timeout_hours: float = 48.0
    validate_before_restore: bool = True
    # RESTORE_ALLOWED_SCOPES, checked again once the item is resolved (restore/scopes.py); empty allows nothing.
    allowed_scopes: list[str] = Field(default_factory=list)
    # EVENT_GRID_TOPIC_ENDPOINT is set: `publish_event` announces what waits for a person (orchestrators/notify.py).
    events_enabled: bool = False
    # RESTORE_ON_DELETE_TAGS (restore/tags.py): tags a deleted VM's resource group must carry; empty: no filter.
    delete_tags: dict[str, str | None] = Field(default_factory=dict)


class ApprovalView(Wire):
    """The request's `approval` as the orchestration reads it."""

    model_config = ConfigDict(extra="ignore")

    required: bool = True
    timeout: timedelta = timedelta(hours=2)
    approvers: list[str] | None = None


class RequestView(Wire):
    """The fields of a `RestoreRequest` that steer the orchestration (the activities validate the full model)."""

    model_config = ConfigDict(extra="ignore")

    vm_id: str | None = None
    protected_item_id: str | None = None
    vault_id: str | None = None
    recovery_point_id: str | None = None
    recovery_point_policy: str | None = None
    before: datetime | None = None
    max_age: str | None = None
    cross_region: bool = False
    mode: str | None = "restoreDisks"
    target_resource_group_id: str | None = None
    target_vm_name: str | None = None
    rehydration: dict[str, Any] | None = None
    callback_url: str | None = None
    approval: ApprovalView | None = None


class ResolveItemInput(Wire):
    vm_id: str | None = None
    protected_item_id: str | None = None
    vault_id: str | None = None
    cross_region: bool = False
    vm_deleted: bool = False  # the VM is gone (restore on delete): find its item in the vaults' protected items


class SelectPointInput(Wire):
    item: BackupItem
    recovery_point_id: str | None = None
    policy: str = "latest"
    before: datetime | None = None
    max_age: str | None = None
    now: datetime
    cross_region: bool = False
    allow_archive: bool = False


class ValidateInput(Wire):
    item: BackupItem
    recovery_point: RecoveryPointInfo
    request: dict[str, Any]


class ValidationIssue(Wire):
    code: str
    message: str = ""
    recommendations: list[str] = Field(default_factory=list)


class ValidationValue(Wire):
    results: list[ValidationIssue] = Field(default_factory=list)


class TriggerInput(Wire):
    instance_id: str
    started_at: datetime  # when the orchestration recorded this trigger attempt, before the first POST
    item: BackupItem
    recovery_point: RecoveryPointInfo
    request: dict[str, Any]


class TriggerValue(Wire):
    status_url: str | None = None
    result_url: str | None = None
    retry_after: int | None = None
    job_id: str | None = None
    reused: bool = False


class OperationInput(Wire):
    url: str
    cross_region: bool = False


class OperationValue(Wire):
    status: OperationStatusValues
    job_id: str | None = None
    retry_after: int | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status.is_terminal


class FindJobInput(Wire):
    item: BackupItem
    recovery_point: RecoveryPointInfo
    started_at: datetime  # the trigger attempt's time (TriggerInput.started_at)
    request: dict[str, Any]  # the RestoreRequest: only a job with its mode, targets and staging account is ours


class FindJobValue(Wire):
    job_id: str | None = None


class JobInput(Wire):
    item: BackupItem
    job_id: str
    cross_region: bool = False


class CancelValue(Wire):
    accepted: bool


class NotifyInput(Wire):
    url: str
    body: dict[str, Any]


class NotifyValue(Wire):
    status: int


class GroupTagsInput(Wire):
    vm_id: str


class GroupTagsValue(Wire):
    tags: dict[str, str] = Field(default_factory=dict)


class EventKind(StrEnum):
    """What an event the app publishes says; each kind's CloudEvents `type` is an app setting."""

    APPROVAL_PENDING = "approvalPending"  # EVENT_GRID_APPROVAL_EVENT_TYPE: subject `restores/{id}` or `plans/{id}`
    DRILL_FAILED = "drillFailed"  # DRILL_FAILED_EVENT_TYPE: subject `drills/{drill}/runs/{id}`


class PublishEventInput(Wire):
    """One event for `publish_event`: its ID and time come from the orchestration (the same on every retry, so a
    consumer can drop a duplicate by `id`); the activity adds the type, the source and the subject (from the
    restore, plan or drill run `instance_id`, and the drill's name for a drill's event)."""

    id: str = Field(min_length=1, max_length=128)
    kind: EventKind
    instance_id: str = Field(min_length=1, max_length=256)
    drill: str | None = Field(default=None, min_length=1, max_length=48, pattern=r"^[a-z0-9-]+$")
    time: datetime
    data: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _drill_named(self) -> PublishEventInput:
        if (self.kind is EventKind.DRILL_FAILED) != (self.drill is not None):
            raise ValueError("drill: required for a drillFailed event, and only for it")
        return self


class PublishEventValue(Wire):
    published: bool
    status: int | None = None


class JobObservation(Wire):
    """One read of a running job, as the poller remembers it (orchestrators/job_polling.py)."""

    at: datetime
    remaining: float | None = None
    progress: float | None = None


class WaitJobInput(Wire):
    """Input of the `wait_for_restore_job` sub-orchestration (carried across `continue_as_new`)."""

    item: BackupItem
    job_id: str
    cross_region: bool = False
    settings: RestoreSettings = Field(default_factory=RestoreSettings)
    deadline: datetime
    polls: int = 0
    last: JobInfo | None = None
    missing_since: datetime | None = None  # when a CRR job not yet seen first answered 404
    seen: list[JobObservation] = Field(default_factory=list)
    cancel_requested: bool = False
    # A plan's restore: the plan's vault poll (`poll_vault_jobs`) raises `jobEnded` when the jobs list shows the job
    # ended; this wait reads the job itself only then, or when no word came within `SHARED_WAIT_FALLBACK_SECONDS`.
    shared: bool = False


class WaitJobResult(Wire):
    """What `wait_for_restore_job` returns: the final job, or why it stopped waiting (same envelope as activities)."""

    value: JobInfo | None = None
    error: ErrorInfo | None = None


class PlanVmsInput(Wire):
    """`list_plan_vms`: every protected VM of a vault (the secondary region's list with `crossRegion`), or every VM
    of some resource groups carrying every tag of `tags`."""

    vault_id: str | None = None
    resource_group_ids: list[str] = Field(default_factory=list)
    tags: dict[str, str] | None = None
    cross_region: bool = False


class VaultVm(Wire):
    """A VM a selector found: its protected item (vault selector) or only its VM ID (resource group selector)."""

    vm_id: str | None = None
    protected_item_id: str | None = None


class PlanVmsValue(Wire):
    """The VMs a selector found, in ID order, and those whose VM or item is outside RESTORE_ALLOWED_SCOPES."""

    vms: list[VaultVm] = Field(default_factory=list)
    outside_scopes: list[str] = Field(default_factory=list)


class VaultPollInput(Wire):
    """`poll_vault_jobs`: one read of a vault's restore jobs for the plan's restores `restore_ids` in that vault.

    The jobs list is asked for restore jobs started between `since` and `until` (`startTime`/`endTime` bound a job's
    start, BackupJobs_List); `region` is the secondary region for cross-region restores (`backupCrrJobs`).
    """

    vault_id: str
    cross_region: bool = False
    region: str | None = None
    restore_ids: list[str]
    since: datetime
    until: datetime


class JobEnded(Wire):
    """Payload of `jobEnded`: the job, as the jobs list shows it (no extended info there)."""

    job_id: str
    status: str


class VaultPollValue(Wire):
    """What one vault poll saw: restores waiting for a job, restore jobs listed, restores told their job ended."""

    waiting: int = 0
    listed: int = 0
    ended: list[str] = Field(default_factory=list)
