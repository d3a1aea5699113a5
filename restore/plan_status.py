"""The orchestration contract of `restore_plan`: its input, custom status and outcome (names in `contract.py`).

The custom status stays small whatever the plan's size (Durable Functions keeps it under 16 KB): counts per status
and per group, and the restores running now. Each VM's live phase and progress are in its own `restore_vm`
sub-orchestration (`{plan}:{n}`); the outcome lists every VM.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from azbackup.errors import ErrorInfo
from azbackup.models_common import Wire
from restore.contract import ApprovalRecord, IsoTime, PointSummary, RestoreResult
from restore.payloads import ValidationIssue
from restore.values import RecoveryPointInfo

MAX_RUNNING_SHOWN = 50  # the custom status lists at most this many running restores (it must stay under 16 KB)
# The approval a plan waits for shows at most this many VMs with their points (at most about 460 characters each, so
# the approval takes under half of the 16 KB of UTF-16 whatever the plan's size); the counts cover every VM,
# `GET /api/plans/{id}` lists each one with its point meanwhile (from its check), and the outcome too.
MAX_APPROVAL_VMS_SHOWN = 6


class PlanPhase(StrEnum):
    RESOLVING = "resolving"  # listing selectors and resolving every VM (nothing started)
    RUNNING = "running"  # restoring, group after group
    DRY_RUN = "dryRun"  # choosing points and validating every VM (nothing triggered)
    CHECKING = "checking"  # a plan that waits for approval: choosing points and validating every VM (dry runs)
    AWAITING_APPROVAL = "awaitingApproval"  # every VM resolved and checked; nothing starts before `approve`
    CANCELLING = "cancelling"  # cancel arrived: no more starts, waiting for the running restores to end
    DONE = "done"


class VmState(StrEnum):
    """Where one VM of a plan is."""

    PENDING = "pending"  # not started yet
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"  # never started: the failure policy or a cancel stopped the plan first
    VALIDATED = "validated"  # dry run: would be restored as shown

    @property
    def is_terminal(self) -> bool:
        return self not in (VmState.PENDING, VmState.RUNNING)


class PlanStatus(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class PlanCarry(Wire):
    """What one `restore_plan` execution hands the next when it continues as new (bounded history)."""

    entries: list[dict[str, Any]]  # `restore.plan_entries.PlanEntry` dumps, in plan order
    regions: dict[int, str] = Field(default_factory=dict)  # restore region per VM number
    vaults: dict[int, str] = Field(default_factory=dict)  # vault ID per VM number
    reads: dict[str, Any] = Field(default_factory=dict)  # `orchestrators.plan_throttle.ReadBudget` dump
    vms: list[PlanVmResult] = Field(default_factory=list)
    group: int = 0  # the group to go on with
    started_at: datetime
    cancel_requested: bool = False
    stop_starting: bool = False  # `onFailure: stop` already stopped the plan
    settings: dict[str, Any] = Field(default_factory=dict)
    executions: int = 1
    approval: ApprovalRecord | None = None  # how the plan's approval ended (approved: the restores go on)


class PlanOrder(Wire):
    """Input of `restore_plan`: the validated plan (`PlanRequest.to_wire()`), where it came from, and (after a
    continue-as-new) what the earlier executions did."""

    plan: dict[str, Any]
    requested_at: IsoTime | None = None
    idempotency_key: str | None = None
    carry: PlanCarry | None = None


class GroupCounts(Wire):
    """One group: its name, how many VMs, and how many in each state (states with none left out)."""

    name: str
    total: int = 0
    counts: dict[VmState, int] = Field(default_factory=dict)


class RunningRestore(Wire):
    index: int
    restore_id: str
    vm_id: str


class ApprovalVm(Wire):
    """One VM of a plan that waits for approval: what it will restore, from which point."""

    index: int  # the VM's number (its group: `groups`, in order)
    vm_id: str
    mode: str
    recovery_point: PointSummary | None = None
    validation: str = "skipped"  # passed | skipped (a cross-region point is checked by Azure when triggered)


class PlanApprovalStatus(Wire):
    """The approval a plan waits for (custom status while `awaitingApproval`), and how it ended."""

    requested_at: IsoTime
    expires_at: IsoTime
    approvers: list[str] | None = None
    total: int = 0
    modes: dict[str, int] = Field(default_factory=dict)  # restores per mode
    validated: int = 0  # restores whose pre-flight validation passed
    vms: list[ApprovalVm] = Field(default_factory=list)  # the first MAX_APPROVAL_VMS_SHOWN, in plan order
    record: ApprovalRecord | None = None


class PlanCustomStatus(Wire):
    """The custom status of `restore_plan`."""

    phase: PlanPhase
    executions: int = 1
    group: str | None = None  # the group running now
    total: int = 0
    counts: dict[VmState, int] = Field(default_factory=dict)
    groups: list[GroupCounts] = Field(default_factory=list)
    running: list[RunningRestore] = Field(default_factory=list)
    cancel_requested: bool = False
    approval: PlanApprovalStatus | None = None
    started_at: IsoTime | None = None
    updated_at: IsoTime | None = None


class PlanVmResult(Wire):
    """One VM of the plan at its end: what was (or would be) restored from which point, or why not."""

    index: int
    group: str
    vm_id: str
    restore_id: str | None = None
    state: VmState = VmState.PENDING
    request: dict[str, Any] | None = None
    recovery_point: RecoveryPointInfo | None = None
    job_id: str | None = None
    result: RestoreResult | None = None
    error: ErrorInfo | None = None
    validation: list[ValidationIssue] = Field(default_factory=list)
    started_at: datetime | None = None
    ended_at: datetime | None = None
    duration_seconds: float | None = None


class PlanProblem(Wire):
    """A field of the plan that cannot be used for a VM the plan found at run time (nothing was started)."""

    field: str
    reason: str


class PlanSummary(Wire):
    """Totals at the end: per state, the slowest restores, the failures with their codes, total recovery time."""

    counts: dict[VmState, int] = Field(default_factory=dict)
    slowest: list[PlanVmResult] = Field(default_factory=list)
    failures: list[PlanVmResult] = Field(default_factory=list)
    total_seconds: float = 0.0


class PlanOutcome(Wire):
    """The output of `restore_plan` (it always completes; `status` says how the plan ended)."""

    status: PlanStatus
    dry_run: bool = False
    error: ErrorInfo | None = None
    problems: list[PlanProblem] = Field(default_factory=list)
    groups: list[GroupCounts] = Field(default_factory=list)
    vms: list[PlanVmResult] = Field(default_factory=list)
    summary: PlanSummary = Field(default_factory=PlanSummary)
    cancel_requested: bool = False
    approval: ApprovalRecord | None = None
    started_at: datetime
    ended_at: datetime
