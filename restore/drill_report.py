"""What a drill run reports (`GET /api/drills/runs/{id}`) and the pure rules it applies: the built-in validation
verdict from what the restored resources look like, and which of them cleanup may delete.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field

from azbackup.errors import ErrorInfo
from azbackup.models_common import Wire
from restore.drills import Drill, DrillMode
from restore.values import RecoveryPointInfo


class RunPhase(StrEnum):
    CHOOSING = "choosing"
    RESTORING = "restoring"
    VALIDATING = "validating"
    RETAINING = "retaining"  # restored resources kept until `retentionHours` have passed
    CLEANING = "cleaning"
    DONE = "done"


class Verdict(StrEnum):
    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"  # nothing to validate: the restore did not succeed


class Check(Wire):
    status: Verdict
    reasons: list[str] = Field(default_factory=list)


class DrillOrder(Wire):
    """The input of `restore_drill`: the drill as it was when the run started, and why it started."""

    drill: dict[str, Any]
    started_by: Literal["schedule", "manual"]
    scheduled_for: datetime | None = None
    requested_at: datetime

    def definition(self) -> Drill:
        return Drill.model_validate(self.drill)


class DrillVm(Wire):
    vm_id: str
    restore_id: str | None = None
    recovery_point: RecoveryPointInfo | None = None
    point_age_hours: float | None = None  # the recovery point objective achieved: point age at the restore's start
    restore_seconds: float | None = None  # the recovery time achieved: restore start to job end
    job_id: str | None = None
    restore_status: str | None = None
    created: list[str] = Field(default_factory=list)  # what the job reported as created (+ the new VM's NICs)
    validation: Check = Field(default_factory=lambda: Check(status=Verdict.PENDING))
    error: ErrorInfo | None = None


class Refusal(Wire):
    id: str
    reason: str


class Cleanup(Wire):
    status: Verdict = Verdict.PENDING
    deleted: list[str] = Field(default_factory=list)
    already_gone: list[str] = Field(default_factory=list)
    refused: list[Refusal] = Field(default_factory=list)
    failed: list[Refusal] = Field(default_factory=list)


class CustomVerdict(Wire):
    """`PUT /api/drills/runs/{id}/validation`."""

    status: Literal["passed", "failed"]
    message: str = Field(default="", max_length=2000)


class DrillReport(Wire):
    run_id: str
    drill: str
    started_by: str
    scheduled_for: datetime | None = None
    started_at: datetime
    ended_at: datetime | None = None
    phase: RunPhase = RunPhase.CHOOSING
    status: Literal["running", "passed", "failed"] = "running"
    vms: list[DrillVm] = Field(default_factory=list)
    custom_validation: Check | None = None
    cleanup: Cleanup = Field(default_factory=Cleanup)
    cleanup_after: datetime | None = None
    error: ErrorInfo | None = None


def running_view(report: DrillReport) -> dict[str, Any]:
    """The custom status of a running run: the report with each VM cut to its name and states and the cleanup to
    counts (custom status is limited to 16 KB of UTF-16, DURABLE-NOTES §5: 50 full VM reports would not fit). The
    full report is the run's output."""
    vms = [{"vm": vm.vm_id.rstrip("/").rsplit("/", 1)[-1][:64], "restoreStatus": vm.restore_status,
            "validation": vm.validation.status.value} for vm in report.vms]
    cleanup = report.cleanup
    head = report.model_dump(mode="json", by_alias=True, exclude={"vms", "cleanup", "error"})
    error = {"code": report.error.code, "message": report.error.message[:500]} if report.error else None
    return {**head, "error": error, "vms": vms,
            "cleanup": {"status": cleanup.status.value, "counts": {
                "deleted": len(cleanup.deleted), "alreadyGone": len(cleanup.already_gone),
                "refused": len(cleanup.refused), "failed": len(cleanup.failed)}}}


