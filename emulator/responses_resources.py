"""GET of the VMs and vaults the emulator knows (`VirtualMachines_Get`, `Vaults_Get`): enough for region lookups."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from emulator import ids
from emulator.exceptions import NotFound
from emulator.httpctx import Ctx, json_response


def _vm_body(vm: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": vm.id, "name": vm.name, "type": "Microsoft.Compute/virtualMachines", "location": vm.region,
        "properties": {
            "hardwareProfile": {"vmSize": vm.size},
            "storageProfile": {
                "osDisk": {"osType": vm.os_type, "managedDisk": {"id": vm.os_disk.id} if vm.os_disk else None},
                "dataDisks": [{"lun": d.lun, "managedDisk": {"id": d.id}} for d in vm.data_disks],
            },
            "provisioningState": "Succeeded",
        },
    }
    if vm.zone:
        body["zones"] = [vm.zone]
    return body


async def get_vm(ctx: Ctx) -> Response:
    p = ctx.params
    vm = ctx.backend.world.vms.get(ids.key(f"/subscriptions/{p['sub']}/resourceGroups/{p['rg']}/providers/"
                                          f"Microsoft.Compute/virtualMachines/{p['vm']}"))
    if vm is None:
        raise NotFound("ResourceNotFound", f"The Resource 'Microsoft.Compute/virtualMachines/{p['vm']}' under "
                                           f"resource group '{p['rg']}' was not found.")
    return json_response(_vm_body(vm))


async def get_vault(ctx: Ctx) -> Response:
    p = ctx.params
    vault = ctx.backend.get_vault(p["sub"], p["rg"], p["vault"])
    return json_response({
        "id": vault.id, "name": vault.name, "type": "Microsoft.RecoveryServices/vaults", "location": vault.region,
        "sku": {"name": "RS0", "tier": "Standard"},
        "properties": {
            "provisioningState": "Succeeded",
            "redundancySettings": {"standardTierStorageRedundancy": "GeoRedundant",
                                   "crossRegionRestore": "Enabled" if vault.cross_region_restore else "Disabled"},
        },
    })
