"""Plan approval at the front door: `approval` only at the plan's top level, the `APPROVAL_REQUIRED` policy for plans,
and `POST /api/plans/{id}/approve|reject` (400/403/404/409, the decision handed on as a Durable event)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

import function_app
from restore import settings
from restore.approval import plan_with_policy
from restore.instance_ids import Source, plan_id_for
from restore.plan import validate_plan
from tests.unit.triggers.fakes import IDS, FakeClient, http_request, status
from tests.unit.triggers.test_incident_eventgrid import app_settings, call  # noqa: F401  (fixture)
from tests.unit.triggers.test_incident_eventgrid import event as grid_event
from triggers import openapi, plans
from triggers.eventgrid import handle_event
from triggers.plan_views import plan_view

PLAN_ID = "pln-" + "b" * 32
STORAGE = IDS["STORAGE_ACCOUNT_ID"]
APPROVAL = {"requestedAt": "2026-03-01T08:00:00+00:00", "expiresAt": "2026-03-01T10:00:00+00:00",
            "approvers": ["alice"], "total": 1, "modes": {"restoreDisks": 1}, "validated": 1,
            "vms": [{"index": 0, "vmId": IDS["VM_ID"], "mode": "restoreDisks"}]}


def _body(response: Any) -> dict[str, Any]:
    return dict(json.loads(response.get_body()))


def _start(client: FakeClient, body: Any) -> Any:
    req = http_request("POST", "http://127.0.0.1:7071/api/plans", body=body)
    return asyncio.run(plans._start(req, client))


@pytest.mark.parametrize(("plan", "field"), [
    ({"groups": [{"name": "db", "vms": [IDS["VM_ID"]], "approval": {"timeout": "PT1H"}}]}, "groups[0].approval"),
    ({"groups": [{"name": "db", "vms": [{"vmId": IDS["VM_ID"], "approval": {}}]}]}, "groups[0].vms[0].approval"),
    ({"vmIds": [IDS["VM_ID"]], "approval": {"timeout": "PT10S"}}, "approval.timeout"),
])
def test_approval_is_the_plans_own_and_a_group_or_vm_that_sets_one_is_refused_by_name(
        plan: dict[str, Any], field: str) -> None:
    client = FakeClient()
    response = _start(client, {**plan, "storageAccountId": STORAGE})
    assert response.status_code == 400, response.get_body()
    assert field in [e["field"] for e in _body(response)["errors"]]
    assert client.started == []


def test_a_plans_approval_is_kept_on_the_plan_and_never_becomes_a_restore_default() -> None:
    client = FakeClient()
    response = _start(client, {"vmIds": [IDS["VM_ID"]], "storageAccountId": STORAGE,
                               "approval": {"timeout": "PT1H", "approvers": ["alice"]}})
    assert response.status_code == 202
    [(_, _, order)] = client.started
    assert order["plan"]["approval"] == {"timeout": "PT1H", "approvers": ["alice"]}
    assert validate_plan(order["plan"]).needs_approval
    schemas = openapi.document()["components"]["schemas"]
    assert "approval" in schemas["PlanRequest"]["properties"]
    assert "approval" not in schemas["PlanGroup"]["properties"] and "approval" not in schemas["PlanVm"]["properties"]


def test_the_policy_covers_replace_disks_plans_and_alert_plans_but_not_others(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPROVAL_REQUIRED", "true")
    monkeypatch.setenv("APPROVAL_TIMEOUT", "PT45M")
    settings.get_settings.cache_clear()
    current = settings.get_settings()
    disks = validate_plan({"vmIds": [IDS["VM_ID"]], "storageAccountId": STORAGE})
    replace_vm = validate_plan({"groups": [{"name": "g", "vms": [{"vmId": IDS["VM_ID"], "mode": "replaceDisks"}]}],
                                "storageAccountId": STORAGE})
    waited = plan_with_policy(replace_vm, Source.HTTP, current).approval
    assert waited is not None and waited.required and waited.timeout.total_seconds() == 45 * 60
    assert plan_with_policy(disks, Source.HTTP, current).approval is None
    assert plan_with_policy(disks, Source.EVENTGRID, current).approval is None  # as for a single restore
    incident = plan_with_policy(disks, Source.INCIDENT, current)
    assert incident.needs_approval
    dry = validate_plan({"vmIds": [IDS["VM_ID"]], "storageAccountId": STORAGE, "mode": "replaceDisks", "dryRun": True})
    assert plan_with_policy(dry, Source.INCIDENT, current).approval is None  # a dry run triggers nothing
    monkeypatch.setenv("APPROVAL_REQUIRED", "false")
    settings.get_settings.cache_clear()
    assert plan_with_policy(replace_vm, Source.INCIDENT, settings.get_settings()).approval is None


def test_an_incident_plan_under_the_policy_starts_waiting_for_approval(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPROVAL_REQUIRED", "true")
    settings.get_settings.cache_clear()
    client = FakeClient()
    rg = f"/subscriptions/{IDS['SUBSCRIPTION']}/resourceGroups/rg-app"
    response = call(client, {"incidentId": "INC-1", "resourceGroupIds": [rg]})
    assert response.status_code == 202
    [(_, plan_id, order)] = client.started
    assert plan_id == plan_id_for("incident\x1fINC-1") and order["plan"]["approval"]["required"] is True
    assert call(client, {"incidentId": "INC-1", "resourceGroupIds": [rg]}).status_code == 200  # same plan: no 409
    event = {"resourceGroupIds": [rg], "storageAccountId": STORAGE}
    assert asyncio.run(handle_event(grid_event("Contoso.Restore.Requested", event), client)) is not None
    assert "approval" not in client.started[-1][2]["plan"]


def _decide(client: FakeClient, verb: str, body: Any, plan_id: str = PLAN_ID) -> Any:
    req = http_request("POST", f"http://127.0.0.1:7071/api/plans/{plan_id}/{verb}", body=body,
                       route_params={"id": plan_id})
    return asyncio.run(_route(f"{verb}_plan")(req=req, client=client))


def _route(name: str) -> Any:
    """The route as registered, under the durable client decorator (it takes the client as is)."""
    [function] = [b._function for b in function_app.app._function_builders
                  if b._function.get_function_name() == name]
    return function.get_user_function().__wrapped__


def _waiting(client: FakeClient, **custom: Any) -> None:
    client.instances[PLAN_ID] = status(PLAN_ID, "Running", name="restore_plan", custom={
        "phase": "awaitingApproval", "approval": APPROVAL, "total": 1, **custom})


@pytest.mark.parametrize("verb", ["approve", "reject"])
def test_a_decision_goes_to_the_plan_as_its_event_with_only_by_reason_and_time(verb: str) -> None:
    client = FakeClient()
    _waiting(client)
    response = _decide(client, verb, {"by": "alice", "reason": "INC-42"})
    assert response.status_code == 202 and response.headers["Location"].endswith(f"/api/plans/{PLAN_ID}")
    assert _body(response)["approval"]["approvers"] == ["alice"]
    [(instance, name, data)] = client.events
    assert (instance, name) == (PLAN_ID, verb) and set(data) == {"by", "reason", "at"}


def test_a_decision_is_refused_unless_the_plan_awaits_one_from_an_approver() -> None:
    client = FakeClient()
    assert _decide(client, "approve", {"by": "alice"}).status_code == 404
    assert _decide(client, "approve", {"by": "alice"}, plan_id=PLAN_ID + ":0").status_code == 404
    _waiting(client)
    assert _decide(client, "approve", {"by": "bob"}).status_code == 403
    refused = _decide(client, "approve", {"by": "alice", "at": "2026-01-01T00:00:00Z"})
    assert refused.status_code == 400 and [e["field"] for e in _body(refused)["errors"]] == ["at"]
    assert _decide(client, "approve", {}).status_code == 400
    _waiting(client, phase="running")
    assert _decide(client, "approve", {"by": "alice"}).status_code == 409
    _waiting(client, approval={**APPROVAL, "record": {"decision": "approved", "by": "alice"}})
    assert _decide(client, "reject", {"by": "alice"}).status_code == 409
    client.instances[PLAN_ID] = status(PLAN_ID, "Completed", name="restore_plan", output={})
    assert _decide(client, "approve", {"by": "alice"}).status_code == 409
    assert client.events == []


def test_a_plan_awaiting_approval_shows_it_and_lists_its_checked_vms() -> None:
    check = status(f"{PLAN_ID}:0:check", "Completed", output={
        "status": "succeeded", "phase": "validating", "request": {"vmId": IDS["VM_ID"]}, "dryRun": True,
        "recoveryPoint": {"id": f"{IDS['VM_ID']}/recoveryPoints/rp1", "name": "rp1", "time": "2026-02-28T22:00:00Z",
                          "type": "AppConsistent"},
        "startedAt": "2026-03-01T08:00:00Z", "endedAt": "2026-03-01T08:01:00Z"})
    custom = {"phase": "awaitingApproval", "approval": APPROVAL, "total": 1,
              "groups": [{"name": "default", "total": 1, "counts": {"validated": 1}}]}
    view = plan_view(status(PLAN_ID, "Running", name="restore_plan", custom=custom), [check], check.created_time)
    assert view.phase == "awaitingApproval" and view.approval is not None and view.approval["approvers"] == ["alice"]
    [vm] = view.vms
    assert (vm.index, vm.state, vm.restore_id, vm.group) == (0, "validated", f"{PLAN_ID}:0:check", "default")
    assert vm.recovery_point is not None and vm.recovery_point["name"] == "rp1"
    running = plan_view(status(PLAN_ID, "Running", name="restore_plan", custom={**custom, "phase": "running"}),
                        [check], check.created_time)
    assert running.vms == []  # once running, only the restores `{plan}:{n}` are listed


def test_a_cancel_reaches_the_checks_of_a_plan_that_checks_its_vms() -> None:
    client = FakeClient()
    client.instances[PLAN_ID] = status(PLAN_ID, "Running", name="restore_plan",
                                       custom={"phase": "checking", "cancelRequested": True})
    client.instances[f"{PLAN_ID}:0:check"] = status(f"{PLAN_ID}:0:check", "Running", custom={"phase": "validating"})
    client.instances[f"{PLAN_ID}:1:check"] = status(f"{PLAN_ID}:1:check", "Completed", output={})
    req = http_request("POST", f"http://127.0.0.1:7071/api/plans/{PLAN_ID}/cancel", route_params={"id": PLAN_ID})
    with client.serve_queries():
        response = asyncio.run(_route("cancel_plan")(req=req, client=client))
    assert response.status_code == 202
    assert [(i, name) for i, name, _ in client.events] == [(PLAN_ID, "cancel"), (f"{PLAN_ID}:0:check", "cancel")]
