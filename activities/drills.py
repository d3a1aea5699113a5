"""What the drill activities do with the ARM client: list a VM's candidate points, look at what a restore created,
delete one created resource."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from azbackup.client import BackupClient
from azbackup.errors import NotFoundError
from restore.drill_payloads import (
    DeleteInput,
    DeleteValue,
    DrillPointsInput,
    DrillPointsValue,
    GroupVmsInput,
    GroupVmsValue,
    InspectInput,
)
from restore.drill_report import RestoredFacts
from restore.errors import DrillScopeError
from restore.selection import is_restorable
from restore.values import point_info


def list_points(client: BackupClient, inp: DrillPointsInput) -> DrillPointsValue:
    """Restorable points (no rehydration) of the allowed types, not older than the window; every page read."""
    oldest = inp.now - timedelta(days=inp.window_days)
    wanted = {t.lower() for t in inp.types}
    points = [p for p in client.list_recovery_points(inp.item.protected_item_id)
              if p.time is not None and oldest <= p.time <= inp.now and is_restorable(p)
              and (p.properties.recovery_point_type or "").lower() in wanted]
    return DrillPointsValue(points=[point_info(p) for p in points])


VM_TYPE = "Microsoft.Compute/virtualMachines"


def list_group_vms(client: BackupClient, inp: GroupVmsInput) -> GroupVmsValue:
    """The VMs of the groups with every tag: ARM's resource list, one `tagName/tagValue` query per tag (the filter
    takes one pair, and a tag-filtered list carries no tags to check the others: Resources_ListByResourceGroup
    `$filter`, specification/resources/.../resources.json), intersected; without tags, the VM type filter."""
    found: list[str] = []
    for group in inp.resource_groups:
        if not inp.tags:
            listed = client.list_group_resources(group, f"resourceType eq '{VM_TYPE}'")
            found += [r.id for r in listed if r.id]
            continue
        sets = [{(r.id or "").lower(): r.id for r in client.list_group_resources(
                    group, f"tagName eq '{name}' and tagValue eq '{value}'")
                 if r.id and (r.type or "").lower() == VM_TYPE.lower()} for name, value in sorted(inp.tags.items())]
        common = set.intersection(*(set(s) for s in sets))
        found += [str(sets[0][key]) for key in sorted(common)]
    return GroupVmsValue(vm_ids=sorted(set(found), key=str.lower))


def _get(client: BackupClient, resource_id: str, expand: str | None = None) -> dict[str, Any] | None:
    try:
        return client.get_arm_resource(resource_id, expand)
    except NotFoundError:
        return None


def _disk(body: dict[str, Any]) -> dict[str, Any]:
    return {"sizeGb": body.get("properties", {}).get("diskSizeGB"), "sku": (body.get("sku") or {}).get("name")}


def _vm_disks(vm: dict[str, Any]) -> list[str]:
    """The managed disk IDs of a VM's storage profile (OS disk first)."""
    profile = vm.get("properties", {}).get("storageProfile", {})
    disks = [profile.get("osDisk") or {}, *(profile.get("dataDisks") or [])]
    return [str(d["managedDisk"]["id"]) for d in disks if (d.get("managedDisk") or {}).get("id")]


def _power_state(vm: dict[str, Any]) -> str | None:
    statuses = vm.get("properties", {}).get("instanceView", {}).get("statuses") or []
    codes = [str(s.get("code", "")) for s in statuses]
    return next((c.split("/", 1)[1] for c in codes if c.startswith("PowerState/")), None)


def inspect(client: BackupClient, inp: InspectInput) -> RestoredFacts:
    """GET the source VM and its disks, the restored disks, and the new VM with its instance view."""
    source = _get(client, inp.source_vm_id) or {}
    source_disks = [_disk(body) for disk_id in _vm_disks(source) if (body := _get(client, disk_id)) is not None]
    vm_facts = None
    if inp.vm_id:
        vm = _get(client, inp.vm_id, "instanceView")
        if vm is not None:
            nics = vm.get("properties", {}).get("networkProfile", {}).get("networkInterfaces") or []
            vm_facts = {"provisioningState": vm.get("properties", {}).get("provisioningState"),
                        "powerState": _power_state(vm), "nicIds": [str(n["id"]) for n in nics if n.get("id")]}
    restored = {disk_id: None if (body := _get(client, disk_id)) is None else _disk(body)
                for disk_id in inp.disk_ids}
    return RestoredFacts(source_disks=source_disks, restored_disks=restored, vm=vm_facts,
                         vm_expected=inp.vm_id is not None)


def delete(client: BackupClient, inp: DeleteInput) -> DeleteValue:
    """DELETE one resource; a 204 or 404 means it was already gone (counts as cleaned).

    Raises: DrillScopeError (terminal, nothing sent) for a resource outside the drill's target group: the
    orchestration refuses those already; this is the second lock.
    """
    group = inp.target_group.lower().rstrip("/") + "/"
    if not inp.resource_id.lower().startswith(group):
        raise DrillScopeError(f"refused: {inp.resource_id[:300]} is outside the drill's target resource group")
    try:
        status = client.delete_arm_resource(inp.resource_id)
    except NotFoundError:
        return DeleteValue(result="alreadyGone")
    return DeleteValue(result="alreadyGone" if status == 204 else "deleted")
