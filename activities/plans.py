"""What the plan's activities do: list the VMs a selector names."""

from __future__ import annotations

from activities.resolve import VM_ITEMS_FILTER
from azbackup import ids
from azbackup.client import BackupClient
from restore.payloads import PlanVmsInput, PlanVmsValue, VaultVm
from restore.settings import get_settings


def list_vault_vms(client: BackupClient, inp: PlanVmsInput) -> PlanVmsValue:
    """Every Azure VM item of the vault (one list call, every page), sorted by item ID so plan numbers are stable."""
    items = (client.list_crr_protected_items(inp.vault_id, VM_ITEMS_FILTER) if inp.cross_region
             else client.list_protected_items(inp.vault_id, VM_ITEMS_FILTER))
    scopes = get_settings().restore_allowed_scopes
    vms: list[VaultVm] = []
    outside: list[str] = []
    for item in items:
        if not item.id:
            continue
        vm_id = item.properties.source_resource_id or item.properties.virtual_machine_id
        vms.append(VaultVm(vm_id=vm_id, protected_item_id=item.id))
        for resource_id in filter(None, (item.id, vm_id)):
            if not any(ids.is_within_scope(resource_id, scope) for scope in scopes):
                outside.append(resource_id)
    vms.sort(key=lambda vm: vm.protected_item_id.lower())
    return PlanVmsValue(vms=vms, outside_scopes=outside)
