"""Plans from the incident webhook and Event Grid, end to end: what the trigger started reached the emulator."""

from __future__ import annotations

import json
from typing import Any

import requests

from restore.instance_ids import plan_id_for
from tests.e2e.helpers import Stack, example
from tests.e2e.test_plan_cli import TIERS, UNPROTECTED, _seed_shop, _triggers, _vm_lists
from tests.support.wait import wait_until


def _final_plan(stack: Stack, url: str) -> dict[str, Any]:
    final = wait_until(lambda: requests.get(url, timeout=30), lambda r: r.status_code != 202, timeout=180,
                       interval=0.3, what="the plan to finish")
    return dict(final.json())


def test_an_incident_naming_a_resource_group_and_tags_restores_those_vms(stack: Stack) -> None:
    _seed_shop(stack)
    rg = f"/subscriptions/{stack.ids['SUBSCRIPTION']}/resourceGroups/rg-app"
    body = {"incidentId": "INC-PLAN-1", "resourceGroupIds": [rg], "tags": {"tier": "db"}}
    response = stack.signed_post("/webhooks/incident", body)
    assert response.status_code == 202, response.text
    plan = response.json()["plan"]
    final = _final_plan(stack, plan["statusUrl"])
    assert final["status"] == "succeeded", json.dumps(final)
    assert sorted(_triggers(stack)) == sorted(n for n, tier in TIERS.items() if tier == "db")
    assert len(_vm_lists(stack)) == 1
    # INCIDENT_DEFAULT_REQUEST gave the staging account and target group of every restore.
    assert all(vm["result"] for vm in final["vms"])
    again = stack.signed_post("/webhooks/incident", body)
    assert again.status_code == 200 and again.json()["plan"] == {**plan, "created": False}


def test_an_event_carrying_a_plan_starts_it_once(stack: Stack) -> None:
    _seed_shop(stack)
    rg = f"/subscriptions/{stack.ids['SUBSCRIPTION']}/resourceGroups/rg-app"
    events = example("eventgrid-event.json", stack.ids)
    events[0]["id"] = "plan-event-1"
    events[0]["data"] = {"plan": {"resourceGroupIds": [rg], "tags": {"tier": "web"}, "dryRun": True,
                                  "storageAccountId": stack.ids["STORAGE_ACCOUNT_ID"]}}
    assert stack.eventgrid(events).status_code in (200, 202)
    assert stack.eventgrid(events).status_code in (200, 202)  # a redelivery
    plan_id = plan_id_for("\x1f".join(["eventgrid", events[0]["topic"].lower(), "plan-event-1"]))
    final = _final_plan(stack, f"{stack.api}/plans/{plan_id}")
    listed = requests.get(f"{stack.api}/plans", timeout=30).json()["items"]
    assert [item["id"] for item in listed].count(plan_id) == 1
    states = {vm["vmId"].rsplit("/", 1)[-1]: vm["state"] for vm in final["vms"]}
    assert states == {"vm-shop-web-1": "validated", UNPROTECTED: "failed"}
    assert _triggers(stack) == {}
