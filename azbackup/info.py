"""JSON-able value objects that cross the activity boundary (activity results and orchestration state).

They are camelCase on the wire (`model_dump(mode="json", by_alias=True)`) and accept both spellings on input.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class Wire(BaseModel):
    """Base for payloads: camelCase aliases, either spelling accepted, immutable."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    def dump(self) -> dict[str, Any]:
        """The JSON-able camelCase form sent through Durable Functions."""
        return self.model_dump(mode="json", by_alias=True)


class ErrorInfo(Wire):
    """An ARM, operation or job error as data: what failed, why, and whether waiting may help."""

    code: str
    message: str
    status: int | None = None
    transient: bool = False
    retry_after: int | None = None
    request_id: str | None = None
    target: str | None = None
    recommendations: list[str] = Field(default_factory=list)


class BackupItem(Wire):
    """Where a VM's backups live: vault, container and protected item."""

    vm_id: str | None = None
    vm_region: str | None = None
    vault_id: str
    vault_region: str | None = None
    fabric_name: str = "Azure"
    container_name: str
    protected_item_name: str
    protected_item_id: str
    secondary_region: str | None = None


class TierInfo(Wire):
    """One storage tier of a recovery point (`InstantRP`, `HardenedRP`, `ArchivedRP`) and its status."""

    type: str
    status: str


class RecoveryPointInfo(Wire):
    """The recovery point chosen for a restore."""

    id: str
    name: str
    time: datetime
    type: str
    tiers: list[TierInfo] = Field(default_factory=list)
    zones: list[str] = Field(default_factory=list)
    is_archive_only: bool = False
    cross_region: bool = False


class TaskInfo(Wire):
    """One step of a restore job as the service reports it."""

    name: str
    status: str


class JobInfo(Wire):
    """A restore job's state, small enough for orchestration history."""

    job_id: str
    status: str
    is_terminal: bool
    operation: str | None = None
    progress: float | None = None
    tasks: list[TaskInfo] = Field(default_factory=list)
    errors: list[ErrorInfo] = Field(default_factory=list)
    property_bag: dict[str, str] = Field(default_factory=dict)
    start_time: datetime | None = None
    end_time: datetime | None = None
    duration: str | None = None


class ActivityResult(Wire):
    """What every activity returns: a value, or an error as data (never a raised ARM error)."""

    value: dict[str, Any] | None = None
    error: ErrorInfo | None = None

    @classmethod
    def ok(cls, value: Wire | dict[str, Any]) -> dict[str, Any]:
        """A successful result, dumped for Durable Functions."""
        body = value.dump() if isinstance(value, Wire) else value
        return cls(value=body).dump()

    @classmethod
    def fail(cls, error: ErrorInfo) -> dict[str, Any]:
        """A failed result, dumped for Durable Functions."""
        return cls(error=error).dump()
