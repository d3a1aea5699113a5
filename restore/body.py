"""Building the ARM restore request body (pure): `RestoreRequest` + item + point -> `IaasVMRestoreRequest`."""

from __future__ import annotations

from azbackup.models_restore import (
    EncryptionDetails,
    IaasVmRestoreRequest,
    IaasVmRestoreWithRehydrationRequest,
    IdentityBasedRestoreDetails,
    IdentityInfo,
    RecoveryPointRehydrationInfo,
    RecoveryType,
)
from restore.request import RestoreMode, RestoreRequest
from restore.values import BackupItem, RecoveryPointInfo

RECOVERY_TYPES = {
    RestoreMode.RESTORE_DISKS: RecoveryType.RESTORE_DISKS,
    RestoreMode.REPLACE_DISKS: RecoveryType.ORIGINAL_LOCATION,
    RestoreMode.NEW_VM: RecoveryType.ALTERNATE_LOCATION,
}


def target_vm_id(request: RestoreRequest) -> str | None:
    """The ID of the VM a `newVm` restore creates."""
    if request.mode != RestoreMode.NEW_VM or not (request.target_resource_group_id and request.target_vm_name):
        return None
    return f"{request.target_resource_group_id}/providers/Microsoft.Compute/virtualMachines/{request.target_vm_name}"


def restore_region(request: RestoreRequest, item: BackupItem) -> str | None:
    """Where the restore lands: the secondary region for cross-region restore, else the VM's (vault's) region."""
    if request.cross_region:
        return item.secondary_region
    return item.vm_region or item.vault_region


def _storage(request: RestoreRequest) -> dict[str, object]:
    """Staging storage: direct, or through a user-assigned identity (identity-based restore)."""
    if request.restore_identity_id is None:
        return {"storage_account_id": request.storage_account_id}
    identity = IdentityInfo(is_system_assigned_identity=False, managed_identity_resource_id=request.restore_identity_id)
    details = None
    if request.storage_account_id:
        details = IdentityBasedRestoreDetails(target_storage_account_id=request.storage_account_id)
    return {"identity_info": identity, "identity_based_restore_details": details}


def _targets(request: RestoreRequest) -> dict[str, object]:
    if request.mode == RestoreMode.REPLACE_DISKS:
        return {}  # the original VM: no target fields (DOC-R "Replace disks")
    fields: dict[str, object] = {"target_resource_group_id": request.target_resource_group_id,
                                 "zones": list(request.zones) if request.zones else None,
                                 "disk_encryption_set_id": request.disk_encryption_set_id}
    if request.mode == RestoreMode.NEW_VM:
        fields |= {"target_virtual_machine_id": target_vm_id(request), "virtual_network_id": request.target_vnet_id,
                   "subnet_id": request.target_subnet_id}
    return fields


def _disks(request: RestoreRequest) -> list[int] | None:
    if request.os_disk_only:
        return []  # no data disk LUNs: the OS disk only
    return list(request.disk_luns) if request.disk_luns else None


def build_restore_request(request: RestoreRequest, item: BackupItem, point: RecoveryPointInfo) -> IaasVmRestoreRequest:
    """The `properties` of the restore (also the `restoreRequest` of validation and of cross-region restore)."""
    fields: dict[str, object] = {
        "recovery_point_id": point.name,
        "recovery_type": RECOVERY_TYPES[request.mode],
        "source_resource_id": item.vm_id or request.vm_id,
        "region": restore_region(request, item),
        "create_new_cloud_service": False,
        "original_storage_account_option": False,
        "encryption_details": EncryptionDetails(encryption_enabled=False),
        "restore_disk_lun_list": _disks(request),
        "disk_encryption_set_id": request.disk_encryption_set_id,
        "restore_with_managed_disks": request.restore_with_managed_disks,
        "resource_guard_operation_requests": request.resource_guard_operation_requests,
        **_storage(request),
        **_targets(request),
    }
    if point.is_archive_only and request.rehydration is not None:
        rehydration = RecoveryPointRehydrationInfo(
            rehydration_retention_duration=f"P{request.rehydration.duration_days}D",
            rehydration_priority=request.rehydration.priority.value)
        return IaasVmRestoreWithRehydrationRequest.model_validate(
            {**fields, "recovery_point_rehydration_info": rehydration})
    return IaasVmRestoreRequest.model_validate(fields)
