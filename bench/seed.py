"""An emulator seed (format: docs/emulator.md) with enough protected VMs for N concurrent restores.

The service refuses a second restore while one runs on the same item, so every concurrent restore needs its own VM.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

BENCH_SUBSCRIPTION = "33333333-3333-3333-3333-333333333333"
FOREIGN_SUBSCRIPTION = "44444444-4444-4444-4444-444444444444"
PRIMARY, SECONDARY = "westeurope", "northeurope"


OUTSIDE_GROUP = "rg-bench-outside"  # VMs the bench vault protects, in a group the bad-input scopes leave out


def vault_name(index: int) -> str:
    """The bench's vaults: `vault-bench`, then `vault-bench-2`, `vault-bench-3`, ..."""
    return "vault-bench" if index == 0 else f"vault-bench-{index + 1}"


def _vm(index: int, prefix: str = "vm-bench", group: str = "rg-bench", vault: str = "vault-bench") -> dict[str, Any]:
    return {
        "resourceGroup": group, "name": f"{prefix}-{index:04d}", "region": PRIMARY, "size": "Standard_B2s",
        "dataDiskCount": 1,
        "backup": {"vault": vault, "recoveryPoints": [
            {"ageHours": 2, "type": "AppConsistent"}, {"ageHours": 26, "type": "CrashConsistent"}]},
    }


def seed_doc(vm_count: int, foreign_vms: int = 0, outside_vms: int = 0, vaults: int = 1) -> dict[str, Any]:
    """A subscription with `vaults` CRR-enabled vaults, staging accounts in both regions and `vm_count` protected VMs
    spread round-robin over the vaults (plus `outside_vms` in `OUTSIDE_GROUP`, first vault); optionally a second
    ("foreign") subscription of the same shape with `foreign_vms` VMs in one vault."""
    bench = _subscription(BENCH_SUBSCRIPTION, vm_count, "vm-bench", vaults)
    if outside_vms:
        bench["resourceGroups"].append({"name": OUTSIDE_GROUP, "region": PRIMARY})
        bench["virtualMachines"] += [_vm(i, "vm-outside", OUTSIDE_GROUP) for i in range(outside_vms)]
    subscriptions = [bench]
    if foreign_vms:
        subscriptions.append(_subscription(FOREIGN_SUBSCRIPTION, foreign_vms, "vm-foreign"))
    return {"regionPairs": {PRIMARY: SECONDARY, SECONDARY: PRIMARY}, "subscriptions": subscriptions}


def _subscription(sub_id: str, vm_count: int, prefix: str, vaults: int = 1) -> dict[str, Any]:
    return {
        "id": sub_id,
        "resourceGroups": [{"name": "rg-bench", "region": PRIMARY}, {"name": "rg-bench-backup", "region": PRIMARY},
                           {"name": "rg-bench-restore", "region": PRIMARY},
                           {"name": "rg-bench-restore-ne", "region": SECONDARY}],
        "storageAccounts": [
            {"resourceGroup": "rg-bench-restore", "name": "benchstagingweu", "region": PRIMARY, "sku": "Standard_LRS"},
            {"resourceGroup": "rg-bench-restore-ne", "name": "benchstagingneu", "region": SECONDARY,
             "sku": "Standard_LRS"}],
        "vaults": [{"resourceGroup": "rg-bench-backup", "name": vault_name(k), "region": PRIMARY,
                    "crossRegionRestore": True} for k in range(vaults)],
        "virtualMachines": [_vm(i, prefix, vault=vault_name(i % vaults)) for i in range(vm_count)],
    }


def seed_with_vms(count: int, directory: Path | None = None, foreign_vms: int = 0, outside_vms: int = 0,
                  vaults: int = 1) -> Path:
    """Write a seed with `count` restorable VMs (at least one) over `vaults` vaults and return its path."""
    if directory is None:
        directory = Path(tempfile.mkdtemp(prefix="bench-seed-"))
        atexit.register(shutil.rmtree, directory, True)
    path = directory / f"seed-{count}-{foreign_vms}-{outside_vms}-{vaults}.json"
    path.write_text(json.dumps(seed_doc(max(1, count), foreign_vms, outside_vms, vaults)))
    return path
