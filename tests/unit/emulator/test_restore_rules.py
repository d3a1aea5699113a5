"""Validation rules applied to restore triggers, on a manual clock."""

from __future__ import annotations

import pytest

from emulator.backend import Backend
from emulator.exceptions import EmulatorError
from tests.unit.emulator.conftest import inventory, item_of, newest_usable, restore_disks, storage


def _trigger_error(backend: Backend, body: dict, vm: str = "vm-web-01", rp: str | None = None) -> EmulatorError:
    vault, item = item_of(backend, vm)
    with pytest.raises(EmulatorError) as info:
        backend.restores.trigger(vault, item, rp or newest_usable(item), body)
    return info.value


def test_restore_is_accepted_with_a_standard_staging_account_in_the_vault_region(backend: Backend) -> None:
    vault, item = item_of(backend, "vm-web-01")
    op = backend.restores.trigger(vault, item, newest_usable(item),
                                 restore_disks(item, newest_usable(item), storage(backend, "westeurope")))
    assert str(op.job_name).lower() in backend.state.jobs


@pytest.mark.parametrize(("sku", "region", "code"), [
    ("Standard_ZRS", "westeurope", "UserErrorStorageAccountTypeNotSupported"),
    ("Premium_LRS", "westeurope", "UserErrorStorageAccountTypeNotSupported"),
    ("Standard_LRS", "northeurope", "UserErrorStorageAccountLocationMismatch"),
])
def test_restore_fails_with_an_unusable_staging_account(backend: Backend, sku: str, region: str, code: str) -> None:
    _, item = item_of(backend, "vm-web-01")
    rp = newest_usable(item)
    error = _trigger_error(backend, restore_disks(item, rp, storage(backend, region, sku)))
    assert (error.status, error.code) == (400, code)


def test_restore_fails_when_storage_account_is_missing(backend: Backend) -> None:
    _, item = item_of(backend, "vm-web-01")
    missing = storage(backend, "westeurope") + "nope"
    assert _trigger_error(backend, restore_disks(item, newest_usable(item), missing)).code == \
        "UserErrorStorageAccountNotFound"


def test_restore_fails_when_recovery_point_is_missing(backend: Backend) -> None:
    _, item = item_of(backend, "vm-web-01")
    error = _trigger_error(backend, restore_disks(item, "42", storage(backend, "westeurope")), rp="42")
    assert error.status == 404


def test_restore_of_archive_only_point_needs_rehydration(backend: Backend) -> None:
    vault, item = item_of(backend, "vm-web-01")
    archived = next(rp.name for rp in item.points.values() if rp.is_archive_only)
    account = storage(backend, "westeurope")
    error = _trigger_error(backend, restore_disks(item, archived, account), rp=archived)
    assert error.code == "UserErrorRecoveryPointNotRehydrated"
    body = restore_disks(item, archived, account, recoveryPointRehydrationInfo={
        "rehydrationPriority": "Standard", "rehydrationRetentionDuration": "P7D"})
    body["properties"]["objectType"] = "IaasVMRestoreWithRehydrationRequest"
    assert backend.restores.trigger(vault, item, archived, body).job_name


def test_restore_fails_for_luns_the_point_does_not_have(backend: Backend) -> None:
    _, item = item_of(backend, "vm-web-01")
    rp = newest_usable(item)
    body = restore_disks(item, rp, storage(backend, "westeurope"), restoreDiskLunList=[0, 7])
    assert _trigger_error(backend, body).code == "UserErrorInvalidDiskLun"


def test_alternate_location_needs_existing_group_vnet_and_subnet(backend: Backend) -> None:
    _, item = item_of(backend, "vm-web-01")
    inv = inventory(backend)
    subnet = next(s for s in inv["subnets"] if s["region"] == "westeurope")
    body = restore_disks(item, newest_usable(item), storage(backend, "westeurope"), recoveryType="AlternateLocation",
                         targetResourceGroupId=item.vm_id.split("/providers/")[0] + "-missing",
                         targetVirtualMachineId=item.vm_id + "-new", virtualNetworkId=subnet["vnetId"],
                         subnetId=subnet["id"])
    assert _trigger_error(backend, body).code == "UserErrorTargetResourceGroupNotFound"
    body["properties"]["targetResourceGroupId"] = item.vm_id.split("/providers/")[0]
    body["properties"]["subnetId"] = subnet["vnetId"] + "/subnets/missing"
    assert _trigger_error(backend, body).code == "UserErrorSubnetNotFound"


def test_second_restore_on_the_same_item_is_refused_while_one_runs(backend: Backend) -> None:
    vault, item = item_of(backend, "vm-web-01")
    rp = newest_usable(item)
    body = restore_disks(item, rp, storage(backend, "westeurope"))
    backend.restores.trigger(vault, item, rp, body)
    error = _trigger_error(backend, body)
    assert (error.status, error.code) == (409, "UserErrorAnotherRestoreInProgressOnSameTarget")


def test_validate_reports_problems_and_scenario_errors_as_results(backend: Backend) -> None:
    vault, item = item_of(backend, "vm-web-01")
    rp = newest_usable(item)
    request = restore_disks(item, rp, storage(backend, "westeurope", "Standard_ZRS"))["properties"]
    body = {"properties": {"objectType": "ValidateIaasVMRestoreOperationRequest", "restoreRequest": request}}
    assert [r.code for r in backend.restores.validate(vault, body)] == ["UserErrorStorageAccountTypeNotSupported"]
    backend.set_scenario({"validationErrors": [{"code": "UserErrorCoreCountSubscriptionQuotaReached",
                                                "message": "quota", "recommendations": ["ask"]}]})
    request["storageAccountId"] = storage(backend, "westeurope")
    assert [r.code for r in backend.restores.validate(vault, body)] == ["UserErrorCoreCountSubscriptionQuotaReached"]
