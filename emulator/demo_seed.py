"""The built-in demo seed: two subscriptions, a CRR vault, multi-disk VMs, unprotected VMs, good and bad storage."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

SUB_PROD = "11111111-1111-1111-1111-111111111111"
SUB_OPS = "22222222-2222-2222-2222-222222222222"

_INSTANT = ["InstantRP", "HardenedRP"]
_VAULT_ONLY = [["InstantRP", "Deleted"], ["HardenedRP", "Valid"]]
_ARCHIVE_ONLY = [["InstantRP", "Deleted"], ["HardenedRP", "Deleted"], ["ArchivedRP", "Valid"]]


def _points(pattern: Sequence[tuple[float, str]], archive_age_hours: float | None = None) -> list[dict[str, Any]]:
    """Recovery points `ageHours` old, instant tier for the first 2 days, vault tier after, one archived point."""
    points: list[dict[str, Any]] = [
        {"ageHours": age, "type": kind, "tiers": _INSTANT if age <= 48 else _VAULT_ONLY} for age, kind in pattern
    ]
    if archive_age_hours is not None:
        points.append({"ageHours": archive_age_hours, "type": "AppConsistent", "tiers": _ARCHIVE_ONLY})
    return points


_WEEK = [(1, "CrashConsistent"), (6, "AppConsistent"), (13, "CrashConsistent"), (24, "AppConsistent"),
         (48, "AppConsistent"), (72, "CrashConsistent"), (96, "AppConsistent"), (120, "AppConsistent"),
         (144, "CrashConsistent"), (168, "AppConsistent")]


# The tags of the group that holds the demo VMs (RESTORE_ON_DELETE_TAGS filters on a deleted VM's group's tags).
APP_GROUP_TAGS = {"env": "prod", "app": "web"}


def demo_seed() -> dict[str, Any]:
    return {"subscriptions": [_prod(), _ops()]}


def _prod() -> dict[str, Any]:
    return {
        "id": SUB_PROD,
        "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "resourceGroups": [{"name": n, "region": r, "tags": APP_GROUP_TAGS if n == "rg-app" else {}} for n, r in [
            ("rg-app", "westeurope"), ("rg-backup", "westeurope"), ("rg-restore", "westeurope"),
            ("rg-net", "westeurope"), ("rg-restore-ne", "northeurope"), ("rg-net-ne", "northeurope")]],
        "virtualNetworks": [
            {"resourceGroup": "rg-net", "name": "vnet-app", "region": "westeurope", "subnets": ["default", "app"]},
            {"resourceGroup": "rg-net-ne", "name": "vnet-dr", "region": "northeurope", "subnets": ["default"]},
        ],
        "storageAccounts": [
            {"resourceGroup": "rg-restore", "name": "stagingweu", "region": "westeurope", "sku": "Standard_LRS"},
            {"resourceGroup": "rg-restore", "name": "stagingweugrs", "region": "westeurope", "sku": "Standard_GRS"},
            {"resourceGroup": "rg-restore", "name": "stagingweuzrs", "region": "westeurope", "sku": "Standard_ZRS"},
            {"resourceGroup": "rg-restore", "name": "stagingweuprem", "region": "westeurope", "sku": "Premium_LRS",
             "kind": "BlockBlobStorage"},
            {"resourceGroup": "rg-restore-ne", "name": "stagingneu", "region": "northeurope", "sku": "Standard_LRS"},
        ],
        "vaults": [{"resourceGroup": "rg-backup", "name": "vault-weu", "region": "westeurope",
                    "crossRegionRestore": True}],
        "virtualMachines": [
            {"resourceGroup": "rg-app", "name": "vm-web-01", "region": "westeurope", "size": "Standard_D4s_v3",
             "zone": 1, "osType": "Linux", "dataDiskCount": 2,
             "backup": {"vault": "vault-weu", "policy": "DailyPolicy", "recoveryPoints": _points(_WEEK, 2160)}},
            {"resourceGroup": "rg-app", "name": "vm-sql-01", "region": "westeurope", "size": "Standard_E8s_v5",
             "osType": "Windows", "dataDiskCount": 4, "encrypted": False,
             "backup": {"vault": "vault-weu", "policy": "EnhancedPolicy", "recoveryPoints": _points(_WEEK[::2])}},
            {"resourceGroup": "rg-app", "name": "vm-scratch-01", "region": "westeurope", "size": "Standard_B2s",
             "dataDiskCount": 1},
        ],
        "jobs": [
            {"vault": "vault-weu", "operation": "ConfigureBackup", "status": "Completed",
             "entityFriendlyName": "vm-web-01", "ageHours": 400, "durationSeconds": 31},
            {"vault": "vault-weu", "operation": "Backup", "status": "Completed", "entityFriendlyName": "vm-web-01",
             "ageHours": 24.2, "durationSeconds": 1500},
            {"vault": "vault-weu", "operation": "Backup", "status": "Completed", "entityFriendlyName": "vm-sql-01",
             "ageHours": 24.5, "durationSeconds": 2900},
        ],
    }


def _ops() -> dict[str, Any]:
    return {
        "id": SUB_OPS,
        "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "resourceGroups": [{"name": n, "region": r} for n, r in [
            ("rg-ops", "eastus"), ("rg-ops-backup", "eastus"), ("rg-ops-restore", "eastus"), ("rg-ops-net", "eastus")]],
        "virtualNetworks": [
            {"resourceGroup": "rg-ops-net", "name": "vnet-ops", "region": "eastus", "subnets": ["default"]}],
        "storageAccounts": [
            {"resourceGroup": "rg-ops-restore", "name": "stagingeus", "region": "eastus", "sku": "Standard_LRS"},
            {"resourceGroup": "rg-ops-restore", "name": "stagingwus", "region": "westus", "sku": "Standard_LRS"},
        ],
        "vaults": [{"resourceGroup": "rg-ops-backup", "name": "vault-eus", "region": "eastus",
                    "crossRegionRestore": False}],
        "virtualMachines": [
            {"resourceGroup": "rg-ops", "name": "vm-ops-01", "region": "eastus", "size": "Standard_D2s_v3",
             "dataDiskCount": 3,
             "backup": {"vault": "vault-eus", "recoveryPoints": _points(_WEEK[1::2], 1440)}},
            {"resourceGroup": "rg-ops", "name": "vm-ops-02", "region": "eastus", "size": "Standard_B2ms",
             "dataDiskCount": 0,
             "backup": {"vault": "vault-eus", "recoveryPoints": _points([(3, "CrashConsistent"),
                                                                         (27, "CrashConsistent"),
                                                                         (51, "CrashConsistent")])}},
            {"resourceGroup": "rg-ops", "name": "vm-jump-01", "region": "eastus", "size": "Standard_B1s"},
        ],
        "jobs": [{"vault": "vault-eus", "operation": "Backup", "status": "Completed",
                  "entityFriendlyName": "vm-ops-01", "ageHours": 6.1, "durationSeconds": 1200}],
    }
