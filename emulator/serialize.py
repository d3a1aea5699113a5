"""Wire shapes of emulator resources, as in the official examples (`azure-backup-api/`): the only place that
builds ARM response bodies. Admin API bodies are in `serialize_admin.py`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from emulator import ids
from emulator.clock import NEVER, iso, iso_duration
from emulator.crr import AadProperties, CrrGrant
from emulator.lifecycle import Job, JobError, JobStatus, Operation, OperationStatus
from emulator.resources import ProtectedItem, RecoveryPoint, Vault, VirtualMachine
from emulator.tokens import ArmToken
from emulator.validation import Problem

RP_TYPE = "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems/recoveryPoints"
ITEM_TYPE = "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems"
JOB_TYPE = "Microsoft.RecoveryServices/vaults/backupJobs"


def recovery_point(item: ProtectedItem, rp: RecoveryPoint) -> dict[str, Any]:
    archived = any(t == "ArchivedRP" for t, _ in rp.tiers)
    props: dict[str, Any] = {
        "objectType": "IaasVMRecoveryPoint", "recoveryPointType": rp.type, "recoveryPointTime": iso(rp.time),
        "recoveryPointAdditionalInfo": "", "sourceVMStorageType": "NormalStorage",
        "isSourceVMEncrypted": rp.encrypted, "isInstantIlrSessionActive": False,
        "recoveryPointTierDetails": [{"type": t, "status": s} for t, s in rp.tiers],
        "isManagedVirtualMachine": True, "virtualMachineSize": rp.vm_size, "originalStorageAccountOption": False,
        "osType": rp.os_type, "isPrivateAccessEnabledOnAnyDisk": False, "securityType": "None",
        "recoveryPointDiskConfiguration": {
            "numberOfDisksIncludedInBackup": len(rp.luns) + 1, "numberOfDisksAttachedToVm": len(rp.luns) + 1,
            "includedDiskList": [{"lun": lun, "name": f"datadisk-{lun}"} for lun in rp.luns], "excludedDiskList": []},
        "recoveryPointMoveReadinessInfo": {"ArchivedRP": {
            "isReadyForMove": not archived,
            "additionalInfo": "Recovery point cannot be moved to archive tier since it has already been moved."
            if archived else ""}},
    }
    if rp.zones:
        props["zones"] = list(rp.zones)
    return {"id": f"{item.id}/recoveryPoints/{rp.name}", "name": rp.name, "type": RP_TYPE, "properties": props}


def protected_item(item: ProtectedItem, vault_id: str, points: list[RecoveryPoint] | None = None) -> dict[str, Any]:
    """`points`: the recovery points this view knows (newest first; default all of the item's)."""
    points = item.sorted_points() if points is None else points
    latest = points[0].time if points else None
    return {"id": item.id, "name": item.item_name, "type": ITEM_TYPE, "properties": {
        "protectedItemType": "Microsoft.Compute/virtualMachines", "backupManagementType": "AzureIaasVM",
        "workloadType": "VM", "containerName": ids.short_container(item.container_name),
        "friendlyName": item.vm_name, "virtualMachineId": item.vm_id, "sourceResourceId": item.vm_id,
        "protectionStatus": "Healthy", "protectionState": "Protected", "healthStatus": "Passed",
        "lastBackupStatus": "Completed", "lastBackupTime": iso(latest), "lastRecoveryPoint": iso(latest),
        "policyId": f"{vault_id}/backupPolicies/{item.policy_name}", "policyName": item.policy_name,
        "policyType": "V2", "protectedItemDataId": item.protected_item_data_id,
        "extendedInfo": {"recoveryPointCount": len(points),
                         "oldestRecoveryPoint": iso(points[-1].time) if points else None}}}


def backup_status(protection: tuple[ProtectedItem, Vault] | None) -> dict[str, Any]:
    """BackupStatus_Get (`GetBackupStatus.json`): lower-case container / item names, as the service writes them."""
    if protection is None:
        return {"protectionStatus": "NotProtected", "errorCode": "Success", "errorMessage": "",
                "registrationStatus": "NotRegistered", "acquireStorageAccountLock": "NotAcquire",
                "protectedItemsCount": 0}
    item, vault = protection
    return {"protectionStatus": "Protected", "vaultId": vault.id, "fabricName": "Azure",
            "containerName": f"iaasvmcontainer;iaasvmcontainerv2;{item.vm_resource_group};{item.vm_name}",
            "protectedItemName": f"vm;iaasvmcontainerv2;{item.vm_resource_group};{item.vm_name}",
            "policyName": item.policy_name,
            "errorCode": "Success", "errorMessage": "", "registrationStatus": "Registered",
            "protectedItemsCount": 1, "acquireStorageAccountLock": "NotAcquire"}


def job(j: Job, now: datetime, extended: bool = True) -> dict[str, Any]:
    props: dict[str, Any] = {
        "jobType": "AzureIaaSVMJob", "entityFriendlyName": j.entity_friendly_name,
        "backupManagementType": "AzureIaasVM", "operation": j.operation, "status": str(j.status),
        "startTime": iso(j.start), "duration": iso_duration(j.elapsed(now)), "activityId": j.activity_id,
        "virtualMachineVersion": "Compute",
        "actionsInfo": ["Cancellable"] if j.is_cancellable else [],
    }
    if j.end is not None:
        props["endTime"] = iso(j.end)
    if j.error is not None:
        props["errorDetails"] = [job_error(j.error)]
    if extended:
        props["extendedInfo"] = _extended_info(j, now)
    if j.region:
        job_id = f"/subscriptions/{j.subscription}/providers/microsoft.recoveryservices/locations/{j.region}" \
                 f"/backupJobs/{j.name}"
    else:
        job_id = f"{j.vault_id}/backupJobs/{j.name}"
    return {"id": job_id, "name": j.name, "type": JOB_TYPE, "properties": props}


def job_error(error: JobError) -> dict[str, Any]:
    return {"errorCode": error.code, "errorTitle": error.title, "errorString": error.message,
            "recommendations": list(error.recommendations)}


def _extended_info(j: Job, now: datetime) -> dict[str, Any]:
    progress = j.progress(now)
    tasks = [_task(j, task.task_id, task.start_fraction, task.end_fraction, progress) for task in j.tasks]
    info: dict[str, Any] = {"tasksList": tasks, "propertyBag": dict(j.property_bag),
                            "progressPercentage": float(progress),
                            "estimatedRemainingDuration": iso_duration(j.estimated_remaining(now))}
    if j.status is JobStatus.FAILED and j.error:
        info["dynamicErrorMessage"] = j.error.message
    return info


def _task(j: Job, task_id: str, start: float, end: float, progress: int) -> dict[str, Any]:
    fraction = progress / 100
    if j.status in (JobStatus.COMPLETED, JobStatus.COMPLETED_WITH_WARNINGS) or fraction >= end:
        status = "Completed"
    elif fraction < start:
        status = "NotStarted" if not j.status.is_terminal else str(j.status)
    else:
        status = "InProgress" if not j.status.is_terminal else str(j.status)
    span = max(end - start, 1e-9)
    task_progress = 100.0 if status == "Completed" else max(0.0, min(99.0, (fraction - start) / span * 100))
    return {"taskId": task_id, "status": status, "progressPercentage": round(task_progress, 1),
            "duration": iso_duration(max(0.0, min(fraction, end) - start) * _total_seconds(j)),
            "startTime": iso(j.start) if status != "NotStarted" else None,
            "endTime": iso(j.end) if status == "Completed" and j.end else None}


def _total_seconds(j: Job) -> float:
    return (j.planned_end - j.start).total_seconds() if j.planned_end else 0.0


def operation_status(op: Operation, now: datetime, resource_id: str | None = None,
                     with_job: bool = True) -> dict[str, Any]:
    status = op.status_at(now)
    body: dict[str, Any] = {"id": resource_id or op.id, "name": op.id, "status": str(status),
                            "startTime": iso(op.start),
                            "endTime": iso(op.done_at) if status is not OperationStatus.IN_PROGRESS else NEVER}
    if status is OperationStatus.FAILED and op.error:
        body["error"] = {"code": op.error.code, "message": op.error.message}
    if status is OperationStatus.SUCCEEDED:
        if op.kind == "validate" and op.validation is not None:
            body["properties"] = {"objectType": "OperationStatusValidateOperationExtendedInfo",
                                  **validate_response(op.validation)}
        elif op.job_name and with_job and op.kind in ("restore", "crr"):
            body["properties"] = {"objectType": "OperationStatusJobExtendedInfo", "jobId": op.job_name}
    return body


def validate_response(problems: list[Problem]) -> dict[str, Any]:
    """`ValidateOperationsResponse` (`ValidateOperation_RestoreDisk.json`)."""
    return {"validateOperationResponse": {"validationResults": [
        {"code": p.code, "message": p.message, "recommendations": list(p.recommendations)} for p in problems]}}


def virtual_machine(vm: VirtualMachine) -> dict[str, Any]:
    """VirtualMachines_Get, the fields the emulator knows."""
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
    if vm.tags:
        body["tags"] = dict(vm.tags)
    return body


def vault(v: Vault) -> dict[str, Any]:
    """Vaults_Get, the fields the emulator knows."""
    return {
        "id": v.id, "name": v.name, "type": "Microsoft.RecoveryServices/vaults", "location": v.region,
        "sku": {"name": "RS0", "tier": "Standard"},
        "properties": {
            "provisioningState": "Succeeded",
            "redundancySettings": {"standardTierStorageRedundancy": "GeoRedundant",
                                   "crossRegionRestore": "Enabled" if v.cross_region_restore else "Disabled"},
        },
    }


def aad_properties(aad: AadProperties) -> dict[str, Any]:
    """AadProperties_Get (`BackupAadProperties_Get.json`)."""
    return {"id": f"/subscriptions/{aad.subscription}",
            "properties": {"audience": aad.audience, "servicePrincipalObjectId": aad.service_principal_object_id,
                           "tenantId": aad.tenant_id}}


def crr_access_token(grant: CrrGrant) -> dict[str, Any]:
    """RecoveryPoints_GetAccessToken (`GetAccessToken_Get.json`): a `WorkloadCrrAccessToken`."""
    vault, item, rp = grant.vault, grant.item, grant.point
    short = ids.short_container(item.container_name)
    props = {"objectType": "WorkloadCrrAccessToken", "accessTokenString": grant.token.token,
             "backupManagementType": "AzureIaasVM", "containerName": short, "containerType": "IaasVMContainer",
             "coordinatorServiceStampUri": f"https://{vault.secondary_region}-coord1.backup.windowsazure.com",
             "datasourceContainerName": short, "datasourceId": item.protected_item_data_id,
             "datasourceName": item.vm_name, "datasourceType": "VM",
             "protectionServiceStampId": _uuid5(vault.region),
             "protectionServiceStampUri": f"https://{vault.region}-prot1.backup.windowsazure.com",
             "recoveryPointId": rp.name, "recoveryPointTime": f"{rp.time:%m/%d/%Y %I:%M:%S %p}".lstrip("0"),
             "resourceGroupName": vault.resource_group, "resourceId": item.protected_item_data_id,
             "resourceName": vault.name, "subscriptionId": vault.subscription,
             "rpTierInformation": dict(rp.tiers), "rpIsManagedVirtualMachine": True,
             "rpOriginalSAOption": False, "rpVMSizeDescription": rp.vm_size, "bMSActiveRegion": vault.region,
             "protectableObjectUniqueName": item.item_name.lower(),
             "tokenExtendedInformation": f"<IaaSVMRecoveryPointMetadataBase><RecoveryPointConsistencyType>"
                                         f"{rp.type}</RecoveryPointConsistencyType><RecoveryPointTime>"
                                         f"{iso(rp.time)}</RecoveryPointTime></IaaSVMRecoveryPointMetadataBase>"}
    return {"id": f"{item.id}/recoveryPoints/{rp.name}", "name": rp.name, "type": RP_TYPE, "properties": props}


def _uuid5(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def page(values: list[dict[str, Any]], next_link: str | None) -> dict[str, Any]:
    """One page of a pageable list (`x-ms-pageable`, `nextLinkName: nextLink`)."""
    return {"value": values, "nextLink": next_link}


def msi_token(token: ArmToken, expires_on: int) -> dict[str, Any]:
    """The App Service managed identity answer (azure-identity `app_service.py`; `expires_on` as a string)."""
    return {"access_token": token.token, "expires_on": str(expires_on), "resource": token.resource,
            "token_type": "Bearer", "client_id": "00000000-0000-0000-0000-00000000e1e1"}


def msi_error(status: int, message: str, correlation_id: str) -> dict[str, Any]:
    return {"statusCode": status, "message": message, "correlationId": correlation_id}
