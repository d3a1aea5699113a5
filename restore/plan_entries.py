"""A plan's VMs as entries (`{plan}:{n}`) and the restore request of each: the plan's, group's and VM's fields merged,
the nearest level winning (see restore/plan.py for the plan request itself)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from azbackup.ids import parse_item_name, parse_protected_item_id, parse_vm_id
from restore.fields import VM_NAME
from restore.request import RestoreRequest

if TYPE_CHECKING:
    from restore.plan import PlanRequest

NAME_PLACEHOLDER = "{name}"  # in `targetVmName`: the source VM's name, e.g. `{name}-dr`
# Restore fields that only make sense for one VM; every other `RestoreRequest` field is a default at any level.
VM_ONLY = ("vm_id", "protected_item_id", "recovery_point_id")
# A plan's restores report to the plan, not to a callback each; a plan's `vaultId` is its selector (every VM of the
# vault), never a restore's `vaultId` (the vault of a `vmId`); a plan's `approval` is the plan's own (one decision
# before anything starts), never a restore's: a restore of a plan never waits for an approval of its own.
_NOT_IN_PLANS = ("callback_url", "vault_id", "approval")
DEFAULT_FIELDS = tuple(n for n in RestoreRequest.model_fields if n not in VM_ONLY + _NOT_IN_PLANS)
Loc = tuple[int | str, ...]


class PlanEntry(BaseModel):
    """One VM of the plan: its number (`{plan}:{n}`), group, source ID, where it sits in the body, its overrides."""

    model_config = ConfigDict(frozen=True)

    index: int
    group: int
    source_id: str
    loc: Loc
    overrides: dict[str, Any] = Field(default_factory=dict)

    @property
    def is_item(self) -> bool:
        return "/protectedItems/" in self.source_id or "/protecteditems/" in self.source_id.lower()

    @property
    def vm_name(self) -> str:
        """The source VM's name (from the VM ID, or from the item name `VM;iaasvmcontainerv2;{rg};{vm}`)."""
        if not self.is_item:
            return parse_vm_id(self.source_id).name
        return parse_item_name(parse_protected_item_id(self.source_id).item)[1]


_RESTORE_NAMES = frozenset(to_camel(n) for n in (*DEFAULT_FIELDS, *VM_ONLY, "storage_account_ids"))


def set_fields(model: BaseModel) -> dict[str, Any]:
    """The restore fields `model` sets, by camelCase name (JSON values)."""
    dumped = model.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return {k: v for k, v in dumped.items() if k in _RESTORE_NAMES}


def explicit_entries(plan: PlanRequest) -> list[PlanEntry]:
    """The VMs the body names (selector groups add theirs at run time), numbered in plan order."""
    entries: list[PlanEntry] = []
    for g, group in enumerate(plan.all_groups()):
        loc = plan.group_loc(g)
        flat = not plan.groups
        for v, vm in enumerate(group.vms or []):
            overrides = set_fields(vm)
            source = overrides.pop("vmId", None) or overrides.pop("protectedItemId", None) or ""
            where = _flat_loc(plan, v) if flat else (*loc, "vms", v)
            entries.append(PlanEntry(index=len(entries), group=g, source_id=source, loc=where, overrides=overrides))
    return entries


def _flat_loc(plan: PlanRequest, v: int) -> Loc:
    count = len(plan.vm_ids or [])
    return ("vmIds", v) if v < count else ("protectedItemIds", v - count)


def merged_request(plan: PlanRequest, entry: PlanEntry, region: str | None) -> tuple[dict[str, Any], dict[str, Loc]]:
    """The restore request of one VM (plan ⊕ group ⊕ VM), and for each field the level that set it.

    `region` is the restore region; None (up-front validation, before the VM is resolved) takes any staging account
    of `storageAccountIds` to check the rules.
    """
    plan_fields, group_fields = plan.level_fields
    body: dict[str, Any] = {}
    origin: dict[str, Loc] = {}
    for loc, fields in ((), plan_fields), (plan.group_loc(entry.group), group_fields[entry.group]), \
            (entry.loc, entry.overrides):
        for key, value in fields.items():
            body[key], origin[key] = value, loc
    body["protectedItemId" if entry.is_item else "vmId"] = entry.source_id
    origin.setdefault("vmId", entry.loc)
    by_region = body.pop("storageAccountIds", None)
    if by_region and "storageAccountId" not in body:
        account = _for_region(by_region, region)
        if account:
            body["storageAccountId"], origin["storageAccountId"] = account, origin["storageAccountIds"]
    name = body.get("targetVmName")
    if isinstance(name, str) and NAME_PLACEHOLDER in name:
        body["targetVmName"] = name.replace(NAME_PLACEHOLDER, entry.vm_name)
    return body, origin


def _for_region(by_region: dict[str, str], region: str | None) -> str | None:
    if region is None:
        return next(iter(by_region.values()), None)
    folded = region.replace(" ", "").lower()
    return next((v for k, v in by_region.items() if k.replace(" ", "").lower() == folded), None)


def request_problems(plan: PlanRequest, entry: PlanEntry, region: str | None) -> list[tuple[Loc, str]]:
    """Why the merged request of `entry` is not a valid restore request ((body path, reason) each), or []."""
    return vm_request(plan, entry, region)[1]


def vm_request(plan: PlanRequest, entry: PlanEntry,
               region: str | None) -> tuple[dict[str, Any] | None, list[tuple[Loc, str]]]:
    """The validated restore request of `entry` (`RestoreRequest.to_wire()`), or None and why not."""
    body, origin = merged_request(plan, entry, region)
    request = None
    problems: list[tuple[Loc, str]] = []
    if region is not None and "storageAccountId" not in body and "storageAccountIds" in origin:
        problems.append(((*origin["storageAccountIds"], "storageAccountIds"), f"no staging account for {region}"))
    name = body.get("targetVmName")
    if isinstance(name, str) and not VM_NAME.match(name):
        problems.append(((*origin["targetVmName"], "targetVmName"), f"{name!r} is not a valid VM name"))
    try:
        request = RestoreRequest.model_validate(body).to_wire()
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            field = str(loc[0]) if loc else "vmId"
            # A value that is set is wrong where it was set; a missing one is asked for by the mode (request.py's
            # rules), so it is reported where the mode was chosen, or at the top (the default mode).
            where = origin.get(field, origin.get("mode", ()))
            problems.append(((*where, *loc), str(err["msg"]).removeprefix("Value error, ")))
    return (None if problems else request), problems
