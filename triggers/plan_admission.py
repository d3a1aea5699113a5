"""Admission of a plan body, shared by `POST /api/plans` and the plans incidents and events start: validate (400
naming every field by its path), then authorize every resource ID against RESTORE_ALLOWED_SCOPES (403)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from restore.plan import PlanRequest, scope_ids, validate_plan
from restore.scopes import is_allowed
from triggers.intake import RejectedError
from triggers.problems import FieldProblem, field_problems


def admit_plan(body: Any, allow_insecure: bool, scopes: tuple[str, ...]) -> PlanRequest:
    """The validated, authorized plan. Raises: RejectedError (400 naming every bad field, 403); nothing started."""
    if not isinstance(body, dict):
        raise RejectedError(400, [FieldProblem(field="(body)", reason="must be a JSON object")], "the plan is invalid")
    try:
        plan = validate_plan(body, context={"allow_insecure_callback": allow_insecure})
    except ValidationError as exc:
        raise RejectedError(400, field_problems(exc), "the plan is invalid") from exc
    outside = [FieldProblem(field=path, reason="outside RESTORE_ALLOWED_SCOPES")
               for path, resource_id in scope_ids(plan).items() if not is_allowed(resource_id, scopes)]
    if outside:
        raise RejectedError(403, outside, "resource IDs outside the allowed scopes")
    return plan
