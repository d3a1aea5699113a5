"""Restore request rules, as the service applies them before accepting a restore (and in backupValidateOperation)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from emulator import ids
from emulator.resources import ProtectedItem, RecoveryPoint, World

RESTORE_TYPES = {"IaasVMRestoreRequest", "IaasVMRestoreWithRehydrationRequest"}
RECOVERY_TYPES = {"OriginalLocation", "AlternateLocation", "RestoreDisks"}
BAD_STAGING_SKUS = ("ZRS", "PREMIUM")


@dataclass
class Problem:
    code: str
    message: str
    status: int = 400
    recommendations: list[str] = field(default_factory=list)


def staging_account_id(request: dict[str, Any]) -> str | None:
    identity = request.get("identityBasedRestoreDetails") or {}
    return request.get("storageAccountId") or identity.get("targetStorageAccountId")


def check_restore(world: World, item: ProtectedItem, rp: RecoveryPoint, request: dict[str, Any],
                  target_region: str, crr: bool = False) -> list[Problem]:
    """Every problem with `request`, in the order the service reports them (empty = valid); `crr`: a cross-region
    restore (the passive stamp's rules, `_check_crr`)."""
    problems = _check_shape(item, request)
    if problems:
        return problems
    if crr:
        problems += _check_crr(request)
        if problems:
            return problems
    problems += _check_point(rp, request)
    problems += _check_staging(world, request, target_region)
    kind = request["recoveryType"]
    if kind == "OriginalLocation" and ids.key(item.vm_id) not in world.vms:
        problems.append(Problem("UserErrorSourceVMNotFound",
                                "Replace disks needs the source virtual machine, which no longer exists. "
                                "Restore as a new VM or restore disks instead."))
    if kind in ("AlternateLocation", "RestoreDisks"):
        problems += _check_target_group(world, request, required=kind == "AlternateLocation")
    if kind == "AlternateLocation":
        problems += _check_network(world, request, target_region)
        target_vm = request.get("targetVirtualMachineId")
        if target_vm and ids.key(target_vm) in world.vms:
            problems.append(Problem("UserErrorVmAlreadyExists",
                                    f"A virtual machine named '{ids.last_segment(target_vm)}' already exists in the "
                                    "target resource group. Choose another name."))
    return problems


def _check_shape(item: ProtectedItem, request: dict[str, Any]) -> list[Problem]:
    if request.get("objectType") not in RESTORE_TYPES:
        return [Problem("BMSUserErrorInvalidInput", f"objectType must be one of {sorted(RESTORE_TYPES)}.")]
    if request.get("recoveryType") not in RECOVERY_TYPES:
        return [Problem("BMSUserErrorInvalidInput",
                        f"recoveryType '{request.get('recoveryType')}' is not supported for Azure VMs.")]
    source = request.get("sourceResourceId")
    if source and ids.key(source) != ids.key(item.vm_id):
        return [Problem("UserErrorSourceResourceIdMismatch",
                        "sourceResourceId does not match the virtual machine of this protected item.")]
    return []


def _check_crr(request: dict[str, Any]) -> list[Problem]:
    """What the secondary region refuses (as strict as az CLI; the codes and texts are the emulator's)."""
    # az CLI refuses archive restore from the secondary region: "Archive restore isn't supported for secondary
    # region." (src/azure-cli/azure/cli/command_modules/backup/_validators.py `validate_crr`); as strict as the tool.
    if request.get("objectType") == "IaasVMRestoreWithRehydrationRequest":
        return [Problem("BMSUserErrorInvalidInput", "Archive restore (IaasVMRestoreWithRehydrationRequest) is not "
                                                    "supported for cross region restore.")]
    # az CLI: "Please provide target resource group using --target-resource-group." (`validate_crr`), and both
    # official CRR examples send one (TriggerCrossRegionRestore_Post.json, ..._IdentityBasedRestoreDetails_Post.json).
    if not request.get("targetResourceGroupId"):
        return [Problem("BMSUserErrorInvalidInput", "targetResourceGroupId is required for cross region restore.")]
    return []


def _check_point(rp: RecoveryPoint, request: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    if rp.is_archive_only and request.get("objectType") != "IaasVMRestoreWithRehydrationRequest":
        problems.append(Problem("UserErrorRecoveryPointNotRehydrated",
                                "The recovery point is in the archive tier. Restore it with an "
                                "IaasVMRestoreWithRehydrationRequest (rehydration priority and duration).",
                                recommendations=["Use IaasVMRestoreWithRehydrationRequest."]))
    rehydration = request.get("recoveryPointRehydrationInfo") or {}
    if request.get("objectType") == "IaasVMRestoreWithRehydrationRequest" and \
            rehydration.get("rehydrationPriority") not in ("Standard", "High"):
        problems.append(Problem("BMSUserErrorInvalidInput", "rehydrationPriority must be Standard or High."))
    missing = [lun for lun in request.get("restoreDiskLunList") or [] if lun not in rp.luns]
    if missing:
        problems.append(Problem("UserErrorInvalidDiskLun",
                                f"The recovery point has no data disk with LUN(s) {missing}; it has {rp.luns}."))
    return problems


def _check_staging(world: World, request: dict[str, Any], region: str) -> list[Problem]:
    account_id = staging_account_id(request)
    if not account_id:
        return [Problem("BMSUserErrorInvalidInput", "A staging storage account (storageAccountId) is required.")]
    account = world.storage_accounts.get(ids.key(account_id))
    if account is None:
        return [Problem("UserErrorStorageAccountNotFound",
                        "Operation failed as the specified storage account does not exist anymore.")]
    if account.region.lower() != region.lower():
        return [Problem("UserErrorStorageAccountLocationMismatch",
                        f"The staging storage account is in '{account.region}'; it must be in '{region}'.",
                        recommendations=["Choose a storage account in the same region as the restore."])]
    if any(flag in account.sku.upper() for flag in BAD_STAGING_SKUS):
        return [Problem("UserErrorStorageAccountTypeNotSupported",
                        f"Storage accounts of SKU '{account.sku}' (zone-redundant or premium) cannot be used "
                        "as the staging location.",
                        recommendations=["Use a standard, locally or geo-redundant storage account."])]
    return []


def _check_target_group(world: World, request: dict[str, Any], required: bool) -> list[Problem]:
    group = request.get("targetResourceGroupId")
    if not group:
        return [Problem("BMSUserErrorInvalidInput", "targetResourceGroupId is required.")] if required else []
    if ids.key(group) not in world.resource_groups:
        return [Problem("UserErrorTargetResourceGroupNotFound",
                        f"The target resource group '{ids.last_segment(group)}' does not exist.")]
    return []


def _check_network(world: World, request: dict[str, Any], region: str) -> list[Problem]:
    vnet, subnet = request.get("virtualNetworkId"), request.get("subnetId")
    if not vnet or not subnet:
        return [Problem("BMSUserErrorInvalidInput", "virtualNetworkId and subnetId are required to create a VM.")]
    if ids.key(vnet) not in world.vnets:
        return [Problem("UserErrorVirtualNetworkNotFound", f"The virtual network '{vnet}' does not exist.")]
    found = world.subnets.get(ids.key(subnet))
    if found is None or ids.key(found.vnet_id) != ids.key(vnet):
        return [Problem("UserErrorSubnetNotFound", f"The subnet '{subnet}' does not exist in the virtual network.")]
    if found.region.lower() != region.lower():
        return [Problem("UserErrorVirtualNetworkLocationMismatch",
                        f"The virtual network is in '{found.region}'; the VM is restored to '{region}'.")]
    return []
