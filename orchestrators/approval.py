"""The approval gate of `restore_vm`: before anything is triggered, wait for `approve` or `reject`, or time out.

Each round races fresh waits for `approve`, `reject` and `cancel` and a fresh timer: the extension awaits an
episode's actions one after another and the SDK leaves an already-scheduled task out of a later `task_any`
(Azure/azure-functions-durable-extension `Listener/OutOfProcOrchestrationShim.cs`, `ProcessAsyncActionsV2`;
azure-functions-durable-python `azure/durable_functions/models/Task.py`, `CompoundTask.__init__`), so a wait or a
timer reused in a later round would not be awaited there. An event goes to the newest wait for its name
(`ContextImplementations/DurableOrchestrationContext.cs`, `RaiseEvent`; SDK `task_list.pop()`), so a decision the
gate refuses (not one of `approvers`, or malformed) is dropped and the next round waits afresh. A round's
unfinished timer is cancelled (the extension still fires it later; the SDK ignores the late `TimerFired`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from azbackup.errors import ErrorInfo
from orchestrators import waits
from orchestrators.notify import announce_approval
from orchestrators.run import RestoreRun
from orchestrators.waits import Stop
from restore.contract import (
    APPROVE_EVENT,
    REJECT_EVENT,
    ApprovalDecision,
    ApprovalRecord,
    ApprovalStatus,
    Phase,
    PointSummary,
    RestorePlan,
)
from restore.values import BackupItem, RecoveryPointInfo

log = logging.getLogger(__name__)

# Request fields that say where the restore writes (shown in the plan a person approves).
PLAN_TARGET_FIELDS = ("storageAccountId", "targetResourceGroupId", "targetVmName", "targetVnetId", "targetSubnetId",
                      "targetSubscriptionId", "diskEncryptionSetId", "restoreIdentityId")


def plan_of(run: RestoreRun, item: BackupItem, point: RecoveryPointInfo, validated: bool) -> RestorePlan:
    """What the restore will do once approved."""
    request = run.order.request
    targets = {name: str(request[name]) for name in PLAN_TARGET_FIELDS if isinstance(request.get(name), str)}
    if request.get("diskLuns"):
        targets["diskLuns"] = ",".join(str(lun) for lun in request["diskLuns"])
    return RestorePlan(source_id=item.vm_id or item.protected_item_id, item_id=item.protected_item_id,
                       recovery_point=PointSummary.of(point), mode=run.request.mode or "restoreDisks",
                       cross_region=run.request.cross_region, targets=targets,
                       validation="passed" if validated else "skipped")


def decision_of(raw: Any) -> ApprovalDecision | None:
    # The Python client sends event data as JSON text and the extension keeps it so: it may arrive as a string
    # (azure-functions-durable-python issue #295).
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return None
    try:
        return ApprovalDecision.model_validate(raw)
    except ValidationError:
        return None


def await_approval(run: RestoreRun, item: BackupItem, point: RecoveryPointInfo, validated: bool) -> waits.Steps:
    """Wait for the approval the request asks for; returns when approved.

    Raises:
        Stop: cancelled when rejected (`RestoreRejected`), expired (`ApprovalTimedOut`) or cancelled.
    """
    approval = run.request.approval
    if approval is None or not approval.required:
        return
    state = ApprovalStatus(plan=plan_of(run, item, point, validated), requested_at=run.now,
                           expires_at=run.now + approval.timeout, approvers=approval.approvers)
    run.publish(Phase.AWAITING_APPROVAL, approval=state)
    yield from announce_approval(run, state)
    outcome = yield from await_decision(run.ctx, run.cancel, state.expires_at, approval.approvers,
                                        "restore.approval.refused")
    if outcome == EXPIRED:
        _end(run, state, ApprovalRecord(decision="expired", at=run.now))
        within = iso_duration(approval.timeout.total_seconds())
        raise Stop(Phase.AWAITING_APPROVAL, cancelled=True, error=ErrorInfo(
            code="ApprovalTimedOut", message=f"no approval within {within}"))
    if outcome == CANCELLED:
        raise Stop(Phase.AWAITING_APPROVAL, cancelled=True)
    approved, decision = outcome
    record = ApprovalRecord(decision="approved" if approved else "rejected", by=decision.by,
                            reason=decision.reason, at=decision.at or run.now)
    _end(run, state, record)
    if approved:
        return
    because = f": {decision.reason}" if decision.reason else ""
    raise Stop(Phase.AWAITING_APPROVAL, cancelled=True,
               error=ErrorInfo(code="RestoreRejected", message=f"rejected by {decision.by}{because}"))


EXPIRED, CANCELLED = "expired", "cancelled"


def await_decision(ctx: Any, cancel: waits.CancelWatch, expires_at: Any, approvers: list[str] | None, refused: str,
                   stopped: Callable[[], bool] = lambda: False) -> waits.Steps:
    """Race `approve`, `reject`, the cancel and the expiry, with fresh waits each round (DURABLE-NOTES), until an
    approver decides: `(approved, decision)`, or EXPIRED, or CANCELLED (also once `stopped()` says a cancel came).
    A malformed decision or one from a non-approver is logged as `refused` and waited past."""
    while not stopped():
        approve = ctx.wait_for_external_event(APPROVE_EVENT, expected_type=object)
        reject = ctx.wait_for_external_event(REJECT_EVENT, expected_type=object)
        cancelled = cancel.fresh_wait()
        timer = ctx.create_timer(expires_at)
        winner = yield ctx.task_any([approve, reject, cancelled, timer])
        if winner is not timer:
            timer.cancel()
        if winner is timer:
            return EXPIRED
        if winner is cancelled:
            return CANCELLED
        decision = decision_of(winner.result)
        if decision is None or (approvers and decision.by not in approvers):
            if not ctx.is_replaying:
                log.warning(refused, extra={"instance_id": ctx.instance_id,
                                            "reason": "malformed" if decision is None else "not an approver"})
            continue
        return winner is approve, decision
    return CANCELLED


def _end(run: RestoreRun, state: ApprovalStatus, record: ApprovalRecord) -> None:
    run.approval = record
    run.publish(approval=state.model_copy(update={"record": record}))
    if not run.ctx.is_replaying:
        log.info("restore.approval.ended", extra={"instance_id": run.ctx.instance_id, "decision": record.decision})


def iso_duration(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + (f"{secs}S" if secs else "")