class RestoredFacts(Wire):
    """What `inspect_drill_restore` saw: the source disks, the restored disks, the new VM (absent = None)."""

    source_disks: list[dict[str, Any]] = Field(default_factory=list)  # [{sizeGb, sku}] of the source VM's disks
    restored_disks: dict[str, dict[str, Any] | None] = Field(default_factory=dict)  # disk ID -> {sizeGb, sku}
    vm: dict[str, Any] | None = None  # {provisioningState, powerState, nicIds}
    vm_expected: bool = False


def judge(facts: RestoredFacts) -> Check:
    """The built-in verdict: every restored disk exists and has a source disk of its size and SKU (each source disk
    matched once: the job does not say which disk became which); a new VM provisioned and running."""
    reasons: list[str] = []
    unmatched = [(d.get("sizeGb"), str(d.get("sku", "")).lower()) for d in facts.source_disks]
    for disk_id, disk in facts.restored_disks.items():
        name = disk_id.rsplit("/", 1)[-1]
        if disk is None:
            reasons.append(f"restored disk {name} does not exist")
            continue
        shape = (disk.get("sizeGb"), str(disk.get("sku", "")).lower())
        if shape in unmatched:
            unmatched.remove(shape)
        else:
            sources = ", ".join(f"{size} GB {sku}" for size, sku in sorted(unmatched, key=str)) or "none left"
            reasons.append(f"restored disk {name} ({disk.get('sizeGb')} GB {disk.get('sku')}) matches no source "
                           f"disk's size and SKU (source disks: {sources})")
    if facts.vm_expected:
        vm = facts.vm
        if vm is None:
            reasons.append("the restored VM does not exist")
        else:
            if str(vm.get("provisioningState", "")).lower() != "succeeded":
                reasons.append(f"the restored VM's provisioningState is {vm.get('provisioningState')}")
            if vm.get("powerState") != "running":
                reasons.append(f"the restored VM is not running (PowerState/{vm.get('powerState')})")
    return Check(status=Verdict.FAILED if reasons else Verdict.PASSED, reasons=reasons)


def cleanup_targets(drill: Drill, vms: list[DrillVm]) -> tuple[list[str], list[Refusal]]:
    """What cleanup deletes, VMs first (their disks and NICs can only go once detached), and what it refuses:
    anything outside the drill's target resource group."""
    order = {"virtualmachines": 0, "networkinterfaces": 1, "disks": 2}
    allowed: list[str] = []
    refused: list[Refusal] = []
    seen: set[str] = set()
    for resource_id in (r for vm in vms for r in vm.created):
        if resource_id.lower() in seen:
            continue
        seen.add(resource_id.lower())
        if drill.in_target_group(resource_id):
            allowed.append(resource_id)
        else:
            refused.append(Refusal(id=resource_id, reason="outside the drill's target resource group "
                                                          f"{drill.restore.target_resource_group_id}"))
    allowed.sort(key=lambda rid: order.get(rid.split("/")[-2].lower(), 3))
    return allowed, refused


def target_vm_name(source_vm_id: str, run_id: str) -> str:
    """The new VM's name: the source's, shortened, and a tag of the run (each run restores beside earlier ones)."""
    tag = hashlib.sha256(run_id.encode()).hexdigest()[:8]
    return f"{source_vm_id.rstrip('/').rsplit('/', 1)[-1][:40]}-drill-{tag}"


def restore_request(drill: Drill, vm_id: str, point_id: str, run_id: str) -> dict[str, Any]:
    """The `restore_vm` request of one VM of the drill: never replaceDisks, always inside the target group."""
    r = drill.restore
    body: dict[str, Any] = {"vmId": vm_id, "recoveryPointId": point_id, "mode": r.mode,
                            "storageAccountId": r.storage_account_id,
                            "targetResourceGroupId": r.target_resource_group_id,
                            "reason": f"restore drill {drill.name}, run {run_id}"}
    if r.mode == DrillMode.NEW_VM:
        body |= {"targetVmName": target_vm_name(vm_id, run_id), "targetVnetId": r.target_vnet_id,
                 "targetSubnetId": r.target_subnet_id}
    return body
