"""The public restore plan request (`POST /api/plans`, docs/api.md): which VMs, in which order, how, and what then.

A plan is groups run one after another; every restore field is a default at the plan, group or VM level (the
nearest wins). `validate_plan` checks the whole plan up front and names every bad field by its path in the body
(`groups[1].vms[0].storageAccountId`); the restore rules that span fields are those of `RestoreRequest`, checked on
each VM's merged request and reported at the level that set the offending value.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator
from pydantic.alias_generators import to_camel
from pydantic.fields import FieldInfo
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import InitErrorDetails, PydanticCustomError

from azbackup.ids import fold
from restore.fields import ProtectedItemId, ResourceGroupId, StorageAccountId, VaultId, VmId
from restore.plan_entries import (
    DEFAULT_FIELDS,
    VM_ONLY,
    Loc,
    explicit_entries,
    request_problems,
    set_fields,
)
from restore.plan_selector import MAX_SELECTOR_GROUPS, PlanSelector, Tags, selector_ids
from restore.request import Approval, RestoreRequest

MAX_PLAN_VMS = 1000
DEFAULT_MAX_PARALLEL = 20
_PLAN_APPROVAL_ONLY = "approval is the plan's (top level): it covers every restore of the plan"


class OnFailure(StrEnum):
    """What the plan does when a restore fails."""

    CONTINUE = "continue"  # go on with every other restore
    STOP_AFTER_GROUP = "stopAfterGroup"  # finish the group, start no later group
    STOP = "stop"  # start no further restore (those running finish)


def _copy(name: str) -> tuple[Any, FieldInfo]:
    info = RestoreRequest.model_fields[name]
    return info.annotation, FieldInfo.merge_field_infos(info)


_CONFIG = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid")
# The restore fields with the request's own types and rules, and a staging account per region.
RestoreDefaults: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "RestoreDefaults", __config__=_CONFIG,
    storage_account_ids=(dict[str, StorageAccountId] | None, Field(
        default=None, description="staging account per restore region (the VM's, or the secondary for crossRegion)")),
    **{name: _copy(name) for name in DEFAULT_FIELDS})
_DEFAULTS_OF_VM: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "VmDefaults", __base__=RestoreDefaults, **{name: _copy(name) for name in VM_ONLY})


class _NoOwnApproval(BaseModel):
    """A group or a VM of a plan takes no `approval` (400 naming it): only the plan asks for one."""

    approval: SkipJsonSchema[Any] = Field(default=None, exclude=True)  # not part of the documented body

    @field_validator("approval", mode="before")
    @classmethod
    def _refused(cls, value: Any) -> Any:
        raise ValueError(_PLAN_APPROVAL_ONLY)


class PlanVm(_DEFAULTS_OF_VM, _NoOwnApproval):
    """One VM of a group with its own overrides (`vmId` or `protectedItemId`, plus any restore field)."""


class PlanGroup(RestoreDefaults, _NoOwnApproval):
    """VMs restored together (in parallel), after every earlier group has ended."""

    name: str = Field(min_length=1, max_length=80)
    vms: list[PlanVm] | None = Field(default=None, min_length=1, max_length=MAX_PLAN_VMS,
                                     description="VM IDs, protected item IDs, or {vmId|protectedItemId, ...overrides}")
    selector: PlanSelector | None = None
    max_parallel: int | None = Field(default=None, ge=1, le=MAX_PLAN_VMS)

    @field_validator("vms", mode="before")
    @classmethod
    def _ids_as_objects(cls, value: Any) -> Any:
        """A bare ID is a VM without overrides (so an error names `vms[0].vmId` like for an object)."""
        if not isinstance(value, list):
            return value
        return [({"protectedItemId": v} if "/protecteditems/" in v.lower() else {"vmId": v}) if isinstance(v, str)
                else v for v in value]


class PlanRequest(RestoreDefaults):
    """A restore plan: VMs (flat, or in `groups` run in order), restore defaults, parallelism, failure policy."""

    vm_ids: list[VmId] | None = Field(default=None, min_length=1, max_length=MAX_PLAN_VMS)
    protected_item_ids: list[ProtectedItemId] | None = Field(default=None, min_length=1, max_length=MAX_PLAN_VMS)
    vault_id: VaultId | None = Field(default=None, description="every protected VM of this vault")
    resource_group_ids: list[ResourceGroupId] | None = Field(
        default=None, min_length=1, max_length=MAX_SELECTOR_GROUPS, description="every VM of these resource groups")
    tags: Tags | None = Field(default=None, min_length=1, max_length=50,
                              description="with resourceGroupIds: only VMs with each of these tags (name: value)")
    groups: list[PlanGroup] | None = Field(default=None, min_length=1, max_length=100)
    max_parallel: int = Field(default=DEFAULT_MAX_PARALLEL, ge=1, le=MAX_PLAN_VMS)
    on_failure: OnFailure = OnFailure.STOP_AFTER_GROUP
    dry_run: bool = False
    approval: Approval | None = Field(
        default=None, description="resolve and check every VM, then wait for one approval before starting any")

    @property
    def needs_approval(self) -> bool:
        """Whether the plan waits for approval (a dry run triggers nothing, so it never waits)."""
        return self.approval is not None and self.approval.required and not self.dry_run

    def modes(self) -> set[str]:
        """Every restore mode the plan's restores use (the default one unless a level sets `mode`)."""
        plan_fields, group_fields = self.level_fields
        found: set[str] = set()
        for g, group in enumerate(self._groups):
            base = group_fields[g].get("mode", plan_fields.get("mode", "restoreDisks"))
            found.add(str(base))
            found.update(str(set_fields(vm)["mode"]) for vm in group.vms or [] if "mode" in vm.model_fields_set)
        return found

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)

    def all_groups(self) -> list[PlanGroup]:
        """The groups in order; a plan without `groups` is one group named `default`."""
        return list(self._groups)

    @cached_property
    def _groups(self) -> tuple[PlanGroup, ...]:
        return tuple(self._build_groups())

    @cached_property
    def level_fields(self) -> tuple[dict[str, Any], tuple[dict[str, Any], ...]]:
        """The restore fields the plan sets, and those each group sets (computed once; the plan is frozen)."""
        return set_fields(self), tuple(set_fields(group) for group in self._groups)

    def _build_groups(self) -> list[PlanGroup]:
        if self.groups:
            return list(self.groups)
        vms: list[Any] = [*({"vmId": v} for v in self.vm_ids or []),
                          *({"protectedItemId": v} for v in self.protected_item_ids or [])]
        selector = None  # one source only (the rules report a body that gives both)
        if self.vault_id:
            selector = PlanSelector(vault_id=self.vault_id)
        elif self.resource_group_ids:
            selector = PlanSelector(resource_group_ids=self.resource_group_ids, tags=self.tags)
        return [PlanGroup(name="default", vms=vms or None, selector=selector)]

    def group_loc(self, index: int) -> Loc:
        return ("groups", index) if self.groups else ()


