"""Deterministic answers for `restore_vm`'s activities, the same script on both sides.

Plain JSON in the activities' wire shapes (`{"value": ..., "error": ...}`, camelCase), so the suite depends on
the app only through the names its function index registers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

SUB = "/subscriptions/00000000-0000-0000-0000-000000000001"
VM_ID = f"{SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-web-01"
VAULT_ID = f"{SUB}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-weu"
CONTAINER = "iaasvmcontainerv2;rg-app;vm-web-01"
ITEM_NAME = "vm;iaasvmcontainerv2;rg-app;vm-web-01"
ITEM_ID = f"{VAULT_ID}/backupFabrics/Azure/protectionContainers/{CONTAINER}/protectedItems/{ITEM_NAME}"
JOB_ID = "11111111-2222-3333-4444-555555555555"
ORDER = {"request": {"vmId": VM_ID, "mode": "restoreDisks",
                     "storageAccountId": f"{SUB}/resourceGroups/rg-restore/providers/Microsoft.Storage/"
                                         "storageAccounts/stagingweu"},
         "requestedAt": "2030-01-01T00:00:00Z", "source": "http"}


def _job(status: str, terminal: bool, progress: float) -> dict[str, Any]:
    return {"jobId": JOB_ID, "status": status, "isTerminal": terminal, "operation": "Restore",
            "progress": progress, "propertyBag": {"Config Blob Uri": "https://stagingweu.blob/config.json"}}


@dataclass
class RestoreFakes:
    """The service as a script: how many polls things take, which calls fail transiently first."""

    operation_polls: int = 1
    job_polls: int = 3
    transient: dict[str, int] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    cancelled: bool = False

    def __call__(self, name: str, value: Any) -> tuple[Any, str | None]:
        self.calls[name] += 1
        if self.calls[name] <= self.transient.get(name, 0):
            return {"value": None, "error": {"code": "TooManyRequests", "message": "throttled", "status": 429,
                                             "transient": True, "retryAfter": 5}}, None
        return {"value": getattr(self, name)(value), "error": None}, None

    def get_restore_settings(self, _: Any) -> dict[str, Any]:
        return {"retryAfterDefault": 30, "retryAfterMax": 600, "jobPollInterval": 60, "restoreTimeoutHours": 48,
                "validateBeforeRestore": True, "allowedScopes": ["/subscriptions/" + VM_ID.split("/")[2]]}

    def resolve_backup_item(self, _: Any) -> dict[str, Any]:
        return {"vmId": VM_ID, "vmRegion": "westeurope", "vaultId": VAULT_ID, "vaultRegion": "westeurope",
                "fabricName": "Azure", "containerName": CONTAINER, "protectedItemName": ITEM_NAME,
                "protectedItemId": ITEM_ID}

    def select_recovery_point(self, _: Any) -> dict[str, Any]:
        return {"id": f"{ITEM_ID}/recoveryPoints/1234", "name": "1234", "time": "2029-12-31T22:00:00Z",
                "type": "AppConsistent", "tiers": [{"type": "InstantRP", "status": "Valid"}]}

    def validate_restore(self, _: Any) -> dict[str, Any]:
        return {"results": []}

    def trigger_restore(self, _: Any) -> dict[str, Any]:
        return {"statusUrl": f"https://management.azure.com{VAULT_ID}/operationStatus/op-1", "retryAfter": 60}

    def get_operation_status(self, _: Any) -> dict[str, Any]:
        if self.calls["get_operation_status"] <= self.operation_polls:
            return {"status": "InProgress"}
        return {"status": "Succeeded", "jobId": JOB_ID}

    def get_restore_job(self, _: Any) -> dict[str, Any]:
        if self.cancelled:
            return _job("Cancelled", True, 40.0)
        polls = self.calls["get_restore_job"]
        if polls <= self.job_polls:
            return _job("InProgress", False, 100.0 * polls / (self.job_polls + 1))
        return _job("Completed", True, 100.0)

    def cancel_restore_job(self, _: Any) -> dict[str, Any]:
        self.cancelled = True
        return {"accepted": True}

    def notify_callback(self, _: Any) -> dict[str, Any]:
        return {"status": 200}
