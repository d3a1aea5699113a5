"""Shared base and tolerant field types for the Azure Backup wire models."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel


class ArmModel(BaseModel):
    """Base of wire models: camelCase aliases, either spelling accepted, unknown fields kept, immutable."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow", frozen=True)

    def to_wire(self) -> dict[str, Any]:
        """The JSON request body as ARM spells it: camelCase, `None` fields left out, defaults (objectType) kept."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class Wire(BaseModel):
    """Base of JSON values handed to callers (and through Durable Functions): camelCase, either spelling, immutable."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    def dump(self) -> dict[str, Any]:
        """The JSON-able camelCase form."""
        return self.model_dump(mode="json", by_alias=True)


class ArmResource(ArmModel):
    """The `id`, `name`, `type` envelope of an ARM resource."""

    id: str | None = None
    name: str | None = None
    type: str | None = None


class TrackedResource(ArmResource):
    """An ARM resource that lives in a region (VM, vault); only `location` is read."""

    location: str


class TaggedResource(TrackedResource):
    """A tracked resource with its tags (a VM of `VirtualMachines_List`)."""

    tags: dict[str, str] | None = None


class TaggedResourceList(ArmModel):
    """One page of `VirtualMachines_List` (`VirtualMachineListResult`: value, nextLink)."""

    value: list[TaggedResource] = Field(default_factory=list)
    next_link: str | None = None


class ResourceGroup(ArmResource):
    """`ResourceGroups_Get` (specification/resources/.../stable/2021-04-01/resources.json `ResourceGroup`): only
    `tags` is read."""

    location: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)


class TrackedResourceList(ArmModel):
    """One page of an ARM list of tracked resources: `Resources_ListByResourceGroup` (`GenericResourceExpanded`: id,
    name, type, location) or `Vaults_ListBySubscriptionId`."""

    value: list[TrackedResource] = Field(default_factory=list)
    next_link: str | None = None


class CaseInsensitiveEnum(StrEnum):
    """A StrEnum that also accepts other casings and the numeric ordinals some API versions send."""

    @classmethod
    def coerce(cls, value: Any) -> Any:
        """The member for `value` (any case, or its ordinal), or `value` unchanged when nothing matches."""
        if isinstance(value, cls):
            return value
        members = list(cls)
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(members):
            return members[value]
        if isinstance(value, str):
            if value.isdigit() and int(value) < len(members):
                return members[int(value)]
            for member in members:
                if member.value.lower() == value.lower():
                    return member
        return value


def lenient(enum: type[CaseInsensitiveEnum]) -> tuple[Any, ...]:
    """Metadata for `Annotated[Enum | str, *lenient(Enum)]`: the member when known, else the raw string.

    The service adds enum values over time; an unknown one must not make a whole job or point unreadable.
    """
    return (Field(union_mode="left_to_right"), BeforeValidator(enum.coerce))


def _null_min_date(value: Any) -> Any:
    # In-progress operations report endTime "0001-01-01T00:00:00.00000Z" (.NET DateTime.MinValue): no end yet.
    if isinstance(value, str) and value.startswith("0001-01-01"):
        return None
    return value


ArmTime = Annotated[datetime | None, BeforeValidator(_null_min_date)]

_CLOCK = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$")
_ISO = re.compile(r"^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def parse_duration(value: str | None) -> timedelta | None:
    """A job duration in either form the service uses: ISO-8601 `PT9.87S` or .NET `[d.]hh:mm:ss.fffffff`."""
    if not value:
        return None
    text = value.strip()
    clock = _CLOCK.match(text)
    if clock:
        days, hours, minutes, seconds = clock.groups()
        return timedelta(days=int(days or 0), hours=int(hours), minutes=int(minutes), seconds=float(seconds))
    iso = _ISO.match(text.upper())
    if iso and text.upper() not in ("P", "PT"):
        days_s, hours_s, minutes_s, seconds_s = (float(g) if g else 0.0 for g in iso.groups())
        return timedelta(days=days_s, hours=hours_s, minutes=minutes_s, seconds=seconds_s)
    return None


class ArmErrorDetail(ArmModel):
    """`error` of the ARM error response (common-types `ErrorDetail`)."""

    code: str | None = None
    message: str | None = None
    target: str | None = None
    details: list[ArmErrorDetail] | None = None
    additional_info: list[dict[str, Any]] | None = None


class ArmErrorBody(ArmModel):
    """The ARM error response `{"error": {...}}`."""

    error: ArmErrorDetail | None = None
