"""A backend on a manual clock with the demo seed, and helpers to build restore requests from the inventory."""

from __future__ import annotations

from typing import Any

import pytest

from emulator import serialize_admin
from emulator.backend import Backend
from emulator.clock import ManualClock
from emulator.lifecycle import Job, Operation
from emulator.resources import ProtectedItem, Vault


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def backend(clock: ManualClock) -> Backend:
    return Backend(clock)


def inventory(backend: Backend) -> dict[str, Any]:
    """`GET /_emulator/inventory`, without HTTP."""
    backend.tick()
    return serialize_admin.inventory(backend.state.world)


def job_of(backend: Backend, op: Operation) -> Job:
    return backend.state.jobs[str(op.job_name).lower()]


def vm_entry(backend: Backend, name: str) -> dict[str, Any]:
    return next(vm for vm in inventory(backend)["vms"] if vm["name"] == name)


def item_of(backend: Backend, name: str) -> tuple[Vault, ProtectedItem]:
    vm = vm_entry(backend, name)
    item = backend.state.world.item_for_vm(vm["id"])
    assert item is not None
    return backend.state.world.vaults[item.vault_id.lower()], item


def storage(backend: Backend, region: str, sku: str = "Standard_LRS") -> str:
    accounts = inventory(backend)["storageAccounts"]
    return next(sa["id"] for sa in accounts if sa["region"] == region and sa["sku"] == sku)


def group(backend: Backend, region: str) -> str:
    """A resource group in `region` (a cross-region restore needs one in the secondary region)."""
    return next(rg["id"] for rg in inventory(backend)["resourceGroups"] if rg["region"] == region)


def restore_disks(item: ProtectedItem, rp: str, account: str, **extra: Any) -> dict[str, Any]:
    return {"properties": {"objectType": "IaasVMRestoreRequest", "recoveryPointId": rp, "recoveryType": "RestoreDisks",
                           "sourceResourceId": item.vm_id, "storageAccountId": account, **extra}}


def newest_usable(item: ProtectedItem) -> str:
    return next(rp.name for rp in item.sorted_points() if not rp.is_archive_only)
