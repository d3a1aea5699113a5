"""Admission shared by every front door: validate into `RestoreRequest` (400), then authorize scopes (403)."""

from __future__ import annotations

from typing import Any

import azure.functions as func
from pydantic import ValidationError

from restore.request import RestoreRequest
from restore.settings import Settings
from triggers.problems import FieldProblem, field_problems, invalid_request, problem_response
from triggers.scopes import scope_problems


class RejectedError(Exception):
    """The request is refused before anything starts: 400 (invalid) or 403 (outside the allowed scopes)."""

    def __init__(self, status: int, problems: list[FieldProblem], detail: str) -> None:
        self.status = status
        self.problems = problems
        self.detail = detail
        super().__init__(f"{detail}: " + "; ".join(f"{p.field}: {p.reason}" for p in problems))

    def response(self) -> func.HttpResponse:
        """The problem+json response for this refusal."""
        if self.status == 403:
            names = ", ".join(p.field for p in self.problems)
            return problem_response(403, "Restore not allowed", f"{self.detail}: {names}", self.problems)
        return invalid_request(self.problems, self.detail)


def validate_request(data: Any, settings: Settings, prefix: str = "") -> RestoreRequest:
    """The validated request.

    Raises: RejectedError (400) naming every bad field.
    """
    if not isinstance(data, dict):
        raise RejectedError(400, [FieldProblem(field=prefix or "(body)", reason="must be a JSON object")],
                            "the request is invalid")
    context = {"allow_insecure_callback": settings.callback_allow_insecure}
    try:
        return RestoreRequest.model_validate(data, context=context)
    except ValidationError as exc:
        raise RejectedError(400, field_problems(exc, prefix), "the request is invalid") from exc


def authorize(request: RestoreRequest, settings: Settings, prefix: str = "") -> None:
    """Raises: RejectedError (403) naming every source/target ID outside RESTORE_ALLOWED_SCOPES."""
    problems = scope_problems(request, settings.restore_allowed_scopes, prefix)
    if problems:
        raise RejectedError(403, problems, "resource IDs outside the allowed scopes")


def admit(data: Any, settings: Settings, prefix: str = "") -> RestoreRequest:
    """Validate, then authorize.

    Raises: RejectedError (400 or 403); nothing has started.
    """
    request = validate_request(data, settings, prefix)
    authorize(request, settings, prefix)
    return request
