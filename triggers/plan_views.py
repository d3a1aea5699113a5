"""The public plan body, mapped from the `restore_plan` instance and its `restore_vm` sub-orchestrations.

Status codes as for restores (docs/api.md): running 202, succeeded 200, failed 422, cancelled 409.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import Field

from azbackup.models_common import Wire
from restore.instance_ids import JOB_INSTANCE_SUFFIX, parse_plan_check_id, parse_plan_restore_id
from restore.plan_status import GroupCounts, PlanCustomStatus, PlanOrder, PlanOutcome, PlanPhase, PlanSummary, VmState
from triggers.views import RUNNING_RUNTIME, RestoreStatus, _json, _read, _runtime, restore_view

HTTP_STATUS = {"running": 202, "succeeded": 200, "failed": 422, "cancelled": 409}


class PlanVmView(Wire):
    """One VM of a plan: its restore, where it is, and how it ended."""

    index: int
    group: str | None = None
    vm_id: str | None = None
    restore_id: str | None = None
    state: str
    phase: str | None = None
    progress: float | None = None
    eta: datetime | None = Field(default=None, description="job end estimated from its progress so far")
    job_id: str | None = None
    recovery_point: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    validation: list[dict[str, Any]] = Field(default_factory=list)
    duration_seconds: float | None = None


class PlanView(Wire):
    """A plan as the API shows it."""

    id: str
    status: str = Field(description="running | succeeded | failed | cancelled")
    phase: str
    dry_run: bool = False
    group: str | None = None
    total: int = 0
    counts: dict[str, int] = Field(default_factory=dict)
    groups: list[GroupCounts] = Field(default_factory=list)
    vms: list[PlanVmView] = Field(default_factory=list)
    eta: datetime | None = None
    summary: PlanSummary | None = None
    error: dict[str, Any] | None = None
    problems: list[dict[str, Any]] = Field(default_factory=list)
    cancel_requested: bool = False
    approval: dict[str, Any] | None = Field(
        default=None, description="while awaitingApproval: what the plan will do; at the end: how it was decided")
    created_at: datetime | None = None
    updated_at: datetime | None = None
    status_url: str | None = None
    cancel_url: str | None = None


def read_plan_order(status: Any) -> PlanOrder | None:
    return _read(PlanOrder, getattr(status, "input_", None))


def _eta(view: Any, started: datetime | None, now: datetime) -> datetime | None:
    progress = view.progress
    if started is None or not progress or progress >= 100 or view.status is not RestoreStatus.RUNNING:
        return None
    elapsed = (now - started).total_seconds()
    return now + timedelta(seconds=elapsed * (100 - progress) / progress)


def _child_views(children: list[Any], now: datetime, checks: bool = False) -> dict[int, PlanVmView]:
    """index → the live view of each `restore_vm` child (`{plan}:{n}`, its job progress from `{plan}:{n}:job`); with
    `checks`, of each check (`{plan}:{n}:check`) instead: a checked VM shows `validated` and its point."""
    jobs = {str(c.instance_id)[: -len(JOB_INSTANCE_SUFFIX)]: getattr(c, "custom_status", None)
            for c in children if str(c.instance_id).endswith(JOB_INSTANCE_SUFFIX)}
    views: dict[int, PlanVmView] = {}
    for child in children:
        parsed = (parse_plan_check_id if checks else parse_plan_restore_id)(str(child.instance_id))
        if parsed is None:
            continue
        view = restore_view(child, jobs.get(str(child.instance_id)) if _runtime(child) in RUNNING_RUNTIME else None)
        state = VmState.VALIDATED.value if checks and view.status.value == "succeeded" else view.status.value
        views[parsed[1]] = PlanVmView(
            index=parsed[1], restore_id=view.id, state=state, phase=view.phase, progress=view.progress,
            eta=_eta(view, view.created_at, now), job_id=view.job_id, recovery_point=view.recovery_point,
            error=view.error.dump() if view.error else None)
    return views


def _group_of_index(groups: list[GroupCounts]) -> list[str]:
    """The group name of each VM number: the plan numbers its VMs group after group (`orchestrators/plan.py`)."""
    return [group.name for group in groups for _ in range(group.total)]


def _running_view(instance_id: str, custom: PlanCustomStatus | None, children: list[Any],
                  now: datetime) -> PlanView:
    checking = custom is not None and custom.phase in (PlanPhase.CHECKING, PlanPhase.AWAITING_APPROVAL)
    live = _child_views(children, now, checks=checking)
    vms = sorted(live.values(), key=lambda v: v.index)
    if custom is not None:  # where each started VM belongs, and which VM it is while it runs
        names = _group_of_index(custom.groups)
        vm_ids = {r.index: r.vm_id for r in custom.running}
        vms = [v.model_copy(update={"group": names[v.index] if v.index < len(names) else None,
                                    "vm_id": vm_ids.get(v.index)}) for v in vms]
    etas = [v.eta for v in vms if v.eta is not None]
    if custom is None:
        return PlanView(id=instance_id, status="running", phase="pending", vms=vms)
    return PlanView(id=instance_id, status="running", phase=custom.phase.value, group=custom.group,
                    total=custom.total, counts={k.value: n for k, n in custom.counts.items()}, groups=custom.groups,
                    vms=vms, eta=max(etas) if etas else None, cancel_requested=custom.cancel_requested,
                    approval=custom.approval.dump() if custom.approval else None, updated_at=custom.updated_at)


def _final_view(instance_id: str, outcome: PlanOutcome) -> PlanView:
    vms = [PlanVmView(index=vm.index, group=vm.group, vm_id=vm.vm_id, restore_id=vm.restore_id,
                      state=vm.state.value, job_id=vm.job_id,
                      progress=100.0 if vm.state is VmState.SUCCEEDED else None,
                      recovery_point=vm.recovery_point.dump() if vm.recovery_point else None,
                      result=vm.result.dump() if vm.result else None, error=vm.error.dump() if vm.error else None,
                      validation=[v.dump() for v in vm.validation], duration_seconds=vm.duration_seconds)
           for vm in outcome.vms]
    return PlanView(id=instance_id, status=outcome.status.value, phase="done", dry_run=outcome.dry_run,
                    total=len(vms), counts={k.value: n for k, n in outcome.summary.counts.items()},
                    groups=outcome.groups, vms=vms, summary=outcome.summary,
                    error=outcome.error.dump() if outcome.error else None,
                    problems=[p.dump() for p in outcome.problems], cancel_requested=outcome.cancel_requested,
                    approval=outcome.approval.dump() if outcome.approval else None, updated_at=outcome.ended_at)


def plan_view(status: Any, children: list[Any], now: datetime) -> PlanView:
    """The public body of one `restore_plan` instance (`children`: its sub-orchestrations, for a running plan)."""
    runtime = _runtime(status)
    instance_id = str(status.instance_id)
    order = read_plan_order(status)
    if runtime == "Completed" and (outcome := _read(PlanOutcome, _json(getattr(status, "output", None)))):
        view = _final_view(instance_id, outcome)
    elif runtime in RUNNING_RUNTIME:
        view = _running_view(instance_id, _read(PlanCustomStatus, getattr(status, "custom_status", None)), children,
                             now)
    else:
        code = "PlanTerminated" if runtime in ("Terminated", "Canceled") else "PlanFailed"
        state = "cancelled" if code == "PlanTerminated" else "failed"
        message = str(_json(getattr(status, "output", None)) or "the plan orchestration ended")[:500]
        view = PlanView(id=instance_id, status=state, phase="done", error={"code": code, "message": message})
    if order is not None:
        view = view.model_copy(update={"dry_run": bool(order.plan.get("dryRun", False))})
    return view.model_copy(update={"created_at": getattr(status, "created_time", None),
                                   "updated_at": view.updated_at or getattr(status, "last_updated_time", None)})


def http_status(view: PlanView) -> int:
    return HTTP_STATUS.get(view.status, 200)
