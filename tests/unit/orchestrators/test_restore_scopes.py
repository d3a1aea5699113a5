"""`restore_vm` checks RESTORE_ALLOWED_SCOPES again once the item is resolved, before anything is posted."""

from __future__ import annotations

import pytest

from restore.contract import parse_failure_output
from tests.unit.orchestrators.fakes import ITEM, ITEM_ID, SUB, VAULT_ID, VNET_ID, FakeAzure, err, ok, order
from tests.unit.orchestrators.replay import Replay, drive

OTHER_RG = f"/subscriptions/{SUB}/resourceGroups/rg-other"
FOREIGN_VM = f"{OTHER_RG}/providers/Microsoft.Compute/virtualMachines/vm-prod"
# The Bicep shape: the vault and the target resource group, not the VMs' own resource groups.
BICEP_SCOPES = [VAULT_ID, f"/subscriptions/{SUB}/resourceGroups/rg-restore"]
STAGING_OK = f"{BICEP_SCOPES[1]}/providers/Microsoft.Storage/storageAccounts/stagingok"
NOT_POSTED = {"validate_restore", "trigger_restore", "get_operation_status"}


def _run(fake: FakeAzure, **request: object) -> Replay:
    return drive(Replay("restore_vm", order(**request)), fake.handlers())


def _refusal(run: Replay) -> dict[str, object]:
    assert run.failure is not None, run.output
    outcome = parse_failure_output(run.failure)
    assert outcome is not None
    assert outcome["error"]["code"] == "RestoreScopeNotAllowed"
    return outcome


def test_replace_disks_by_item_id_is_refused_when_the_items_vm_is_out_of_scope() -> None:
    fake = FakeAzure(settings={"allowedScopes": BICEP_SCOPES})
    fake.then("resolve_backup_item", ok({**ITEM, "vmId": FOREIGN_VM}))
    run = _run(fake, vmId=None, protectedItemId=ITEM_ID, mode="replaceDisks", storageAccountId=STAGING_OK)
    outcome = _refusal(run)
    assert FOREIGN_VM in outcome["error"]["message"] and "replaced VM" in outcome["error"]["message"]
    assert outcome["phase"] == "resolving"
    assert NOT_POSTED.isdisjoint(fake.names())


def test_restore_disks_by_item_id_into_an_allowed_group_is_not_refused() -> None:
    fake = FakeAzure(settings={"allowedScopes": BICEP_SCOPES})
    fake.then("resolve_backup_item", ok({**ITEM, "vmId": FOREIGN_VM}))
    run = _run(fake, vmId=None, protectedItemId=ITEM_ID, targetResourceGroupId=BICEP_SCOPES[1],
               storageAccountId=STAGING_OK)
    assert run.failure is None and run.output["status"] == "succeeded"


@pytest.mark.parametrize(("name", "request_fields"), [
    ("source VM", {}),
    ("staging account", {"vmId": None, "protectedItemId": ITEM_ID}),
    ("new VM and its group", {"vmId": None, "protectedItemId": ITEM_ID, "mode": "newVm", "storageAccountId": STAGING_OK,
                              "targetResourceGroupId": OTHER_RG, "targetVmName": "vm9", "targetVnetId": VNET_ID,
                              "targetSubnetId": f"{VNET_ID}/subnets/default"}),
])
def test_a_start_that_skipped_the_front_door_is_refused_before_anything_is_posted(
        name: str, request_fields: dict[str, object]) -> None:
    fake = FakeAzure(settings={"allowedScopes": [VAULT_ID]})
    _refusal(_run(fake, **request_fields))
    assert NOT_POSTED.isdisjoint(fake.names()), name


def test_an_empty_scope_list_allows_nothing() -> None:
    fake = FakeAzure(settings={"allowedScopes": []})
    _refusal(_run(fake))
    assert NOT_POSTED.isdisjoint(fake.names())


def test_an_order_the_public_model_refuses_fails_before_any_activity() -> None:
    fake = FakeAzure()
    run = _run(fake, mode="newVm", targetVmName="vm9")  # no vnet, subnet or group
    assert run.failure is not None
    outcome = parse_failure_output(run.failure)
    assert outcome is not None and outcome["error"]["code"] == "InvalidRestoreOrder"
    assert fake.names() == []


def test_the_trigger_attempt_is_recorded_at_trigger_time_not_at_the_start() -> None:
    # A transient failure while resolving makes the trigger run later than the start: only jobs started since the
    # trigger attempt may be adopted (activities/jobs.py), so its time is what the trigger and find_job get.
    fake = FakeAzure().then("resolve_backup_item", err("TooManyRequests", transient=True, retry_after=120))
    fake.then("get_operation_status", ok({"status": "Succeeded", "retryAfter": 60}))
    run = _run(fake, crossRegion=True, targetResourceGroupId=f"/subscriptions/{SUB}/resourceGroups/rg-restore")
    assert run.failure is None
    [trigger] = fake.inputs("trigger_restore")
    assert trigger["startedAt"] > run.output["startedAt"]
    assert [f["startedAt"] for f in fake.inputs("find_restore_job")] == [trigger["startedAt"]]
    assert fake.inputs("find_restore_job")[0]["request"]["crossRegion"] is True
