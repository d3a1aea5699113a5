"""GET /api/restores: query parsing, runtime-status filters and a stable cursor over (createdAt desc, id)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.alias_generators import to_camel

from restore.contract import Orchestrator
from restore.instance_ids import is_restore_instance_id
from triggers.problems import FieldProblem, field_problems
from triggers.views import RUNNING_RUNTIME, RestoreStatus, RestoreView, restore_view

MAX_PAGE = 100
# Public status → Durable runtime statuses that can produce it (succeeded/cancelled share Completed).
RUNTIME_FOR: dict[RestoreStatus, tuple[str, ...]] = {
    RestoreStatus.RUNNING: tuple(sorted(RUNNING_RUNTIME)),
    RestoreStatus.SUCCEEDED: ("Completed",),
    RestoreStatus.FAILED: ("Failed",),
    RestoreStatus.CANCELLED: ("Completed", "Terminated", "Canceled"),
}


class ListQuery(BaseModel):
    """Query parameters of GET /api/restores."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore")

    status: list[RestoreStatus] = Field(default_factory=list, description="comma-separated public statuses")
    created_after: datetime | None = Field(default=None, description="ISO-8601 time with offset")
    top: int = Field(default=50, ge=1, le=MAX_PAGE)
    continuation_token: str | None = None

    @field_validator("status", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return [s.strip() for s in value.split(",") if s.strip()] if isinstance(value, str) else value

    @field_validator("created_after")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must carry a time zone offset, e.g. 2026-01-01T00:00:00Z")
        return value

    def runtime_statuses(self) -> list[str]:
        return sorted({r for s in self.status for r in RUNTIME_FOR[s]})


class RestoreList(BaseModel):
    """One page of restores, newest first."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    items: list[RestoreView]
    next_link: str | None = None


@dataclass(frozen=True)
class Cursor:
    created_at: str
    instance_id: str

    def encode(self) -> str:
        raw = json.dumps([self.created_at, self.instance_id]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """Raises: ValueError for a token this API did not hand out."""
        try:
            created, instance = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            return cls(str(created), str(instance))
        except (ValueError, TypeError) as exc:
            raise ValueError("not a continuation token from this API") from exc


def parse_query(params: dict[str, str]) -> ListQuery | list[FieldProblem]:
    """The query, or every problem with it."""
    try:
        query = ListQuery.model_validate(dict(params))
        if query.continuation_token:
            Cursor.decode(query.continuation_token)
        return query
    except ValidationError as exc:
        return field_problems(exc)
    except ValueError as exc:
        return [FieldProblem(field="continuationToken", reason=str(exc))]


def _sort_key(view: RestoreView) -> tuple[str, str]:
    created = view.created_at.astimezone(UTC).isoformat() if view.created_at else ""
    return created, view.id


def page(statuses: list[Any], query: ListQuery) -> tuple[list[RestoreView], Cursor | None]:
    """Views of the `restore_vm` instances matching `query`, newest first, one page and the next cursor."""
    views = [restore_view(s) for s in statuses if getattr(s, "name", Orchestrator.RESTORE_VM) == Orchestrator.RESTORE_VM
             and is_restore_instance_id(str(s.instance_id))]
    if query.status:
        views = [v for v in views if v.status in query.status]
    views.sort(key=_sort_key, reverse=True)
    if query.continuation_token:
        cursor = Cursor.decode(query.continuation_token)
        views = [v for v in views if _sort_key(v) < (cursor.created_at, cursor.instance_id)]
    chunk = views[: query.top]
    more = len(views) > query.top
    return chunk, (Cursor(*_sort_key(chunk[-1])) if more and chunk else None)
