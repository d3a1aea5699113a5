"""Restore on accidental delete, end to end: the emulator deletes a protected VM (it emits nothing), the test
posts the ARM `Microsoft.Resources.ResourceDeleteSuccess` event as Event Grid would, and the VM comes back.

The event follows Azure/azure-rest-api-specs `specification/eventgrid/data-plane/Microsoft.Resources/stable/
2018-01-01/examples/event-grid-schema/resource_delete_success.json` field for field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.e2e.helpers import EVENT_TOPIC_PATH, Stack
from tests.e2e.test_approval import decide, emulator_jobs, restore_posts
from tests.support.azure_log import assert_job_ended, assert_one_restore
from tests.support.procs import Proc, app_env, running, start_devhost
from tests.support.wait import wait_until
from triggers.deletes import delete_instance_id

TOPIC = "/subscriptions/{sub}"


def host_for(emulator: Proc, ids: dict[str, str], allowed_scopes: list[str], mode: str, tags: str = "") \
        -> Iterator[Proc]:
    options = {"storageAccountId": ids["STORAGE_ACCOUNT_ID"], "targetVnetId": ids["VNET_ID"],
               "targetSubnetId": ids["SUBNET_ID"]}
    env = app_env(emulator.url, RESTORE_ALLOWED_SCOPES=",".join(allowed_scopes), RESTORE_ON_DELETE=mode,
                  RESTORE_ON_DELETE_TAGS=tags,
                  RESTORE_ON_DELETE_REQUEST=json.dumps(options), APPROVAL_TIMEOUT="PT6H",
                  EVENT_GRID_TOPIC_ENDPOINT=f"{emulator.url}{EVENT_TOPIC_PATH}")
    with running(start_devhost(env, time_scale=600.0)) as proc:
        yield proc


@pytest.fixture(scope="module")
def propose_host(emulator: Proc, ids: dict[str, str], allowed_scopes: list[str]) -> Iterator[Proc]:
    yield from host_for(emulator, ids, allowed_scopes, "propose")


@pytest.fixture(scope="module")
def auto_host(emulator: Proc, ids: dict[str, str], allowed_scopes: list[str]) -> Iterator[Proc]:
    """`auto`, restoring deletes in groups tagged `env=prod` (the demo's rg-app is; emulator/demo_seed.py)."""
    yield from host_for(emulator, ids, allowed_scopes, "auto", tags="env=prod")


@pytest.fixture(scope="module")
def test_env_host(emulator: Proc, ids: dict[str, str], allowed_scopes: list[str]) -> Iterator[Proc]:
    """`auto`, but only for groups tagged `env=test`: rg-app is not."""
    yield from host_for(emulator, ids, allowed_scopes, "auto", tags="env=test")


def group_reads(stack: Stack) -> list[dict[str, Any]]:
    """`ResourceGroups_Get` calls that reached ARM."""
    return [r for r in stack.arm_log() if r["method"] == "GET"
            and re.fullmatch(r"/subscriptions/[^/]+/resourcegroups/[^/]+", r["path"].split("?")[0], re.IGNORECASE)]


def on(stack: Stack, host: Proc) -> Stack:
    return Stack(emulator=stack.emulator, devhost=host, ids=stack.ids)


def delete_event(resource_id: str, event_id: str, operation: str = "Microsoft.Compute/virtualMachines/delete",
                 provider: str = "Microsoft.Compute") -> dict[str, Any]:
    sub, rg = resource_id.split("/")[2], resource_id.split("/")[4]
    return {
        "subject": resource_id,
        "eventType": "Microsoft.Resources.ResourceDeleteSuccess",
        "eventTime": "2026-03-01T08:20:00.000Z",
        "id": event_id,
        "data": {
            "authorization": {"scope": resource_id, "action": operation, "evidence": {"role": "Contributor"}},
            "claims": {"name": "Some Operator", "aio": "not-a-real-claim-token"},
            "correlationId": "6b3c2f0e-4a1d-4a8e-9d33-0c2d1f5e7a10",
            "httpRequest": {"clientRequestId": "c1", "clientIpAddress": "203.0.113.7", "method": "DELETE",
                            "url": f"https://management.azure.com{resource_id}?api-version=2024-07-01"},
            "resourceProvider": provider,
            "resourceUri": resource_id,
            "operationName": operation,
            "status": "Succeeded",
            "subscriptionId": sub,
            "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47",
        },
        "dataVersion": "2",
        "metadataVersion": "1",
        "topic": f"/subscriptions/{sub}/resourceGroups/{rg}",
    }


def delete_vm(stack: Stack, vm_id: str) -> None:
    response = requests.post(f"{stack.emulator.url}/_emulator/vms/delete", json={"id": vm_id}, timeout=10)
    assert response.status_code == 200, response.text


def vm_exists(stack: Stack, vm_id: str) -> bool:
    inventory = requests.get(f"{stack.emulator.url}/_emulator/inventory", timeout=10).json()
    return any(vm["id"].lower() == vm_id.lower() for vm in inventory["vms"])


def restore_id_of(event: dict[str, Any]) -> str:
    return delete_instance_id(event["topic"], event["id"])


def _assert_recreated_in_azure(stack: Stack, result: dict[str, Any]) -> None:
    """One newVm restore POST recreates the VM under its own name, group and subnet; its job ended Completed."""
    vm_id = stack.ids["VM_ID"]
    request = {**result["request"], "vmId": vm_id, "mode": "newVm", "targetVmName": vm_id.rsplit("/", 1)[-1],
               "targetResourceGroupId": vm_id.split("/providers/")[0], "targetSubnetId": stack.ids["SUBNET_ID"],
               "targetVnetId": stack.ids["VNET_ID"]}
    assert_one_restore(stack.azure, request, result)
    assert_job_ended(stack.azure, result, "Completed")


def test_with_propose_a_deleted_vm_waits_for_approval_then_is_recreated(stack: Stack, propose_host: Proc) -> None:
    app = on(stack, propose_host)
    vm_id = stack.ids["VM_ID"]
    delete_vm(stack, vm_id)
    assert not vm_exists(stack, vm_id)
    event = delete_event(vm_id, "del-0001")
    assert app.eventgrid([event]).status_code in (200, 202)
    restore_id = restore_id_of(event)
    app.wait_phase(restore_id, "awaitingApproval")
    view = app.get(restore_id).json()
    assert view["source"] == "delete" and view["request"]["vmId"] == vm_id
    plan = view["approval"]["plan"]
    assert plan["mode"] == "newVm" and plan["targets"]["targetVmName"] == "vm-web-01"
    assert plan["targets"]["targetSubnetId"] == stack.ids["SUBNET_ID"]
    assert plan["targets"]["targetResourceGroupId"] == vm_id.split("/providers/")[0]
    assert "claims" not in json.dumps(view) and "Some Operator" not in json.dumps(view)
    assert restore_posts(stack) == [] and emulator_jobs(stack) == []
    [pending] = wait_until(stack.grid_events, lambda events: len(events) >= 1, timeout=30, what="approval event")
    assert pending["type"] == "Contoso.Restore.ApprovalPending" and pending["data"]["restoreId"] == restore_id
    assert pending["data"]["approval"]["plan"] == plan
    assert pending["data"]["approveUrl"] == f"{app.api}/restores/{restore_id}/approve"

    assert app.eventgrid([event]).status_code in (200, 202), "a redelivery"
    assert decide(app, restore_id, "approve", {"by": "oncall@contoso.com"}).status_code == 202
    final = app.wait_final(restore_id)
    assert final.status_code == 200, final.text
    assert final.json()["result"]["vmId"].lower() == vm_id.lower()
    assert vm_exists(stack, vm_id), "the VM is back under its own name"
    [post] = restore_posts(stack)
    assert "/backupFabrics/Azure/protectionContainers/" in post["path"]
    restored = post["body"]["properties"]
    assert restored["objectType"] == "IaasVMRestoreRequest" and restored["recoveryType"] == "AlternateLocation"
    assert restored["targetVirtualMachineId"].lower() == vm_id.lower() and restored["sourceResourceId"] == vm_id
    assert restored["virtualNetworkId"] == stack.ids["VNET_ID"] and restored["subnetId"] == stack.ids["SUBNET_ID"]
    assert restored["targetResourceGroupId"] == vm_id.split("/providers/")[0]
    assert restored["recoveryPointId"] == plan["recoveryPoint"]["name"]
    assert len(emulator_jobs(stack)) == 1
    _assert_recreated_in_azure(stack, final.json())
    assert app.eventgrid([event]).status_code in (200, 202), "a late duplicate starts nothing"
    assert len(restore_posts(stack)) == 1 and len(stack.grid_events()) == 1


def test_with_auto_a_deleted_vm_is_restored_at_once(stack: Stack, auto_host: Proc) -> None:
    app = on(stack, auto_host)
    vm_id = stack.ids["VM_ID"]
    delete_vm(stack, vm_id)
    event = delete_event(vm_id, "del-0002")
    assert app.eventgrid([event, event]).status_code in (200, 202)
    final = app.wait_final(restore_id_of(event))
    assert final.status_code == 200, final.text
    assert final.json().get("approval") is None and stack.grid_events() == [], "no approval was asked for"
    assert vm_exists(stack, vm_id)
    assert len(restore_posts(stack)) == 1 and len(emulator_jobs(stack)) == 1
    _assert_recreated_in_azure(stack, final.json())
    [read] = group_reads(stack)
    assert read["path"].split("?")[0].lower() == vm_id.split("/providers/")[0].lower(), "RESTORE_ON_DELETE_TAGS"


def test_a_delete_in_a_group_without_the_tags_ends_cancelled_and_restores_nothing(stack: Stack,
                                                                                 test_env_host: Proc) -> None:
    app = on(stack, test_env_host)
    vm_id = stack.ids["VM_ID"]
    delete_vm(stack, vm_id)
    event = delete_event(vm_id, "del-0007")
    assert app.eventgrid([event]).status_code in (200, 202)
    final = app.wait_final(restore_id_of(event))
    assert final.status_code == 409 and final.json()["status"] == "cancelled"
    assert final.json()["error"]["code"] == "DeleteTagsNotMatched" and "'env' is not 'test'" in final.text
    assert len(group_reads(stack)) == 1 and restore_posts(stack) == [] and emulator_jobs(stack) == []
    assert not [r for r in stack.arm_log() if "/backupProtectedItems" in r["path"]], "the vaults were not asked"
    assert not vm_exists(stack, vm_id)


def test_a_deleted_vm_no_vault_protects_is_ignored_and_nothing_is_started(stack: Stack, auto_host: Proc) -> None:
    app = on(stack, auto_host)
    vm_id = stack.ids["UNPROTECTED_VM_ID"]
    delete_vm(stack, vm_id)
    event = delete_event(vm_id, "del-0003")
    assert app.eventgrid([event]).status_code in (200, 202)
    final = app.wait_final(restore_id_of(event))
    assert final.status_code == 409 and final.json()["error"]["code"] == "VmNotProtected"
    assert restore_posts(stack) == [] and emulator_jobs(stack) == []


def test_other_deletes_and_deletes_outside_the_scopes_start_nothing(stack: Stack, auto_host: Proc) -> None:
    app = on(stack, auto_host)
    before = app.instance_count()
    storage = delete_event(stack.ids["STORAGE_ACCOUNT_ID"], "del-0004", "Microsoft.Storage/storageAccounts/delete",
                           "Microsoft.Storage")
    ops_vm = stack.ids["OPS_STORAGE_ACCOUNT_ID"].split("/resourceGroups/")[0] + \
        "/resourceGroups/rg-ops/providers/Microsoft.Compute/virtualMachines/vm-ops-01"
    outside = delete_event(ops_vm, "del-0005")
    assert app.eventgrid([storage, outside]).status_code in (200, 202)
    assert app.instance_count() == before
    assert restore_posts(stack) == []


def test_with_restore_on_delete_off_a_delete_starts_nothing(stack: Stack) -> None:
    before = stack.instance_count()
    vm_id = stack.ids["VM_ID"]
    delete_vm(stack, vm_id)
    assert stack.eventgrid([delete_event(vm_id, "del-0006")]).status_code in (200, 202)
    assert stack.instance_count() == before and restore_posts(stack) == []
