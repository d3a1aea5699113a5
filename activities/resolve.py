"""Finding the backup item of a restore: in the primary region (`backupStatus`, the item GET), or, for a
cross-region restore named by `protectedItemId` or `vmId` + `vaultId`, without the primary region at all.

The cross-region path is what a restore on the day the primary region is down can use: the vault's region comes from
ARM's own resource list (served from ARM's replicated metadata, not by the vault's region), the secondary region from
the pair table, and the item from `BackupProtectedItemsCrr_List`, which the secondary region serves.
"""

from __future__ import annotations

from activities.regions import paired_region, resource_location, secondary_region
from azbackup import ids
from azbackup.client import BackupClient
from azbackup.errors import BackupError, NotFoundError
from azbackup.models_crr import ProtectedItem
from restore.errors import NotProtectedError, RestoreError
from restore.payloads import ResolveItemInput
from restore.settings import get_settings
from restore.values import BackupItem

# What az CLI sends to list a vault's Azure VM items (`backup item list`; the BackupProtectedItems_List example).
VM_ITEMS_FILTER = "backupManagementType eq 'AzureIaasVM' and itemType eq 'VM'"


class PrimaryRegionUnavailableError(RestoreError):
    """The primary region did not answer a call a `vmId`-only cross-region restore cannot do without."""

    default_code = "PrimaryRegionUnavailable"


def resolve_item(client: BackupClient, inp: ResolveItemInput) -> BackupItem:
    """The backup item of a VM (via `backupStatus` in its region) or of an explicit protected item ID."""
    if inp.cross_region and (inp.protected_item_id or inp.vault_id):
        return _resolve_in_secondary(client, inp)
    if inp.protected_item_id:
        return _resolve_item_id(client, inp.protected_item_id)
    if inp.vm_deleted:
        return deleted_vm_item(client, ids.parse_vm_id(inp.vm_id or ""))
    return _resolve_vm(client, inp)


def _resolve_item_id(client: BackupClient, protected_item_id: str) -> BackupItem:
    parsed = ids.parse_protected_item_id(protected_item_id)
    props = client.get_protected_item(parsed.id).properties
    vm_id = props.source_resource_id or props.virtual_machine_id
    region = resource_location(client, parsed.vault_id) or (resource_location(client, vm_id) if vm_id else None)
    return BackupItem(vm_id=vm_id, vm_region=region, vault_id=parsed.vault_id, vault_region=region,
                      container_name=parsed.container, protected_item_name=parsed.item,
                      protected_item_id=parsed.id, secondary_region=paired_region(region))


def _resolve_vm(client: BackupClient, inp: ResolveItemInput) -> BackupItem:
    vm = ids.parse_vm_id(inp.vm_id or "")
    # A cross-region restore reads the VM's region from ARM's resource list, which answers while the region is down.
    region = client.get_location_from_arm(vm.id) if inp.cross_region else resource_location(client, vm.id)
    if region is None:
        raise NotFoundError(404, "VmRegionUnknown", f"the region of VM {vm.name} could not be read")
    try:
        status = client.get_backup_status(region, vm.id)
    except BackupError as exc:
        if inp.cross_region and exc.is_transient:
            # Fail fast: on the day the primary region is down, retrying backupStatus there cannot succeed.
            raise PrimaryRegionUnavailableError(
                f"backupStatus in the VM's region '{region}' did not answer ({exc.code}: {exc.message}); a "
                "cross-region restore while the primary region is down needs the item without that region: pass "
                "vaultId (with vmId) or protectedItemId") from None
        raise
    if not status.is_protected or not (status.container_name and status.protected_item_name and status.vault_id):
        raise NotProtectedError(f"VM {vm.name} is not protected by Azure Backup "
                                f"(protectionStatus {status.protection_status or 'unknown'})")
    if inp.vault_id and status.vault_id.lower() != inp.vault_id.lower():
        raise NotProtectedError(f"VM {vm.name} is protected by vault {status.vault_id}, not by {inp.vault_id}")
    item_id = ids.protected_item_id(status.vault_id, status.container_name, status.protected_item_name,
                                    status.fabric_name or "Azure")
    secondary = secondary_region(region, status.vault_id) if inp.cross_region else paired_region(region)
    return BackupItem(vm_id=vm.id, vm_region=region, vault_id=status.vault_id, vault_region=region,
                      fabric_name=status.fabric_name or "Azure", container_name=status.container_name,
                      protected_item_name=status.protected_item_name, protected_item_id=item_id,
                      secondary_region=secondary)


