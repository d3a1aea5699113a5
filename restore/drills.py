"""Restore drills (docs/drills.md): scheduled test restores into an isolated target, validated, then deleted.

A drill is read from the `DRILLS` app setting (a JSON document) or the file `DRILLS_FILE` names, and validated when
it is used (a timer tick, an API call), never at import: a bad document is reported with the field and the reason
and starts nothing. A drill never replaces disks and never writes outside its `restore.targetResourceGroupId`.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel

from restore.errors import InvalidSettingError
from restore.fields import ResourceGroupId, StorageAccountId, SubnetId, VaultId, VmId, VnetId
from restore.request import callback_url_problem

DRILL_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,46}[a-z0-9]\Z|[a-z0-9]\Z")
MAX_DRILL_VMS = 50
POINT_TYPES = ("AppConsistent", "CrashConsistent", "FileSystemConsistent")


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid")


class PointChoice(StrEnum):
    LATEST_WITHIN_WINDOW = "latestWithinWindow"
    RANDOM_WITHIN_WINDOW = "randomWithinWindow"


class DrillMode(StrEnum):
    """How a drill restores. `replaceDisks` is not one: a drill never touches the source VM."""

    RESTORE_DISKS = "restoreDisks"
    NEW_VM = "newVm"


TagText = Annotated[str, Field(min_length=1, max_length=256, pattern=r"^[^'<>%&\\?/]+$")]


class DrillVms(_Model):
    """Which VMs: listed IDs, every protected VM of a vault, or the VMs of resource groups (with every one of
    `tags`); `sample` picks that many at random each run."""

    ids: list[VmId] | None = Field(default=None, min_length=1, max_length=MAX_DRILL_VMS)
    vault_id: VaultId | None = None
    resource_groups: list[ResourceGroupId] | None = Field(default=None, min_length=1, max_length=20)
    # Tag names may not contain < > % & \ ? / (MS Learn tag-resources.md, "Limitations"); a quote would end the
    # OData string of the `tagName eq '…'` filter.
    tags: dict[TagText, TagText] | None = Field(default=None, min_length=1, max_length=15)
    sample: Annotated[int, Field(ge=1, le=MAX_DRILL_VMS)] | None = None

    @model_validator(mode="after")
    def _one_selector(self) -> DrillVms:
        if sum(x is not None for x in (self.ids, self.vault_id, self.resource_groups)) != 1:
            raise ValueError("give exactly one of ids, vaultId or resourceGroups")
        if self.tags is not None and self.resource_groups is None:
            raise ValueError("tags select VMs of resourceGroups: give resourceGroups with them")
        if self.ids and len({i.lower() for i in self.ids}) != len(self.ids):
            raise ValueError("ids must be unique")
        return self


class DrillPoint(_Model):
    choice: PointChoice = PointChoice.LATEST_WITHIN_WINDOW
    window_days: float = Field(default=7, gt=0, le=3650)
    types: list[str] = Field(default_factory=lambda: list(POINT_TYPES), min_length=1)

    @field_validator("types")
    @classmethod
    def _known_types(cls, value: list[str]) -> list[str]:
        unknown = [t for t in value if t not in POINT_TYPES]
        if unknown:
            raise ValueError(f"unknown point type(s) {unknown}; allowed: {', '.join(POINT_TYPES)}")
        return value


class DrillRestore(_Model):
    """Where the drill restores: its own resource group (and, for a new VM, its own VNet and subnet)."""

    mode: str = DrillMode.RESTORE_DISKS.value
    target_resource_group_id: ResourceGroupId
    storage_account_id: StorageAccountId
    target_vnet_id: VnetId | None = None
    target_subnet_id: SubnetId | None = None

    @field_validator("mode")
    @classmethod
    def _mode(cls, value: str) -> str:
        if value == "replaceDisks":
            raise ValueError("a drill never replaces disks (it must not touch the source VM); use restoreDisks "
                             "or newVm into the drill's target resource group")
        if value not in set(DrillMode):
            raise ValueError(f"must be one of {', '.join(DrillMode)}")
        return value

    @model_validator(mode="after")
    def _isolated(self) -> DrillRestore:
        group = self.target_resource_group_id.lower().rstrip("/") + "/"
        if not self.storage_account_id.lower().startswith(group):
            raise ValueError("storageAccountId must lie in targetResourceGroupId: the restore's config blobs are "
                             "deleted with the drill, and a drill deletes only inside its target group")
        if self.mode == DrillMode.NEW_VM:
            if not self.target_vnet_id or not self.target_subnet_id:
                raise ValueError("newVm needs targetVnetId and targetSubnetId (the drill's isolated network)")
            if not self.target_subnet_id.lower().startswith(self.target_vnet_id.lower().rstrip("/") + "/subnets/"):
                raise ValueError("targetSubnetId must be a subnet of targetVnetId")
        elif self.target_vnet_id or self.target_subnet_id:
            raise ValueError("targetVnetId and targetSubnetId are for newVm only")
        return self


class DrillValidation(_Model):
    """Custom validation: the run POSTs the restored resource IDs to `validationUrl` (the callback SSRF rules) and
    waits up to `validationTimeoutHours` for `PUT /api/drills/runs/{id}/validation`."""

    validation_url: str | None = Field(default=None, max_length=2048)
    validation_timeout_hours: float = Field(default=2, gt=0, le=72)

    @field_validator("validation_url")
    @classmethod
    def _url_shape(cls, value: str | None) -> str | None:
        problem = callback_url_problem(value, strict=None) if value is not None else None
        if problem:
            raise ValueError(problem)
        return value


class Drill(_Model):
    name: str
    schedule: str
    time_zone: str = "UTC"
    start_window_hours: float = Field(default=4, gt=0, le=168)
    vms: DrillVms
    recovery_point: DrillPoint = Field(default_factory=DrillPoint)
    restore: DrillRestore
    validation: DrillValidation = Field(default_factory=DrillValidation)
    retention_hours: float = Field(default=4, gt=0, le=168)
    callback_url: str | None = Field(default=None, max_length=2048)  # notified once when a run fails

    @field_validator("callback_url")
    @classmethod
    def _callback_shape(cls, value: str | None) -> str | None:
        problem = callback_url_problem(value, strict=None) if value is not None else None
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not DRILL_NAME.match(value):
            raise ValueError("1-48 lower-case letters, digits or '-', starting and ending with a letter or digit")
        return value

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        if len(value.split()) != 5 or not croniter.is_valid(value):
            raise ValueError("must be a 5-field cron expression (minute hour day-of-month month day-of-week)")
        return value

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("must be an IANA time zone name, e.g. UTC or Europe/Amsterdam") from exc
        return value

    @model_validator(mode="after")
    def _sources_outside_target(self) -> Drill:
        group = self.restore.target_resource_group_id.lower().rstrip("/") + "/"
        inside = [vm for vm in self.vms.ids or [] if vm.lower().startswith(group)]
        if inside:
            raise ValueError(f"source VMs must not lie in the drill's target resource group: {inside}")
        if any(g.lower().rstrip("/") + "/" == group for g in self.vms.resource_groups or []):
            raise ValueError("vms.resourceGroups must not name the drill's target resource group")
        return self

    def in_target_group(self, resource_id: str) -> bool:
        """True for a resource ID inside the drill's target resource group (compared as ARM does: case-folded)."""
        group = self.restore.target_resource_group_id.lower().rstrip("/") + "/"
        return resource_id.lower().startswith(group) and resource_id.lower() != group


