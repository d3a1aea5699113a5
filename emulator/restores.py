"""Restore rules (primary region; the CRR rules reuse `start`): trigger, validate, one restore at a time per item."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from emulator import ids
from emulator.clock import Clock
from emulator.exceptions import BadRequest, Conflict, EmulatorError
from emulator.lifecycle import Job, JobError, JobStatus, Operation, OperationError, OperationStatus, RestoreSpec, Task
from emulator.lookups import Lookups
from emulator.outage import RegionOutage
from emulator.resources import ProtectedItem, RecoveryPoint, Vault
from emulator.restore_effects import initial_property_bag
from emulator.scenario import JobOutcome, OperationOutcome
from emulator.state import ServiceState
from emulator.validation import Problem, check_restore, staging_account_id

log = logging.getLogger(__name__)

RESTORE_OPERATIONS = ("Restore", "CrossRegionRestore")
# The emulator's own failure texts: no public source gives the service's for these outcomes.
JOB_ERROR = JobError(400002, "UserErrorRestoreFailed",
                     "Restore failed: the disks could not be created from the recovery point.",
                     ("Retry the restore. If it fails again, contact Microsoft support.",))
JOB_WARNING = JobError(100083, "UserErrorRestoreCompletedWithWarnings",
                       "The restore completed, but the VM extensions could not be configured.",
                       ("Reinstall the VM extensions on the restored VM.",))
OPERATION_ERROR = OperationError("UserErrorRestoreOperationFailed",
                                 "The restore operation failed before a job was created. Retry the operation.")


def raise_problem(problem: Problem) -> None:
    raise EmulatorError(problem.code, problem.message, status=problem.status)


class Restores:
    def __init__(self, state: ServiceState, clock: Clock, lookups: Lookups, outage: RegionOutage) -> None:
        self.state = state
        self.clock = clock
        self.lookups = lookups
        self.outage = outage

    def trigger(self, vault: Vault, item: ProtectedItem, rp_name: str, body: dict[str, Any]) -> Operation:
        """Validate and start a primary-region restore. Raises: EmulatorError with the service's code."""
        request = body.get("properties")
        if not isinstance(request, dict):
            raise BadRequest("BMSUserErrorInvalidInput", "The request body must have a 'properties' object.")
        self.outage.check_restore_targets(request)
        rp = self.lookups.point(item, rp_name)
        if request.get("recoveryPointId") not in (None, rp_name):
            raise BadRequest("BMSUserErrorInvalidInput", "properties.recoveryPointId does not match the URL.")
        problems = check_restore(self.state.world, item, rp, request, vault.region)
        if problems:
            raise_problem(problems[0])
        self.refuse_if_busy(item)
        return self.start(item, rp, request, vault.region, crr=False)

    def refuse_if_busy(self, item: ProtectedItem) -> None:
        """Raises: Conflict while another restore (or CRR) job of the item runs."""
        for job in self.state.jobs.values():
            same_item = job.vm_id is not None and ids.key(job.vm_id) == ids.key(item.vm_id)
            if same_item and job.operation in RESTORE_OPERATIONS and not job.status.is_terminal:
                raise Conflict("UserErrorAnotherRestoreInProgressOnSameTarget",
                               f"Another restore job ({job.name}) is in progress on the same item. Cancel it or wait "
                               "for it to complete.")

    def start(self, item: ProtectedItem, rp: RecoveryPoint, request: dict[str, Any], region: str,
              crr: bool) -> Operation:
        """Create the operation and its job for a restore already validated."""
        now, sc = self.clock.now(), self.state.scenario
        op_failed = sc.operation_result is OperationOutcome.FAILED
        op = Operation(str(uuid.uuid4()), "crr" if crr else "restore", now,
                       now + timedelta(seconds=sc.operation_seconds),
                       OperationStatus.FAILED if op_failed else OperationStatus.SUCCEEDED,
                       error=OPERATION_ERROR if op_failed else None, region=region,
                       subscription=ids.sub_of(item.vault_id), retry_after=sc.retry_after_seconds)
        job = self._new_job(item, rp, request, region, crr, now)
        job.planned_end = op.done_at if op_failed else max(now + timedelta(seconds=sc.job_seconds), op.done_at)
        job.outcome = JobStatus.FAILED if op_failed else JobStatus(sc.job_result.value)
        if job.outcome is JobStatus.FAILED:
            job.error = JobError(400001, OPERATION_ERROR.code, OPERATION_ERROR.message) if op_failed else JOB_ERROR
        elif sc.job_result is JobOutcome.COMPLETED_WITH_WARNINGS:
            job.error = JOB_WARNING
        op.job_name = job.name
        self.state.add_job(job)
        self.state.add_operation(op)
        log.info("restore.accepted", extra={"job_id": job.name, "operation_id": op.id, "crr": crr})
        return op

    def _new_job(self, item: ProtectedItem, rp: RecoveryPoint, request: dict[str, Any], region: str, crr: bool,
                 now: datetime) -> Job:
        vault = self.lookups.vault_by_id(item.vault_id)
        spec = RestoreSpec(request["recoveryType"], region, item.vm_id, item.vm_name, rp.name, rp.time,
                           list(request.get("restoreDiskLunList") or rp.luns), staging_account_id(request),
                           request.get("targetResourceGroupId"), request.get("targetVirtualMachineId"),
                           request.get("subnetId"), rp.vm_size, request.get("zones"))
        tasks = [Task("Transfer data", 0.0, 0.85 if spec.recovery_type != "RestoreDisks" else 1.0)]
        if spec.recovery_type == "AlternateLocation":
            tasks.append(Task("Create VM", 0.85, 1.0))
        elif spec.recovery_type == "OriginalLocation":
            tasks.append(Task("Replace disks", 0.85, 1.0))
        report = self.state.scenario.progress_report(self._restore_count())
        return Job(str(uuid.uuid4()), "CrossRegionRestore" if crr else "Restore", item.vm_name, now,
                   vault_id=None if crr else vault.id, region=region if crr else None,
                   subscription=vault.subscription, vm_id=item.vm_id,
                   activity_id=f"{uuid.uuid4()}-{now:%Y-%m-%dT%H:%M:%SZ}-Ibz", tasks=tasks, restore=spec,
                   property_bag=initial_property_bag(spec), report=report)

    def _restore_count(self) -> int:
        return sum(1 for job in self.state.jobs.values() if job.operation in RESTORE_OPERATIONS)

    def validate(self, vault: Vault, body: dict[str, Any]) -> list[Problem]:
        """The service's validation results for a restore request (empty = valid). Raises: BadRequest for a body
        that is not a ValidateIaasVMRestoreOperationRequest."""
        # Newer api-versions wrap the request in a resource ({id, properties}); older ones (e.g. 2024-04-01) do not.
        props = body if "objectType" in body else body.get("properties") or {}
        request = props.get("restoreRequest")
        if props.get("objectType") != "ValidateIaasVMRestoreOperationRequest" or not isinstance(request, dict):
            raise BadRequest("BMSUserErrorInvalidInput",
                             "properties must be a ValidateIaasVMRestoreOperationRequest with a restoreRequest.")
        self.outage.check_restore_targets(request)
        item = self.lookups.item_for_vm(request.get("sourceResourceId") or "")
        results: list[Problem] = []
        if item is None or ids.key(item.vault_id) != ids.key(vault.id):
            results.append(Problem("BMSUserErrorItemNotFound", "The source VM is not protected by this vault."))
        elif request.get("recoveryPointId") not in item.points:
            results.append(Problem("BMSUserErrorRecoveryPointNotFound",
                                   f"Recovery point '{request.get('recoveryPointId')}' was not found."))
        else:
            results += check_restore(self.state.world, item, item.points[request["recoveryPointId"]], request,
                                     vault.region)
            try:
                self.refuse_if_busy(item)
            except Conflict as exc:
                results.append(Problem(exc.code, exc.message, 409))
        scenario = self.state.scenario
        return results + [Problem(v.code, v.message, 400, list(v.recommendations)) for v in scenario.validation_errors]

    def trigger_validate(self, vault: Vault, body: dict[str, Any]) -> Operation:
        """Start an async validation. Raises: BadRequest as `validate`."""
        now, sc = self.clock.now(), self.state.scenario
        op = Operation(str(uuid.uuid4()), "validate", now, now + timedelta(seconds=sc.validate_seconds),
                       validation=self.validate(vault, body), retry_after=sc.validate_retry_after_seconds)
        self.state.add_operation(op)
        return op
