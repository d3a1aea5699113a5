"""What the plan's activities do: list the VMs a selector names (a vault's protected items, or the VMs of some
resource groups with the tags asked for)."""

from __future__ import annotations

from activities.resolve import VM_ITEMS_FILTER
from azbackup import ids
from azbackup.client import BackupClient
from restore.payloads import PlanVmsInput, PlanVmsValue, VaultVm
from restore.plan_selector import matches_tags
from restore.settings import get_settings


def list_plan_vms(client: BackupClient, inp: PlanVmsInput) -> PlanVmsValue:
    """The VMs of a vault selector, or of a resource group selector."""
    return list_vault_vms(client, inp) if inp.vault_id else list_group_vms(client, inp)


def list_group_vms(client: BackupClient, inp: PlanVmsInput) -> PlanVmsValue:
    """Every VM of the resource groups with every tag of `inp.tags` (`VirtualMachines_List` of each group, every
    page), sorted by VM ID. Whether each is protected is found when the plan resolves it (`backupStatus`)."""
    scopes = get_settings().restore_allowed_scopes
    found: dict[str, VaultVm] = {}
    for group in inp.resource_group_ids:
        for vm in client.list_vms(group):
            if vm.id and matches_tags(vm.tags, inp.tags):
                found.setdefault(vm.id.lower(), VaultVm(vm_id=vm.id))
    vms = sorted(found.values(), key=lambda vm: (vm.vm_id or "").lower())
    outside = [vm.vm_id for vm in vms if vm.vm_id and not any(ids.is_within_scope(vm.vm_id, s) for s in scopes)]
    return PlanVmsValue(vms=vms, outside_scopes=outside)


def list_vault_vms(client: BackupClient, inp: PlanVmsInput) -> PlanVmsValue:
    """Every Azure VM item of the vault (one list call, every page), sorted by item ID so plan numbers are stable."""
    vault_id = inp.vault_id or ""
    items = (client.list_crr_protected_items(vault_id, VM_ITEMS_FILTER) if inp.cross_region
             else client.list_protected_items(vault_id, VM_ITEMS_FILTER))
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
    vms.sort(key=lambda vm: (vm.protected_item_id or "").lower())
    return PlanVmsValue(vms=vms, outside_scopes=outside)
