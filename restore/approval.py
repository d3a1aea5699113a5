"""When a restore or a plan must wait for a human approval: its own `approval`, or the `APPROVAL_REQUIRED` policy.

A plan's restores never wait for an approval of their own (the plan's covers them): the policy is applied where a
restore or a plan is started from outside (`triggers/starter.py`, `triggers/plans.py`, `triggers/plan_intake.py`),
never to the `restore_vm` children a plan starts.
"""

from __future__ import annotations

from restore.instance_ids import Source
from restore.plan import PlanRequest
from restore.request import Approval, RestoreMode, RestoreRequest
from restore.settings import Settings

# Restores the policy treats as unattended or destructive: started by an alert (incident webhook) or a delete event.
UNATTENDED_SOURCES = frozenset({Source.INCIDENT, Source.DELETE})


def needs_approval_by_policy(request: RestoreRequest, source: Source, settings: Settings) -> bool:
    """`APPROVAL_REQUIRED`: replaceDisks (overwrites the VM's disks) and every alert- or delete-started restore."""
    return settings.approval_required and (request.mode is RestoreMode.REPLACE_DISKS or source in UNATTENDED_SOURCES)


def with_policy(request: RestoreRequest, source: Source, settings: Settings) -> RestoreRequest:
    """The request, with `approval.required` set when the policy asks for it (its timeout and approvers kept)."""
    if request.approval is not None and request.approval.required:
        return request
    if not needs_approval_by_policy(request, source, settings):
        return request
    current = request.approval
    approval = Approval(required=True, timeout=current.timeout if current else settings.approval_timeout,
                        approvers=current.approvers if current else None)
    return request.model_copy(update={"approval": approval})


def plan_needs_approval_by_policy(plan: PlanRequest, source: Source, settings: Settings) -> bool:
    """`APPROVAL_REQUIRED` for a plan: one of its restores is replaceDisks, or an alert or a delete started it."""
    if not settings.approval_required or plan.dry_run:  # a dry run triggers nothing
        return False
    return RestoreMode.REPLACE_DISKS.value in plan.modes() or source in UNATTENDED_SOURCES


def plan_with_policy(plan: PlanRequest, source: Source, settings: Settings) -> PlanRequest:
    """The plan, with `approval.required` set when the policy asks for it (its timeout and approvers kept)."""
    if plan.needs_approval or not plan_needs_approval_by_policy(plan, source, settings):
        return plan
    current = plan.approval
    approval = Approval(required=True, timeout=current.timeout if current else settings.approval_timeout,
                        approvers=current.approvers if current else None)
    return plan.model_validate({**plan.to_wire(), "approval": approval.model_dump(mode="json", by_alias=True)})
