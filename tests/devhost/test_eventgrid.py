"""The Event Grid webhook: validation handshake, Event Grid schema, CloudEvents, retries on failure."""

from __future__ import annotations

import uuid

import requests

from tests.support.procs import Proc

WEBHOOK = "/runtime/webhooks/eventgrid"


def grid_event(event_id: str, data: dict) -> dict:
    return {"id": event_id, "topic": "/subscriptions/x/resourceGroups/rg", "subject": "restore",
            "eventType": "Contoso.Restore.Requested", "eventTime": "2024-01-01T00:00:00Z", "data": data,
            "dataVersion": "1.0"}


def test_subscription_validation_handshake_echoes_the_code(host: Proc) -> None:
    body = [{"id": "v1", "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
             "data": {"validationCode": "abc-123"}, "eventTime": "2024-01-01T00:00:00Z", "subject": "",
             "dataVersion": "1"}]
    got = requests.post(f"{host.url}{WEBHOOK}", params={"functionName": "on_grid_event"}, json=body,
                        headers={"aeg-event-type": "SubscriptionValidation"}, timeout=10)
    assert got.status_code == 200
    assert got.json() == {"validationResponse": "abc-123"}


def test_event_grid_schema_events_are_delivered_one_by_one(host: Proc) -> None:
    ids = [uuid.uuid4().hex, uuid.uuid4().hex]
    got = requests.post(f"{host.url}{WEBHOOK}", params={"functionName": "on_grid_event"},
                        json=[grid_event(i, {"n": n}) for n, i in enumerate(ids)],
                        headers={"aeg-event-type": "Notification"}, timeout=10)
    assert got.status_code == 202
    seen = {e["id"]: e for e in requests.get(f"{host.url}/api/grid-events", timeout=10).json()}
    assert seen[ids[0]] == {"id": ids[0], "kind": "grid", "data": {"n": 0}}
    assert seen[ids[1]]["data"] == {"n": 1}


def test_cloud_events_handshake_and_delivery(host: Proc) -> None:
    options = requests.options(f"{host.url}{WEBHOOK}", headers={"WebHook-Request-Origin": "eventgrid.azure.net"},
                               timeout=10)
    assert options.status_code == 200
    assert options.headers["WebHook-Allowed-Origin"] == "eventgrid.azure.net"
    event_id = uuid.uuid4().hex
    cloud = {"specversion": "1.0", "id": event_id, "source": "/subscriptions/x", "type": "Contoso.Restore.Requested",
             "time": "2024-01-01T00:00:00Z", "data": {"vm": "a"}}
    got = requests.post(f"{host.url}{WEBHOOK}", params={"functionName": "on_grid_event"}, json=cloud,
                        headers={"Content-Type": "application/cloudevents+json"}, timeout=10)
    assert got.status_code == 202
    seen = {e["id"]: e for e in requests.get(f"{host.url}/api/grid-events", timeout=10).json()}
    assert seen[event_id] == {"id": event_id, "kind": "cloud", "data": {"vm": "a"}}


def test_function_error_answers_5xx_so_event_grid_retries(host: Proc) -> None:
    got = requests.post(f"{host.url}{WEBHOOK}", params={"functionName": "on_grid_event"},
                        json=[grid_event("bad", {"fail": True})], headers={"aeg-event-type": "Notification"},
                        timeout=10)
    assert got.status_code == 500


def test_unknown_function_is_404(host: Proc) -> None:
    got = requests.post(f"{host.url}{WEBHOOK}", params={"functionName": "nope"}, json=[], timeout=10)
    assert got.status_code == 404