class DrillDocument(_Model):
    drills: list[Drill] = Field(default_factory=list, max_length=100)

    @field_validator("drills")
    @classmethod
    def _unique(cls, value: list[Drill]) -> list[Drill]:
        names = [d.name for d in value]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"drill names must be unique: {dupes}")
        return value

    def find(self, name: str) -> Drill | None:
        return next((d for d in self.drills if d.name == name), None)


def _path(loc: tuple[int | str, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(loc))


def parse_drills(text: str, setting: str = "DRILLS") -> DrillDocument:
    """The drill document in `text` (JSON).

    Raises:
        InvalidSettingError: naming `setting` and, for each problem, the field path and the reason.
    """
    if not text.strip():
        return DrillDocument()
    try:
        data: Any = json.loads(text)
        return DrillDocument.model_validate(data)
    except ValueError as exc:
        if isinstance(exc, ValidationError):
            reasons = [f"{_path(tuple(e['loc']))}: {str(e['msg']).removeprefix('Value error, ')}"
                       for e in exc.errors(include_url=False, include_input=False)]
        else:
            reasons = [f"not JSON ({exc})"]
        raise InvalidSettingError({setting: "; ".join(reasons)[:2000]}) from None


def load_drills(drills: str, drills_file: str, allow_insecure_urls: bool = False) -> DrillDocument:
    """The document from `DRILLS` or the file `DRILLS_FILE` names (not both); each `validationUrl` must pass the
    callback rules (`CALLBACK_ALLOW_INSECURE` relaxes them as for callbacks). Raises: InvalidSettingError."""
    if drills.strip() and drills_file.strip():
        raise InvalidSettingError({"DRILLS_FILE": "set DRILLS or DRILLS_FILE, not both"})
    setting = "DRILLS_FILE" if drills_file.strip() else "DRILLS"
    text = drills
    if drills_file.strip():
        try:
            text = Path(drills_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise InvalidSettingError({setting: f"cannot read the file ({exc.strerror})"}) from None
    doc = parse_drills(text, setting)
    for i, drill in enumerate(doc.drills):
        for field, url in (("validation.validationUrl", drill.validation.validation_url),
                           ("callbackUrl", drill.callback_url)):
            problem = callback_url_problem(url, strict=not allow_insecure_urls) if url else None
            if problem:
                raise InvalidSettingError({setting: f"drills[{i}].{field}: {problem}"})
    return doc
