"""The state of one `restore_plan` run: the VMs, their states, the custom status, the cancel event, the outcome."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import azure.durable_functions as df

from azbackup.errors import ErrorInfo
from orchestrators import waits
from orchestrators.plan_throttle import ReadBudget, carried
from restore.contract import ApprovalRecord, OutcomeStatus, RestoreOutcome, parse_failure_output
from restore.instance_ids import PLAN_CHECK_SUFFIX, plan_restore_id
from restore.payloads import RestoreSettings
from restore.plan import PlanRequest
from restore.plan_entries import PlanEntry
from restore.plan_status import (
    MAX_RUNNING_SHOWN,
    GroupCounts,
    PlanApprovalStatus,
    PlanCarry,
    PlanCustomStatus,
    PlanOrder,
    PlanOutcome,
    PlanPhase,
    PlanProblem,
    PlanStatus,
    PlanSummary,
    PlanVmResult,
    RunningRestore,
    VmState,
)

SLOWEST_SHOWN = 5
_STATE_OF = {OutcomeStatus.SUCCEEDED: VmState.SUCCEEDED, OutcomeStatus.FAILED: VmState.FAILED,
             OutcomeStatus.CANCELLED: VmState.CANCELLED}


class PlanRun:
    """Everything `restore_plan` knows so far; deterministic (built from the context and activity results only)."""

    def __init__(self, ctx: df.DurableOrchestrationContext, order: PlanOrder) -> None:
        self.ctx = ctx
        self.order = order
        self.plan = PlanRequest.model_validate(order.plan)
        self.groups = self.plan.all_groups()
        self.started_at: datetime = ctx.current_utc_datetime
        self.settings = RestoreSettings()
        self.cancel = waits.CancelWatch(ctx)
        self.phase = PlanPhase.RESOLVING
        self.group: str | None = None
        self.entries: list[PlanEntry] = []
        self.requests: dict[int, dict[str, Any]] = {}
        self.vms: dict[int, PlanVmResult] = {}
        self.problems: list[PlanProblem] = []
        self.error: ErrorInfo | None = None
        self.regions: dict[int, str] = {}
        self.vaults: dict[int, str] = {}  # the vault of every VM (the plan polls each vault's jobs once per interval)
        self.vault_polls = 0  # `poll_vault_jobs` calls made by this execution
        self.reads = ReadBudget()  # the ARM read budget per subscription (orchestrators/plan_throttle.py)
        self.next_group = 0
        self.started_here = 0  # restores started by this execution (it continues as new past a budget)
        self.stop_starting = False
        self.cancel_carried = False
        self.executions = 1
        self.approval: ApprovalRecord | None = None  # how the plan's approval ended
        self.approval_status: PlanApprovalStatus | None = None  # shown while awaiting approval, and after
        if order.carry is not None:
            self._resume(order.carry)

    def _resume(self, carry: PlanCarry) -> None:
        self.add_entries([PlanEntry.model_validate(e) for e in carry.entries])
        self.vms.update({vm.index: vm for vm in carry.vms})
        self.regions = dict(carry.regions)
        self.vaults = dict(carry.vaults)
        self.next_group, self.started_at = carry.group, carry.started_at
        self.cancel_carried, self.stop_starting = carry.cancel_requested, carry.stop_starting
        self.settings = RestoreSettings.model_validate(carry.settings)
        self.reads = carried(carry.reads, self.settings.plan_arm_reads_per_minute)
        self.executions = carry.executions + 1
        self.approval = carry.approval

    @property
    def cancelled(self) -> bool:
        """Whether a cancel has arrived (in this execution or an earlier one)."""
        return self.cancel_carried or self.cancel.arrived

    def carry(self, group: int) -> PlanCarry:
        return PlanCarry(entries=[e.model_dump(mode="json") for e in self.entries], regions=self.regions,
                         vaults=self.vaults, reads=self.reads.dump(), vms=[self.vms[e.index] for e in self.entries],
                         group=group, started_at=self.started_at,
                         cancel_requested=self.cancelled, stop_starting=self.stop_starting,
                         settings=self.settings.dump(), executions=self.executions, approval=self.approval)

    @property
    def now(self) -> datetime:
        return self.ctx.current_utc_datetime  # type: ignore[no-any-return]

    @property
    def checking(self) -> bool:
        """Whether the restores started now are the pre-flight of a plan that waits for approval (dry runs)."""
        return self.plan.needs_approval and self.approval is None

    def restore_id(self, entry: PlanEntry) -> str:
        restore_id = plan_restore_id(self.ctx.instance_id, entry.index)
        return restore_id + PLAN_CHECK_SUFFIX if self.checking else restore_id

    def add_entries(self, entries: list[PlanEntry]) -> None:
        self.entries = entries
        self.vms = {e.index: PlanVmResult(index=e.index, group=self.groups[e.group].name, vm_id=e.source_id)
                    for e in entries}

    def mark(self, entry: PlanEntry, state: VmState, **changes: Any) -> None:
        self.vms[entry.index] = self.vms[entry.index].model_copy(update={"state": state, **changes})

    def started(self, entry: PlanEntry) -> None:
        self.mark(entry, VmState.RUNNING, restore_id=self.restore_id(entry), started_at=self.now,
                  request=self.requests.get(entry.index))

    def finished(self, entry: PlanEntry, task: Any) -> VmState:
        """Record a finished `restore_vm` sub-orchestration (its output, or the outcome in its failure message)."""
        raw = task.result if not isinstance(task.result, Exception) else parse_failure_output(str(task.result))
        try:
            outcome = RestoreOutcome.model_validate(raw)
        except ValueError:
            self.mark(entry, VmState.FAILED, ended_at=self.now, error=ErrorInfo(
                code="RestoreFailed", message=str(task.result)[:500]))
            return VmState.FAILED
        state = _STATE_OF[outcome.status]
        if outcome.dry_run and state is VmState.SUCCEEDED:
            state = VmState.VALIDATED
        started = self.vms[entry.index].started_at or outcome.started_at
        self.mark(entry, state, recovery_point=outcome.recovery_point, job_id=outcome.job_id,
                  result=outcome.result, error=outcome.error, validation=outcome.validation,
                  started_at=outcome.started_at, ended_at=outcome.ended_at,
                  duration_seconds=(outcome.ended_at - started).total_seconds())
        return state

    def counts(self, entries: list[PlanEntry] | None = None) -> dict[VmState, int]:
        found: dict[VmState, int] = {}
        for entry in entries if entries is not None else self.entries:
            state = self.vms[entry.index].state
            found[state] = found.get(state, 0) + 1
        return found

    def group_counts(self) -> list[GroupCounts]:
        """Per group: total and counts per state, in one pass over the VMs (this runs on every replayed step)."""
        totals = [0] * len(self.groups)
        counts: list[dict[VmState, int]] = [{} for _ in self.groups]
        for entry in self.entries:
            state = self.vms[entry.index].state
            totals[entry.group] += 1
            counts[entry.group][state] = counts[entry.group].get(state, 0) + 1
        return [GroupCounts(name=group.name, total=totals[g], counts=counts[g]) for g, group in enumerate(self.groups)]

    def publish(self, phase: PlanPhase | None = None) -> None:
        self.phase = phase or self.phase
        running = [RunningRestore(index=e.index, restore_id=self.restore_id(e), vm_id=e.source_id)
                   for e in self.entries if self.vms[e.index].state is VmState.RUNNING][:MAX_RUNNING_SHOWN]
        status = PlanCustomStatus(phase=self.phase, group=self.group, total=len(self.entries), counts=self.counts(),
                                  groups=self.group_counts(), running=running,
                                  cancel_requested=self.cancelled, approval=self.approval_status,
                                  started_at=self.started_at,
                                  updated_at=self.now, executions=self.executions)
        self.ctx.set_custom_status(status.dump())

    def outcome(self) -> PlanOutcome:
        vms = [self.vms[e.index] for e in self.entries]
        failed = [vm for vm in vms if vm.state is VmState.FAILED]
        if self.approval is not None and self.approval.decision != "approved":
            status = PlanStatus.CANCELLED  # rejected or expired: nothing was started
        elif self.error is not None or failed:
            status = PlanStatus.FAILED
        elif self.cancelled:
            status = PlanStatus.CANCELLED
        else:
            status = PlanStatus.SUCCEEDED
        timed = sorted((vm for vm in vms if vm.duration_seconds is not None),
                       key=lambda vm: vm.duration_seconds or 0.0, reverse=True)
        summary = PlanSummary(counts=self.counts(), slowest=timed[:SLOWEST_SHOWN], failures=failed,
                              total_seconds=(self.now - self.started_at).total_seconds())
        return PlanOutcome(status=status, dry_run=self.plan.dry_run, error=self.error, problems=self.problems,
                           groups=self.group_counts(), vms=vms, summary=summary,
                           cancel_requested=self.cancelled, approval=self.approval, started_at=self.started_at,
                           ended_at=self.now)
