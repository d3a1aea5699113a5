"""Wire shapes of emulator resources, as in the official examples."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from emulator import ids
from emulator.clock import NEVER, iso, iso_duration
from emulator.lifecycle import Job, JobStatus, Operation, OperationStatus
from emulator.resources import ProtectedItem, RecoveryPoint

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


def protected_item(item: ProtectedItem, vault_id: str) -> dict[str, Any]:
    latest = item.sorted_points()[0].time if item.points else None
    return {"id": item.id, "name": item.item_name, "type": ITEM_TYPE, "properties": {
        "protectedItemType": "Microsoft.Compute/virtualMachines", "backupManagementType": "AzureIaasVM",
        "workloadType": "VM", "containerName": ids.short_container(item.container_name),
        "friendlyName": item.vm_name, "virtualMachineId": item.vm_id, "sourceResourceId": item.vm_id,
        "protectionStatus": "Healthy", "protectionState": "Protected", "healthStatus": "Passed",
        "lastBackupStatus": "Completed", "lastBackupTime": iso(latest), "lastRecoveryPoint": iso(latest),
        "policyId": f"{vault_id}/backupPolicies/{item.policy_name}", "policyName": item.policy_name,
        "policyType": "V2", "protectedItemDataId": item.protected_item_data_id,
        "extendedInfo": {"recoveryPointCount": len(item.points),
                         "oldestRecoveryPoint": iso(item.sorted_points()[-1].time) if item.points else None}}}


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
        props["errorDetails"] = [dict(j.error)]
    if extended:
        props["extendedInfo"] = _extended_info(j, now)
    if j.region:
        job_id = f"/subscriptions/{j.subscription}/providers/microsoft.recoveryservices/locations/{j.region}" \
                 f"/backupJobs/{j.name}"
    else:
        job_id = f"{j.vault_id}/backupJobs/{j.name}"
    return {"id": job_id, "name": j.name, "type": JOB_TYPE, "properties": props}


def _extended_info(j: Job, now: datetime) -> dict[str, Any]:
    progress = j.progress(now)
    tasks = []
    for task in j.tasks:
        tasks.append(_task(j, task.task_id, task.start_fraction, task.end_fraction, progress))
    info: dict[str, Any] = {"tasksList": tasks, "propertyBag": dict(j.property_bag),
                            "progressPercentage": float(progress),
                            "estimatedRemainingDuration": iso_duration(j.remaining(now))}
    if j.status is JobStatus.FAILED and j.error:
        info["dynamicErrorMessage"] = j.error.get("errorString", "")
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
        body["error"] = dict(op.error)
    if status is OperationStatus.SUCCEEDED:
        if op.kind == "validate" and op.result is not None:
            body["properties"] = {"objectType": "OperationStatusValidateOperationExtendedInfo", **op.result}
        elif op.job_name and with_job and op.kind in ("restore", "crr"):
            body["properties"] = {"objectType": "OperationStatusJobExtendedInfo", "jobId": op.job_name}
    return body
