"""Plans from the incident webhook and Event Grid (triggers/plan_intake.py), against a fake durable client."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from restore.instance_ids import plan_id_for
from tests.unit.triggers.fakes import IDS, FakeClient, example
from tests.unit.triggers.test_incident_eventgrid import app_settings, call, event  # noqa: F401  (fixture)
from triggers import openapi
from triggers.eventgrid import handle_event

RG = f"/subscriptions/{IDS['SUBSCRIPTION']}/resourceGroups"
VAULT = f"{RG}/rg-backup/providers/Microsoft.RecoveryServices/vaults/vault-weu"
OUTSIDE = "/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg-other"


def _body(response: Any) -> dict[str, Any]:
    return dict(json.loads(response.get_body()))


def test_an_incident_naming_resource_groups_starts_one_plan_over_the_default_request() -> None:
    client = FakeClient()
    response = call(client, {"incidentId": "INC-7", "resourceGroupIds": [f"{RG}/rg-app"], "tags": {"tier": "db"}})
    assert response.status_code == 202, response.get_body()
    plan_id = plan_id_for("incident\x1fINC-7")
    assert _body(response)["plan"] == {"id": plan_id, "created": True,
                                       "statusUrl": f"http://127.0.0.1:7071/api/plans/{plan_id}"}
    [(name, instance_id, order)] = client.started
    assert (name, instance_id) == ("restore_plan", plan_id)
    assert order["plan"] == {"resourceGroupIds": [f"{RG}/rg-app"], "tags": {"tier": "db"},
                             "targetResourceGroupId": IDS["TARGET_RG_ID"],
                             "storageAccountId": IDS["STORAGE_ACCOUNT_ID"]}
    again = call(client, {"incidentId": "INC-7", "resourceGroupIds": [f"{RG}/rg-app"], "tags": {"tier": "db"}})
    assert again.status_code == 200 and _body(again)["plan"]["created"] is False and len(client.started) == 1
    other = call(client, {"incidentId": "INC-7", "vaultId": VAULT})
    assert other.status_code == 409 and len(client.started) == 1


def test_an_incident_with_a_plan_body_starts_it_as_it_is() -> None:
    client = FakeClient()
    plan = {"groups": [{"name": "db", "vms": [{"vmId": IDS["VM_ID"]}]}], "storageAccountId": IDS["STORAGE_ACCOUNT_ID"]}
    response = call(client, {"incidentId": "INC-8", "plan": plan})
    assert response.status_code == 202
    assert client.started[0][2]["plan"] == plan  # no INCIDENT_DEFAULT_REQUEST: targetResourceGroupId is not added


def test_a_bad_or_out_of_scope_plan_is_refused_naming_the_field_and_starts_nothing() -> None:
    client = FakeClient()
    bad = call(client, {"incidentId": "INC-9", "plan": {"groups": [{"name": "db", "vms": ["not-an-id"]}],
                                                         "storageAccountId": IDS["STORAGE_ACCOUNT_ID"]}})
    assert bad.status_code == 400
    assert [e["field"] for e in _body(bad)["errors"]] == ["plan.groups[0].vms[0].vmId"]
    outside = call(client, {"incidentId": "INC-10", "resourceGroupIds": [OUTSIDE]})
    assert outside.status_code == 403 and [e["field"] for e in _body(outside)["errors"]] == ["resourceGroupIds[0]"]
    assert client.started == []


def test_an_alert_on_a_resource_group_and_a_vault_starts_one_plan_with_its_vm_targets() -> None:
    client = FakeClient()
    alert = example("azure-monitor-alert.json")
    alert["data"]["essentials"]["alertTargetIDs"] += [f"{RG}/rg-app", VAULT]
    response = call(client, alert)
    assert response.status_code == 202, response.get_body()
    [(name, _, order)] = client.started
    assert name == "restore_plan"
    assert order["plan"]["groups"] == [
        {"name": "vms", "vms": [{"vmId": IDS["VM_ID"]}]},
        {"name": "resourceGroups", "selector": {"resourceGroupIds": [f"{RG}/rg-app"]}},
        {"name": "vault-vault-weu", "selector": {"vaultId": VAULT}}]
    assert order["plan"]["onFailure"] == "continue" and order["plan"]["reason"].startswith("Azure Monitor alert")


def test_an_alert_on_vms_only_still_starts_single_restores() -> None:
    client = FakeClient()
    assert call(client, example("azure-monitor-alert.json")).status_code == 202
    assert [name for name, _, _ in client.started] == ["restore_vm"]


@pytest.mark.parametrize("data", [{"plan": {"vaultId": VAULT, "storageAccountId": IDS["STORAGE_ACCOUNT_ID"]}},
                                  {"vaultId": VAULT, "storageAccountId": IDS["STORAGE_ACCOUNT_ID"]}])
def test_an_event_with_a_plan_or_naming_a_vault_starts_a_plan_once(data: dict[str, Any]) -> None:
    client = FakeClient()
    first = asyncio.run(handle_event(event(data=data), client))
    second = asyncio.run(handle_event(event(data=data), client))
    assert first == second == plan_id_for("eventgrid\x1f/topics/t\x1fe1")
    [(name, _, order)] = client.started
    assert name == "restore_plan" and order["plan"]["vaultId"] == VAULT


def test_an_event_with_a_bad_plan_is_acknowledged_without_a_start() -> None:
    client = FakeClient()
    assert asyncio.run(handle_event(event(data={"plan": {"vaultId": "nope"}}), client)) is None
    assert asyncio.run(handle_event(event(data={"resourceGroupIds": [OUTSIDE]}, event_id="e2"), client)) is None
    assert client.started == []


def test_the_openapi_document_describes_the_webhook_answer_for_a_plan() -> None:
    document = openapi.document("http://127.0.0.1:7071")
    answer = document["paths"]["/api/webhooks/incident"]["post"]["responses"]["202"]
    refs = [s["$ref"] for s in answer["content"]["application/json"]["schema"]["oneOf"]]
    assert refs[-1].endswith("/IncidentPlanResponse") and "plan" in document["components"]["schemas"][
        "IncidentPlanResponse"]["properties"]
