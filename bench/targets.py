"""Pick valid restore requests from the emulator's inventory (no knowledge of the seed needed)."""

from __future__ import annotations

from typing import Any

BAD_SKUS = ("zrs", "premium")


def usable_storage(inventory: dict[str, Any], region: str) -> str | None:
    """A staging storage account the service accepts in `region` (not ZRS, not premium)."""
    for account in inventory.get("storageAccounts", []):
        sku = str(account.get("sku", "")).lower()
        if str(account.get("region", "")).lower() == region.lower() and not any(b in sku for b in BAD_SKUS):
            return str(account["id"])
    return None


def restorable_vms(inventory: dict[str, Any], cross_region: bool = False) -> list[dict[str, Any]]:
    """Protected VMs with a usable staging account in the region the restore runs in."""
    out = []
    for vm in inventory.get("vms", []):
        if not vm.get("protectedItemId"):
            continue
        if cross_region and not (vm.get("crossRegionRestore") and vm.get("secondaryRegion")):
            continue
        region = vm["secondaryRegion"] if cross_region else vm["region"]
        if usable_storage(inventory, region):
            out.append(vm)
    return out


def restore_body(inventory: dict[str, Any], vm: dict[str, Any], cross_region: bool = False,
                 **extra: Any) -> dict[str, Any]:
    """The smallest restore-disks request for `vm`."""
    region = vm["secondaryRegion"] if cross_region else vm["region"]
    body: dict[str, Any] = {"vmId": vm["id"], "storageAccountId": usable_storage(inventory, region)}
    if cross_region:
        body["crossRegion"] = True
        group = resource_group_in(inventory, region, vm["id"])
        if group:
            body["targetResourceGroupId"] = group
    return {**body, **extra}


def resource_group_in(inventory: dict[str, Any], region: str, same_subscription_as: str) -> str | None:
    """A resource group in `region` in the subscription of `same_subscription_as`."""
    sub = "/".join(same_subscription_as.split("/")[:3]).lower()
    for group in inventory.get("resourceGroups", []):
        if str(group.get("region", "")).lower() == region.lower() and str(group["id"]).lower().startswith(sub):
            return str(group["id"])
    return None


def restore_bodies(inventory: dict[str, Any], count: int, cross_region: bool = False,
                   **extra: Any) -> list[dict[str, Any]]:
    """`count` requests on distinct VMs (the service refuses a second restore running on the same item).

    Raises:
        ValueError: the inventory has fewer restorable VMs than `count`.
    """
    vms = restorable_vms(inventory, cross_region)
    if len(vms) < count:
        raise ValueError(f"need {count} restorable VMs, the emulator has {len(vms)}; use a bigger seed")
    return [restore_body(inventory, vm, cross_region, **extra) for vm in vms[:count]]
