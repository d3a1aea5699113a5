"""RFC 9457 problem details (`application/problem+json`) for every refusal the front doors give."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from restore.errors import InvalidSettingError
from restore.settings import docs_base_url

# Each status has an anchor in docs/api.md ("Refusals"); `type` is `{DOCS_BASE_URL}/docs/api.md#{anchor}`, or
# `about:blank` when no public base URL is configured (RFC 9457 section 4.2.1: no further semantics than the status).
ANCHORS = {400: "problem-400", 401: "problem-401", 403: "problem-403", 404: "problem-404", 409: "problem-409",
           500: "problem-500", 503: "problem-503"}
BLANK_TYPE = "about:blank"
MEDIA_TYPE = "application/problem+json"
_VALUE_ERROR_PREFIX = "Value error, "


class FieldProblem(BaseModel):
    """One bad input field and why it is bad."""

    model_config = ConfigDict(frozen=True)

    field: str = Field(description="JSON path of the field, e.g. `rehydration.durationDays` or `diskLuns[0]`")
    reason: str


class Problem(BaseModel):
    """A refusal: what kind, why, and (for 400) every bad field."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    type: str = BLANK_TYPE
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] = Field(default_factory=list)
    instance: str | None = None


def field_path(loc: tuple[int | str, ...], prefix: str = "") -> str:
    """`("rehydration", "durationDays")` → `rehydration.durationDays`; list indexes in brackets."""
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "(body)"


def field_problems(exc: ValidationError, prefix: str = "") -> list[FieldProblem]:
    """Every pydantic error as (field, reason), without pydantic's wording prefixes."""
    problems = []
    for err in exc.errors(include_url=False):
        reason = str(err["msg"]).removeprefix(_VALUE_ERROR_PREFIX)
        if err["type"] == "extra_forbidden":
            reason = "unknown field"
        problems.append(FieldProblem(field=field_path(tuple(err["loc"]), prefix), reason=reason))
    return problems


def problem_type(status: int) -> str:
    """The problem `type` URI: this repository's docs/api.md anchor for the status, under DOCS_BASE_URL."""
    base = docs_base_url()
    anchor = ANCHORS.get(status)
    return f"{base}/docs/api.md#{anchor}" if base and anchor else BLANK_TYPE


def problem_body(status: int, title: str, detail: str, errors: list[FieldProblem] | None = None,
                 instance: str | None = None) -> dict[str, Any]:
    """The JSON problem document."""
    problem = Problem(type=problem_type(status), title=title, status=status, detail=detail, errors=errors or [],
                      instance=instance)
    return problem.model_dump(mode="json", by_alias=True, exclude_none=True)


def problem_response(status: int, title: str, detail: str, errors: list[FieldProblem] | None = None,
                     headers: dict[str, str] | None = None) -> func.HttpResponse:
    """An `application/problem+json` HTTP response."""
    body = problem_body(status, title, detail, errors)
    return func.HttpResponse(json.dumps(body), status_code=status, mimetype=MEDIA_TYPE, headers=headers)


def invalid_settings(error: InvalidSettingError, status: int = 500) -> func.HttpResponse:
    """A server-side problem naming the app settings that have unusable values (never the values)."""
    return problem_response(status, "App settings are invalid", error.message)


def invalid_request(errors: list[FieldProblem], detail: str = "the request is invalid") -> func.HttpResponse:
    """400 naming every bad field."""
    names = ", ".join(dict.fromkeys(e.field for e in errors))
    return problem_response(400, "Invalid restore request", f"{detail}: {names}" if names else detail, errors)
