"""The approval gate of `restore_plan`: once every VM is resolved and checked, wait for `approve` or `reject`.

The plan's pre-flight is its dry run (each VM's `restore_vm` with `dryRun`, as `{plan}:{n}:check`: point chosen and
validated, nothing triggered); then the plan shows what it will do (`PlanApprovalStatus`, compact at any size),
publishes an `approvalPending` event, and waits. Each round races fresh waits for `approve`, `reject` and `cancel`
and a fresh timer, for the reasons `orchestrators/approval.py` gives (the extension awaits an episode's actions one
after another, and the SDK leaves an already-scheduled task out of a later `task_any`). A decision the gate refuses
(not one of `approvers`, or malformed) is dropped and the next round waits afresh. Approved, the restores run from
the points shown (each request pins its point); rejected or expired, the plan ends `cancelled`, nothing started.
"""

from __future__ import annotations

import logging
from typing import Any

from azbackup.errors import ErrorInfo
from orchestrators import waits
from orchestrators.approval import CANCELLED, EXPIRED, await_decision, iso_duration
from orchestrators.notify import announce_plan_approval
from orchestrators.plan_run import PlanRun
from orchestrators.waits import Stop
from restore.contract import ApprovalRecord, PointSummary
from restore.plan_status import MAX_APPROVAL_VMS_SHOWN, ApprovalVm, PlanApprovalStatus, PlanPhase, VmState
from restore.request import Approval

log = logging.getLogger(__name__)
# Request fields that choose a point: an approved plan's restore uses the point it showed instead.
_POINT_CHOICE = ("recoveryPointPolicy", "before", "maxAge")


def approval_state(run: PlanRun, approval: Approval) -> PlanApprovalStatus:
    """What the plan will do once approved: counts for every VM, and the first VMs with their points."""
    vms: list[ApprovalVm] = []
    modes: dict[str, int] = {}
    validated = 0
    for entry in run.entries:
        vm, request = run.vms[entry.index], run.requests.get(entry.index)
        if request is None:  # not restored (an unprotected VM a selector found)
            continue
        mode = str(request.get("mode", "restoreDisks"))
        modes[mode] = modes.get(mode, 0) + 1
        point = vm.recovery_point
        checked = point is not None and not point.cross_region
        validated += checked
        if len(vms) < MAX_APPROVAL_VMS_SHOWN:
            vms.append(ApprovalVm(index=entry.index, vm_id=vm.vm_id, mode=mode,
                                  recovery_point=PointSummary.of(point) if point else None,
                                  validation="passed" if checked else "skipped"))
    return PlanApprovalStatus(requested_at=run.now, expires_at=run.now + approval.timeout,
                              approvers=approval.approvers, total=sum(modes.values()), modes=modes,
                              validated=validated, vms=vms)


def await_plan_approval(run: PlanRun) -> waits.Steps:
    """Wait for the plan's approval; returns when approved (the restores then run from the points shown).

    Raises:
        Stop: rejected (`PlanRejected`) or expired (`ApprovalTimedOut`); the plan then ends cancelled. A cancel
        returns with `run.cancelled` set.
    """
    approval = run.plan.approval
    if approval is None:
        return
    ctx = run.ctx
    state = run.approval_status = approval_state(run, approval)
    run.publish(PlanPhase.AWAITING_APPROVAL)
    yield from announce_plan_approval(run, state)
    # no new wait once a cancel has arrived (`waits.CancelWatch`)
    outcome = yield from await_decision(ctx, run.cancel, state.expires_at, approval.approvers,
                                        "plan.approval.refused", stopped=lambda: run.cancelled)
    if outcome == EXPIRED:
        _end(run, ApprovalRecord(decision="expired", at=run.now))
        raise Stop(error=ErrorInfo(code="ApprovalTimedOut", message=f"no approval within "
                                   f"{iso_duration(approval.timeout.total_seconds())}: nothing was started"))
    if outcome == CANCELLED:
        return
    approved, decision = outcome
    _end(run, ApprovalRecord(decision="approved" if approved else "rejected", by=decision.by,
                             reason=decision.reason, at=decision.at or run.now))
    if approved:
        return
    because = f": {decision.reason}" if decision.reason else ""
    raise Stop(error=ErrorInfo(code="PlanRejected",
                               message=f"rejected by {decision.by}{because}: nothing was started"))


def approved(run: PlanRun) -> None:
    """After the approval: every checked VM is pending again, and its request pins the point the plan showed."""
    for entry in run.entries:
        vm = run.vms[entry.index]
        if vm.state is VmState.VALIDATED:
            run.mark(entry, VmState.PENDING, restore_id=None, started_at=None, ended_at=None,
                     duration_seconds=None, request=None)
    pin_points(run)


def pin_points(run: PlanRun) -> None:
    """Each request of an approved plan names the recovery point its check chose (what was approved runs)."""
    if run.approval is None or run.approval.decision != "approved":
        return
    for index, request in list(run.requests.items()):
        point = run.vms[index].recovery_point
        if point is not None:
            pinned: dict[str, Any] = {k: v for k, v in request.items() if k not in _POINT_CHOICE}
            run.requests[index] = {**pinned, "recoveryPointId": point.name}


def _end(run: PlanRun, record: ApprovalRecord) -> None:
    run.approval = record
    if run.approval_status is not None:
        run.approval_status = run.approval_status.model_copy(update={"record": record})
    run.publish()
    if not run.ctx.is_replaying:
        log.info("plan.approval.ended", extra={"instance_id": run.ctx.instance_id, "decision": record.decision})

