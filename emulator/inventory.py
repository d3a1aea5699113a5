"""`GET /_emulator/inventory`: what exists, so callers can pick valid and invalid targets without the seed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from emulator import ids
from emulator.lifecycle import Job
from emulator.resources import World


def inventory(world: World, jobs: Iterable[Job]) -> dict[str, Any]:
    vms = []
    for vm in world.vms.values():
        item = world.item_for_vm(vm.id)
        vault = world.vaults.get(ids.key(item.vault_id)) if item else None
        vms.append({"id": vm.id, "name": vm.name, "region": vm.region, "vaultId": vault.id if vault else None,
                    "protectedItemId": item.id if item else None,
                    "crossRegionRestore": bool(vault and vault.cross_region_restore),
                    "secondaryRegion": vault.secondary_region if vault else None, "size": vm.size, "zone": vm.zone,
                    "osType": vm.os_type, "luns": vm.luns(), "createdByJob": vm.created_by_job,
                    "disks": [{"id": d.id, "lun": d.lun} for d in vm.disks()],
                    "recoveryPoints": len(item.points) if item else 0})
    return {
        "vms": vms,
        "unprotectedVms": [vm["id"] for vm in vms if vm["protectedItemId"] is None],
        "storageAccounts": [{"id": sa.id, "region": sa.region, "sku": sa.sku, "kind": sa.kind}
                            for sa in world.storage_accounts.values()],
        "resourceGroups": [{"id": rg.id, "region": rg.region} for rg in world.resource_groups.values()],
        "subnets": [{"id": s.id, "vnetId": s.vnet_id, "region": s.region} for s in world.subnets.values()],
        "vaults": [{"id": v.id, "region": v.region, "crossRegionRestore": v.cross_region_restore,
                    "secondaryRegion": v.secondary_region} for v in world.vaults.values()],
        "disks": [{"id": d.id, "region": d.region, "lun": d.lun, "vmId": d.vm_id, "createdByJob": d.created_by_job}
                  for d in world.disks.values()],
        "subscriptions": [{"id": s.id, "tenantId": s.tenant_id} for s in world.subscriptions.values()],
        "regionPairs": dict(world.region_pairs),
    }