def _rule_problems(plan: PlanRequest) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    flat = [n for n in ("vm_ids", "protected_item_ids", "vault_id", "resource_group_ids")
            if getattr(plan, n) is not None]
    if plan.groups is None and not flat:
        problems.append((("vmIds",), "give vmIds, protectedItemIds, vaultId, resourceGroupIds or groups"))
    if plan.groups is not None and flat:
        problems.append(((to_camel(flat[0]),), "give groups, or VMs at the top level, not both"))
    if plan.vault_id is not None and (plan.vm_ids or plan.protected_item_ids):
        problems.append((("vaultId",), "give vaultId or a list of VMs, not both"))
    problems += _selector_problems(plan)
    seen: dict[str, str] = {}
    for g, group in enumerate(plan.groups or []):
        if (group.vms is None) == (group.selector is None):
            problems.append((("groups", g, "vms"), "give vms or selector"))
        if group.name in seen:
            problems.append((("groups", g, "name"), f"{group.name!r} is the name of {seen[group.name]}"))
        seen.setdefault(group.name, f"groups[{g}]")
    return problems + _entry_problems(plan)


def _selector_problems(plan: PlanRequest) -> list[tuple[Loc, str]]:
    """The top-level selector fields: one source of VMs, and `tags` only to filter resource groups."""
    problems: list[tuple[Loc, str]] = []
    if plan.resource_group_ids is not None and (plan.vm_ids or plan.protected_item_ids or plan.vault_id):
        problems.append((("resourceGroupIds",), "give resourceGroupIds, vaultId or a list of VMs, not more than one"))
    if plan.tags is not None and plan.resource_group_ids is None:
        problems.append((("tags",), "tags filter resourceGroupIds; give resourceGroupIds with them"))
    return problems


def _entry_problems(plan: PlanRequest) -> list[tuple[Loc, str]]:
    entries = explicit_entries(plan)
    if len(entries) > MAX_PLAN_VMS:
        return [(("groups",) if plan.groups else ("vmIds",), f"at most {MAX_PLAN_VMS} VMs in a plan")]
    problems: list[tuple[Loc, str]] = []
    seen: dict[str, Loc] = {}
    for entry in entries:
        if not entry.source_id:
            problems.append(((*entry.loc, "vmId"), "one of vmId or protectedItemId is required"))
            continue
        key = fold(entry.source_id)
        if key in seen:
            problems.append((entry.loc, f"this VM is already in the plan at {_path(seen[key])}"))
            continue
        seen[key] = entry.loc
        problems += request_problems(plan, entry, None)
    return list(dict.fromkeys(problems))  # a plan-level problem shows once, not once per VM


def _path(loc: Loc) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(loc))


def validate_plan(data: Any, context: dict[str, Any] | None = None) -> PlanRequest:
    """The validated plan.

    Raises: ValidationError naming every bad field by its path in the body (structure first, then the rules).
    """
    plan = PlanRequest.model_validate(data, context=context)
    problems = _rule_problems(plan)
    if problems:
        details = [InitErrorDetails(type=PydanticCustomError("plan_rule", reason), loc=loc, input=None)
                   for loc, reason in problems]
        raise ValidationError.from_exception_data(PlanRequest.__name__, details)
    return plan


def scope_ids(plan: PlanRequest) -> dict[str, str]:
    """Body path → every source and target resource ID the body names (for RESTORE_ALLOWED_SCOPES)."""
    ids: dict[str, str] = {}
    targets = {to_camel(n) for n in ("storage_account_id", "target_resource_group_id", "target_vnet_id",
                                     "target_subnet_id", "disk_encryption_set_id", "restore_identity_id")}

    def add(loc: Loc, fields: dict[str, Any]) -> None:
        for key, value in fields.items():
            if key in targets and isinstance(value, str):
                ids[_path((*loc, key))] = value
            elif key == "storageAccountIds" and isinstance(value, dict):
                ids.update({_path((*loc, key, region)): v for region, v in value.items()})

    add((), set_fields(plan))
    if plan.vault_id:
        ids["vaultId"] = plan.vault_id
    ids.update({_path(("resourceGroupIds", n)): rg for n, rg in enumerate(plan.resource_group_ids or [])})
    for g, group in enumerate(plan.groups or []):
        add(("groups", g), set_fields(group))
        if group.selector:
            ids.update(selector_ids(("groups", g, "selector"), group.selector))
    for entry in explicit_entries(plan):
        ids[_path(entry.loc)] = entry.source_id
        add(entry.loc, entry.overrides)
    return ids

