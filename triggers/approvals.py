"""`POST /api/restores/{id}/approve` and `/reject` (and `/api/plans/{id}/...`): the human decision a restore or a
plan in `awaitingApproval` waits for.

The decision reaches the orchestration as a Durable external event (`approve` / `reject`) whose data is only
`{by, reason, at}`: no header, key or token of the caller is passed on, so none lands in the history.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import azure.functions as func
from pydantic import ValidationError

from restore.contract import ApprovalDecision, Phase
from restore.plan_status import PlanCustomStatus, PlanPhase
from triggers.problems import FieldProblem, field_problems, problem_response
from triggers.views import RUNNING_RUNTIME, RestoreView, _read, _runtime, read_custom_status, restore_view


class DecisionRefusedError(Exception):
    """The decision cannot be passed on; `response` says why (400, 403 or 409)."""

    def __init__(self, status: int, title: str, detail: str, problems: list[FieldProblem] | None = None) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.problems = status, title, detail, problems or []

    def response(self) -> func.HttpResponse:
        return problem_response(self.status, self.title, self.detail, self.problems)


def parse_decision(raw: bytes | None) -> ApprovalDecision:
    """`{by, reason?}` from the body, stamped with the time it was received.

    Raises: DecisionRefusedError (400) naming the bad field.
    """
    try:
        body = json.loads(raw or b"null")
    except (ValueError, RecursionError):
        body = None
    if not isinstance(body, dict):
        raise DecisionRefusedError(400, "Invalid request", "the body must be a JSON object {by, reason?}",
                                   [FieldProblem(field="(body)", reason="must be a JSON object")])
    if "at" in body:
        raise DecisionRefusedError(400, "Invalid request", "the request is invalid",
                                   [FieldProblem(field="at", reason="set by the API, not by the caller")])
    try:
        return ApprovalDecision.model_validate({**body, "at": datetime.now(UTC)})
    except ValidationError as exc:
        raise DecisionRefusedError(400, "Invalid request", "the request is invalid", field_problems(exc)) from exc


def check_awaiting(status: Any, decision: ApprovalDecision) -> RestoreView:
    """The restore's view, if it waits for approval and `decision.by` may decide.

    Raises: DecisionRefusedError: 409 when it has ended or is not waiting for approval, 403 for a non-approver.
    """
    view = restore_view(status)
    instance_id = view.id
    if view.status.is_terminal:
        raise DecisionRefusedError(409, "Restore already finished", f"restore {instance_id} is {view.status.value}")
    custom = read_custom_status(status)
    approval = custom.approval if custom is not None else None
    if custom is None or custom.phase is not Phase.AWAITING_APPROVAL or approval is None or approval.record:
        raise DecisionRefusedError(409, "Restore is not awaiting approval",
                                   f"restore {instance_id} is in phase {view.phase}")
    if approval.approvers and decision.by not in approval.approvers:
        raise DecisionRefusedError(403, "Not an approver", f"{decision.by!r} is not one of the restore's approvers",
                                   [FieldProblem(field="by", reason="not one of approval.approvers")])
    return view


def check_plan_awaiting(status: Any, decision: ApprovalDecision) -> None:
    """Pass when the plan waits for approval and `decision.by` may decide.

    Raises: DecisionRefusedError: 409 when it has ended or is not waiting for approval, 403 for a non-approver.
    """
    plan_id = str(status.instance_id)
    if _runtime(status) not in RUNNING_RUNTIME:
        raise DecisionRefusedError(409, "Plan already finished", f"plan {plan_id} has ended")
    custom = _read(PlanCustomStatus, getattr(status, "custom_status", None))
    approval = custom.approval if custom is not None else None
    if custom is None or custom.phase is not PlanPhase.AWAITING_APPROVAL or approval is None or approval.record:
        raise DecisionRefusedError(409, "Plan is not awaiting approval",
                                   f"plan {plan_id} is in phase {custom.phase.value if custom else 'pending'}")
    if approval.approvers and decision.by not in approval.approvers:
        raise DecisionRefusedError(403, "Not an approver", f"{decision.by!r} is not one of the plan's approvers",
                                   [FieldProblem(field="by", reason="not one of approval.approvers")])
