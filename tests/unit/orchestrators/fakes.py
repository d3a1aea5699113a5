"""Canned activity results for replay tests: a fake Azure that answers each activity by name."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from azbackup.errors import ErrorInfo
from restore.values import ActivityResult

SUB = "00000000-0000-0000-0000-000000000001"
VM_ID = f"/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1"
VAULT_ID = f"/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.RecoveryServices/vaults/vault1"
ITEM_ID = (f"{VAULT_ID}/backupFabrics/Azure/protectionContainers/IaasVMContainer;iaasvmcontainerv2;rg1;vm1"
           "/protectedItems/VM;iaasvmcontainerv2;rg1;vm1")
STORAGE_ID = f"/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/staging1"
VNET_ID = f"/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/vnet1"
STATUS_URL = f"https://management.azure.com{ITEM_ID}/operationsStatus/op-1?api-version=2019-05-13"
JOB_ID = "11111111-2222-3333-4444-555555555555"

ITEM = {"vmId": VM_ID, "vmRegion": "westeurope", "vaultId": VAULT_ID, "containerName":
        "IaasVMContainer;iaasvmcontainerv2;rg1;vm1", "protectedItemName": "VM;iaasvmcontainerv2;rg1;vm1",
        "protectedItemId": ITEM_ID, "secondaryRegion": "northeurope"}
POINT = {"id": f"{ITEM_ID}/recoveryPoints/348916168024334", "name": "348916168024334",
         "time": "2026-02-28T22:00:00Z", "type": "AppConsistent",
         "tiers": [{"type": "InstantRP", "status": "Valid"}, {"type": "HardenedRP", "status": "Valid"}]}
SETTINGS = {"retryAfterDefault": 30, "retryAfterMax": 600, "jobPollInterval": 60, "restoreTimeoutHours": 48,
            "validateBeforeRestore": True, "allowedScopes": [f"/subscriptions/{SUB}"]}


def ok(value: dict[str, Any]) -> dict[str, Any]:
    return ActivityResult.ok(value)


def err(code: str, message: str = "it failed", *, transient: bool = False, retry_after: int | None = None,
        status: int | None = None, recommendations: list[str] | None = None) -> dict[str, Any]:
    return ActivityResult.fail(ErrorInfo(code=code, message=message, transient=transient, retry_after=retry_after,
                                         status=status, recommendations=recommendations or []))


def job(status: str, progress: float | None = None, **extra: Any) -> dict[str, Any]:
    terminal = status in ("Completed", "CompletedWithWarnings", "Failed", "Cancelled")
    return {"jobId": JOB_ID, "status": status, "isTerminal": terminal, "progress": progress, **extra}


def order(**request: Any) -> dict[str, Any]:
    body = {"vmId": VM_ID, "recoveryPointPolicy": "latest", "mode": "restoreDisks", "storageAccountId": STORAGE_ID,
            **request}
    if body.get("crossRegion") and "targetResourceGroupId" not in body:
        # A cross-region restore names its target group (restore/request.py, az CLI `validate_crr`).
        body["targetResourceGroupId"] = STORAGE_ID.split("/providers/")[0]
    return {"request": body, "requestedAt": "2026-03-01T07:59:00Z", "source": "http"}


class FakeAzure:
    """Answers activities by name: a queued script first (`then`), else a default; records every call."""

    def __init__(self, settings: dict[str, Any] | None = None, job_polls: int = 2,
                 final_job: dict[str, Any] | None = None) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.script: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.defaults: dict[str, dict[str, Any]] = {
            "get_restore_settings": ok({**SETTINGS, **(settings or {})}),
            "resolve_backup_item": ok(ITEM),
            "select_recovery_point": ok(POINT),
            "validate_restore": ok({"results": []}),
            "trigger_restore": ok({"statusUrl": STATUS_URL, "retryAfter": 60, "reused": False}),
            "get_operation_status": ok({"status": "Succeeded", "jobId": JOB_ID, "retryAfter": 60}),
            "find_restore_job": ok({"jobId": JOB_ID}),
            "get_restore_job": ok(final_job or job("Completed", 100.0, duration="PT20M")),
            "cancel_restore_job": ok({"accepted": True}),
            "notify_callback": ok({"status": 200}),
            "publish_event": ok({"published": True, "status": 200}),
            "get_resource_group_tags": ok({"tags": {"env": "prod"}}),
        }
        self.then("get_restore_job", *[ok(job("InProgress", 10.0 * (i + 1))) for i in range(job_polls)])

    def then(self, name: str, *results: dict[str, Any]) -> FakeAzure:
        self.script[name].extend(results)
        return self

    def answer(self, name: str, payload: Any) -> dict[str, Any]:
        self.calls.append((name, payload))
        return self.script[name].pop(0) if self.script[name] else self.defaults[name]

    def handlers(self) -> dict[str, Any]:
        return {name: (lambda payload, n=name: self.answer(n, payload)) for name in self.defaults}

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def inputs(self, name: str) -> list[Any]:
        return [payload for n, payload in self.calls if n == name]
