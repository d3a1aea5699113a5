"""Restore, validate and cancel rules of the backend (primary region; CRR reuses `start_restore`)."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from emulator import ids
from emulator.exceptions import BadRequest, Conflict, EmulatorError
from emulator.lifecycle import Job, JobStatus, Operation, OperationStatus, Task
from emulator.restore_effects import apply_restore, initial_property_bag
from emulator.scenario import JobOutcome, OperationOutcome
from emulator.validation import Problem, check_restore

if TYPE_CHECKING:
    from emulator.backend import Backend
    from emulator.resources import ProtectedItem, RecoveryPoint, Vault

log = logging.getLogger(__name__)

RESTORE_OPERATIONS = ("Restore", "CrossRegionRestore")
JOB_ERROR = {"errorCode": 400002, "errorTitle": "UserErrorRestoreFailed",
             "errorString": "Restore failed: the disks could not be created from the recovery point.",
             "recommendations": ["Retry the restore. If it fails again, contact Microsoft support."]}
JOB_WARNING = {"errorCode": 100083, "errorTitle": "UserErrorRestoreCompletedWithWarnings",
               "errorString": "The restore completed, but the VM extensions could not be configured.",
               "recommendations": ["Reinstall the VM extensions on the restored VM."]}
OPERATION_ERROR = {"code": "UserErrorRestoreOperationFailed",
                   "message": "The restore operation failed before a job was created. Retry the operation."}


def raise_problem(problem: Problem) -> None:
    raise EmulatorError(problem.code, problem.message, status=problem.status)


class RestoreMixin:
    def trigger_restore(self: Backend, vault: Vault, item: ProtectedItem, rp_name: str,
                        body: dict[str, Any]) -> Operation:
        """Validate and start a primary-region restore. Raises: EmulatorError with the service's code."""
        request = body.get("properties")
        if not isinstance(request, dict):
            raise BadRequest("BMSUserErrorInvalidInput", "The request body must have a 'properties' object.")
        rp = self.get_point(item, rp_name)
        if request.get("recoveryPointId") not in (None, rp_name):
            raise BadRequest("BMSUserErrorInvalidInput", "properties.recoveryPointId does not match the URL.")
        problems = check_restore(self.world, item, rp, request, vault.region)
        if problems:
            raise_problem(problems[0])
        self.refuse_if_busy(item)
        return self.start_restore(item, rp, request, vault.region, crr=False)

    def refuse_if_busy(self: Backend, item: ProtectedItem) -> None:
        for job in self.jobs.values():
            same_item = job.vm_id is not None and ids.key(job.vm_id) == ids.key(item.vm_id)
            if same_item and job.operation in RESTORE_OPERATIONS and not job.status.is_terminal:
                raise Conflict("UserErrorAnotherRestoreInProgressOnSameTarget",
                               f"Another restore job ({job.name}) is in progress on the same item. Cancel it or wait "
                               "for it to complete.")

    def start_restore(self: Backend, item: ProtectedItem, rp: RecoveryPoint, request: dict[str, Any],
                      region: str, crr: bool) -> Operation:
        now, sc = self.clock.now(), self.scenario
        op_failed = sc.operation_result is OperationOutcome.FAILED
        op = Operation(str(uuid.uuid4()), "crr" if crr else "restore", now,
                       now + timedelta(seconds=sc.operation_seconds),
                       OperationStatus.FAILED if op_failed else OperationStatus.SUCCEEDED,
                       error=dict(OPERATION_ERROR) if op_failed else None, region=region,
                       subscription=ids.sub_of(item.vault_id), retry_after=sc.retry_after_seconds)
        job = self._new_restore_job(item, rp, request, region, crr, now)
        job.planned_end = op.done_at if op_failed else max(now + timedelta(seconds=sc.job_seconds), op.done_at)
        job.outcome = JobStatus.FAILED if op_failed else JobStatus(sc.job_result.value)
        if job.outcome is JobStatus.FAILED:
            job.error = ({"errorCode": 400001, "errorTitle": OPERATION_ERROR["code"],
                          "errorString": OPERATION_ERROR["message"], "recommendations": []}
                         if op_failed else dict(JOB_ERROR))
        elif sc.job_result is JobOutcome.COMPLETED_WITH_WARNINGS:
            job.error = dict(JOB_WARNING)
        op.job_name = job.name
        self.jobs[job.name.lower()] = job
        self.operations[op.id.lower()] = op
        log.info("restore.accepted", extra={"job_id": job.name, "operation_id": op.id, "crr": crr})
        return op

    def _new_restore_job(self: Backend, item: ProtectedItem, rp: RecoveryPoint, request: dict[str, Any],
                         region: str, crr: bool, now: datetime) -> Job:
        vault = self.world.vaults[ids.key(item.vault_id)]
        luns = request.get("restoreDiskLunList") or rp.luns
        restore = {"recoveryType": request["recoveryType"], "region": region, "vmId": item.vm_id,
                   "vmName": item.vm_name, "rpName": rp.name, "rpTime": rp.time, "luns": list(luns),
                   "storageAccountId": request.get("storageAccountId")
                   or (request.get("identityBasedRestoreDetails") or {}).get("targetStorageAccountId"),
                   "targetResourceGroupId": request.get("targetResourceGroupId"),
                   "targetVirtualMachineId": request.get("targetVirtualMachineId"),
                   "subnetId": request.get("subnetId"), "vmSize": rp.vm_size, "zones": request.get("zones")}
        tasks = [Task("Transfer data", 0.0, 0.85 if request["recoveryType"] != "RestoreDisks" else 1.0)]
        if request["recoveryType"] == "AlternateLocation":
            tasks.append(Task("Create VM", 0.85, 1.0))
        elif request["recoveryType"] == "OriginalLocation":
            tasks.append(Task("Replace disks", 0.85, 1.0))
        return Job(str(uuid.uuid4()), "CrossRegionRestore" if crr else "Restore", item.vm_name, now,
                   vault_id=None if crr else vault.id, region=region if crr else None,
                   subscription=vault.subscription, vm_id=item.vm_id,
                   activity_id=f"{uuid.uuid4()}-{now:%Y-%m-%dT%H:%M:%SZ}-Ibz", tasks=tasks, restore=restore,
                   property_bag=initial_property_bag(restore))

    def on_job_finished(self: Backend, job: Job) -> None:
        if job.restore and job.status in (JobStatus.COMPLETED, JobStatus.COMPLETED_WITH_WARNINGS):
            apply_restore(self.world, job)

    def cancel_job(self: Backend, vault: Vault, job_name: str) -> Operation:
        self.tick()
        job = self.get_job(job_name, vault=vault)
        if not job.is_cancellable:
            raise BadRequest("BMSUserErrorJobNotCancellable",
                             f"The job '{job.name}' is in status '{job.status}' and cannot be cancelled.")
        now = self.clock.now()
        job.request_cancel(now, self.scenario.cancel_seconds)
        assert job.cancel_done_at is not None
        op = Operation(str(uuid.uuid4()), "cancel", now, job.cancel_done_at, job_name=job.name,
                       retry_after=self.scenario.retry_after_seconds)
        self.operations[op.id.lower()] = op
        return op

    def validate_restore(self: Backend, vault: Vault, body: dict[str, Any]) -> list[dict[str, Any]]:
        """The service's validation results for a restore request (empty list = valid)."""
        # Newer api-versions wrap the request in a resource ({id, properties}); older ones (e.g. 2024-04-01) do not.
        props = body if "objectType" in body else body.get("properties") or {}
        request = props.get("restoreRequest")
        if props.get("objectType") != "ValidateIaasVMRestoreOperationRequest" or not isinstance(request, dict):
            raise BadRequest("BMSUserErrorInvalidInput",
                             "properties must be a ValidateIaasVMRestoreOperationRequest with a restoreRequest.")
        item = self.world.item_for_vm(request.get("sourceResourceId") or "")
        results: list[Problem] = []
        if item is None or ids.key(item.vault_id) != ids.key(vault.id):
            results.append(Problem("BMSUserErrorItemNotFound", "The source VM is not protected by this vault."))
        elif request.get("recoveryPointId") not in item.points:
            results.append(Problem("BMSUserErrorRecoveryPointNotFound",
                                   f"Recovery point '{request.get('recoveryPointId')}' was not found."))
        else:
            results += check_restore(self.world, item, item.points[request["recoveryPointId"]], request, vault.region)
            try:
                self.refuse_if_busy(item)
            except Conflict as exc:
                results.append(Problem(exc.code, exc.message, 409))
        out = [{"code": p.code, "message": p.message, "recommendations": p.recommendations} for p in results]
        return out + [v.model_dump() for v in self.scenario.validation_errors]

    def trigger_validate(self: Backend, vault: Vault, body: dict[str, Any]) -> Operation:
        now = self.clock.now()
        results = self.validate_restore(vault, body)
        op = Operation(str(uuid.uuid4()), "validate", now, now + timedelta(seconds=self.scenario.validate_seconds),
                       result={"validateOperationResponse": {"validationResults": results}},
                       retry_after=self.scenario.validate_retry_after_seconds)
        self.operations[op.id.lower()] = op
        return op