def _resolve_in_secondary(client: BackupClient, inp: ResolveItemInput) -> BackupItem:
    """Cross-region: the vault's region from ARM, the item from the secondary region; no primary-region call."""
    parsed = ids.parse_protected_item_id(inp.protected_item_id) if inp.protected_item_id else None
    vault_id = parsed.vault_id if parsed else ids.parse_vault_id(inp.vault_id or "").id
    region = client.get_location_from_arm(vault_id)
    if region is None:
        raise NotFoundError(404, "VaultNotFound", f"ARM lists no Recovery Services vault {vault_id}")
    secondary = secondary_region(region, vault_id)
    found = _find_item(client.list_crr_protected_items(vault_id, VM_ITEMS_FILTER), parsed.item if parsed else None,
                       inp.vm_id)
    if found is None:
        what = f"protected item {parsed.item}" if parsed else f"VM {inp.vm_id}"
        raise NotProtectedError(f"the secondary region '{secondary}' of vault {vault_id} knows no {what} "
                                "(BackupProtectedItemsCrr_List); check that cross-region restore is enabled on the "
                                "vault and the VM is protected by it")
    vm_id = found.properties.source_resource_id or found.properties.virtual_machine_id or inp.vm_id
    rg, vm_name = ids.parse_item_name(_item_name(found))
    container = parsed.container if parsed else ids.container_name(rg, vm_name)
    item_name = parsed.item if parsed else ids.item_name(rg, vm_name)
    return BackupItem(vm_id=vm_id, vm_region=None, vault_id=vault_id, vault_region=region,
                      container_name=container, protected_item_name=item_name,
                      protected_item_id=ids.protected_item_id(vault_id, container, item_name),
                      secondary_region=secondary)


def _item_name(item: ProtectedItem) -> str:
    return item.name or (item.id or "").rstrip("/").rsplit("/", 1)[-1]


def _find_item(items: list[ProtectedItem], item_name: str | None, vm_id: str | None) -> ProtectedItem | None:
    """The item named `item_name` (any case), or the one whose source VM is `vm_id`."""
    wanted = _name_key(item_name) if item_name else None
    for item in items:
        if wanted is not None and _name_key(_item_name(item)) == wanted:
            return item
        source = item.properties.source_resource_id or item.properties.virtual_machine_id or ""
        if wanted is None and vm_id and ids.same_id(source, vm_id):
            return item
    return None


def _name_key(name: str) -> tuple[str, ...] | None:
    try:
        return tuple(ids.fold(part) for part in ids.parse_item_name(name))
    except BackupError:
        return None


def deleted_vm_item(client: BackupClient, vm: ids.VmId) -> BackupItem:
    """The backup item of a VM that no longer exists, found in the protected items of the vaults it may be in.

    The VM and its `backupStatus` are gone, but the vault keeps the item (and its recovery points). A VM is backed up
    only by a vault of its own subscription and region. The vaults read are those `RESTORE_ALLOWED_SCOPES` names in
    that subscription (what infra/ grants Backup Operator on), else every vault of the subscription
    (`Vaults_ListBySubscriptionId`, which needs read access to the whole subscription).

    Raises: NotProtectedError when no vault holds an item of the VM.
    """
    for vault_id, region in _candidate_vaults(client, vm.subscription_id):
        for item in client.list_protected_items(vault_id, VM_ITEMS_FILTER):
            source = item.properties.source_resource_id or item.properties.virtual_machine_id
            if not (item.id and source and ids.same_id(source, vm.id)):
                continue
            parsed = ids.parse_protected_item_id(item.id)
            return BackupItem(vm_id=vm.id, vm_region=region, vault_id=parsed.vault_id, vault_region=region,
                              fabric_name=parsed.fabric, container_name=parsed.container,
                              protected_item_name=parsed.item, protected_item_id=parsed.id,
                              secondary_region=paired_region(region))
    raise NotProtectedError(f"no Recovery Services vault of subscription {vm.subscription_id} holds a backup "
                            f"item of VM {vm.name}")


def _candidate_vaults(client: BackupClient, subscription_id: str) -> list[tuple[str, str]]:
    """(vault ID, region) of the vaults a deleted VM of the subscription may be backed up in."""
    named = []
    for scope in get_settings().restore_allowed_scopes:
        try:
            vault = ids.parse_vault_id(scope)
        except ValueError:  # InvalidResourceIdError: a subscription or resource group scope
            continue
        if ids.same_id(vault.subscription_id, subscription_id):
            named.append(vault.id)
    if named:
        return [(vault_id, (resource_location(client, vault_id) or "").lower()) for vault_id in named]
    return [(v.id, v.location.lower().replace(" ", "")) for v in client.list_vaults(subscription_id) if v.id]
