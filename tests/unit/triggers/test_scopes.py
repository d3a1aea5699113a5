"""RESTORE_ALLOWED_SCOPES covers every ID a request carries and every resource a restore writes: each field alone
out of scope is refused with 403 naming that field, and nothing starts."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from pydantic.alias_generators import to_camel

from restore import settings
from restore.request import TARGET_ID_FIELDS, RestoreRequest
from restore.scopes import request_ids as checked_ids
from tests.unit.triggers.fakes import FakeClient, http_request
from triggers import http_api
from triggers.scopes import scope_problems

OURS = "/subscriptions/33333333-3333-3333-3333-333333333333"
FOREIGN = "/subscriptions/99999999-9999-9999-9999-999999999999"
VAULT = "resourceGroups/rg-bk/providers/Microsoft.RecoveryServices/vaults/vault1"
ITEM = (f"{VAULT}/backupFabrics/Azure/protectionContainers/IaasVMContainer;iaasvmcontainerv2;rg-app;vm1"
        "/protectedItems/VM;iaasvmcontainerv2;rg-app;vm1")
NET = "resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet1"
# camelCase field -> (resource path below a subscription, what else the request needs for that field to be valid)
FIELDS: dict[str, tuple[str, dict[str, Any]]] = {
    "vmId": ("resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm1", {}),
    "protectedItemId": (ITEM, {}),
    "storageAccountId": ("resourceGroups/rg-r/providers/Microsoft.Storage/storageAccounts/staging1", {}),
    "targetResourceGroupId": ("resourceGroups/rg-r", {}),
    "targetVnetId": (NET, {}),
    "targetSubnetId": (f"{NET}/subnets/default", {}),
    "diskEncryptionSetId": ("resourceGroups/rg-r/providers/Microsoft.Compute/diskEncryptionSets/des1", {}),
    "restoreIdentityId": ("resourceGroups/rg-id/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi1", {}),
}
SOURCE_FIELDS = {"vmId", "protectedItemId"}
NETWORK = {"targetVnetId", "targetSubnetId"}


def new_vm_request(foreign: str | None = None, source: str = "vmId") -> dict[str, Any]:
    """A valid newVm request naming every target; `foreign` (a field) alone lies in another subscription."""
    def rid(field: str) -> str:
        return f"{FOREIGN if field == foreign else OURS}/{FIELDS[field][0]}"

    body = {f: rid(f) for f in [source, *(f for f in FIELDS if f not in SOURCE_FIELDS)]}
    if foreign in NETWORK:  # the subnet must lie inside the vnet: the pair moves together
        body.update({f: f"{FOREIGN}/{FIELDS[f][0]}" for f in NETWORK})
    return {**body, "mode": "newVm", "targetVmName": "vm1-restored", "recoveryPointPolicy": "latest"}


def test_every_target_field_and_both_source_fields_are_checked() -> None:
    covered = set(checked_ids(RestoreRequest.model_validate(new_vm_request()))) | set(
        checked_ids(RestoreRequest.model_validate(new_vm_request(source="protectedItemId"))))
    assert covered == set(FIELDS)
    assert {to_camel(f) for f in TARGET_ID_FIELDS} == set(FIELDS) - SOURCE_FIELDS, "a new target field is tested here"


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_a_single_field_outside_the_scopes_is_named(field: str) -> None:
    source = field if field in SOURCE_FIELDS else "vmId"
    request = RestoreRequest.model_validate(new_vm_request(field, source))
    expected = NETWORK if field in NETWORK else {field}
    assert {p.field for p in scope_problems(request, [OURS])} == expected
    assert scope_problems(RestoreRequest.model_validate(new_vm_request(source=source)), [OURS]) == []


@pytest.fixture
def allowed(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("RESTORE_ALLOWED_SCOPES", OURS)
    settings.get_settings.cache_clear()
    yield
    settings.get_settings.cache_clear()


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_the_api_refuses_a_single_foreign_field_with_403_and_starts_nothing(allowed: Any, field: str) -> None:
    client = FakeClient()
    source = field if field in SOURCE_FIELDS else "vmId"
    req = http_request("POST", "http://127.0.0.1:7071/api/restores", new_vm_request(field, source))
    response = asyncio.run(http_api._start(req, client))
    body = json.loads(response.get_body())
    assert response.status_code == 403, body
    assert field in {e["field"] for e in body["errors"]}
    assert client.started == []
    accepted = asyncio.run(http_api._start(
        http_request("POST", "http://127.0.0.1:7071/api/restores", new_vm_request(source=source)), client))
    assert accepted.status_code == 202 and len(client.started) == 1


def test_the_vault_named_with_a_vm_is_checked_too() -> None:
    body = {"vmId": f"{OURS}/{FIELDS['vmId'][0]}", "vaultId": f"{FOREIGN}/{VAULT}", "mode": "restoreDisks",
            "storageAccountId": f"{OURS}/{FIELDS['storageAccountId'][0]}", "recoveryPointPolicy": "latest"}
    problems = scope_problems(RestoreRequest.model_validate(body), [OURS])
    assert [p.field for p in problems] == ["vaultId"]
