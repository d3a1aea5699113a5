"""Incident webhook and Event Grid handlers against a fake durable client."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

import azure.functions as func
import pytest

from restore import settings
from tests.unit.triggers.fakes import IDS, FakeClient, example, http_request
from triggers.eventgrid import handle_event
from triggers.incident import handle_incident, report_secret_at_startup
from triggers.signatures import secret_problem, sign

URL = "http://127.0.0.1:7071/api/webhooks/incident"
SECRET = "s3cret-0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def app_settings(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("RESTORE_ALLOWED_SCOPES", f"/subscriptions/{IDS['SUBSCRIPTION']}")
    monkeypatch.setenv("INCIDENT_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("INCIDENT_DEFAULT_REQUEST", json.dumps({"targetResourceGroupId": IDS["TARGET_RG_ID"],
                                                              "storageAccountId": IDS["STORAGE_ACCOUNT_ID"]}))
    settings.get_settings.cache_clear()
    yield
    settings.get_settings.cache_clear()


def call(client: FakeClient, body: Any, secret: str = SECRET, params: dict[str, str] | None = None) -> Any:
    raw = json.dumps(body).encode()
    ts = str(int(time.time()))
    headers = {"X-Signature-Timestamp": ts, "X-Signature": sign(secret, ts, raw)}
    req = http_request("POST", URL, headers=headers, params=params, raw=raw)
    return asyncio.run(handle_incident(req, client))


def test_alert_starts_one_restore_per_vm_with_the_default_options() -> None:
    client = FakeClient()
    alert = example("azure-monitor-alert.json")
    alert["data"]["essentials"]["alertTargetIDs"].append(IDS["VM_ID"].replace("vm-web-01", "vm-sql-01"))
    response = call(client, alert)
    body = json.loads(response.get_body())
    assert response.status_code == 202 and len(body["restores"]) == 2 and len(client.started) == 2
    assert all(order["request"]["targetResourceGroupId"] == IDS["TARGET_RG_ID"] for _, _, order in client.started)
    assert all(order["source"] == "incident" for _, _, order in client.started)


def test_redelivered_alert_is_200_and_starts_nothing() -> None:
    client = FakeClient()
    call(client, example("azure-monitor-alert.json"))
    again = call(client, example("azure-monitor-alert.json"))
    assert again.status_code == 200 and len(client.started) == 1
    assert json.loads(again.get_body())["restores"][0]["created"] is False


def test_resolved_alert_starts_nothing() -> None:
    client = FakeClient()
    alert = example("azure-monitor-alert.json")
    alert["data"]["essentials"]["monitorCondition"] = "Resolved"
    response = call(client, alert)
    assert response.status_code == 200 and client.started == []


@pytest.mark.parametrize("body", [example("azure-monitor-alert.json"),
                                  {"incidentId": "INC-q", **example("restore-disks.json")}])
def test_unsigned_query_options_are_refused_and_start_nothing(body: Any) -> None:
    client = FakeClient()
    response = call(client, body, params={"code": "k", "mode": "replaceDisks", "callbackUrl": "https://evil.test/x"})
    assert response.status_code == 400 and client.started == []
    fields = [e["field"] for e in json.loads(response.get_body())["errors"]]
    assert fields == ["query.callbackUrl", "query.mode"]


def test_the_function_key_is_the_one_query_parameter_allowed() -> None:
    client = FakeClient()
    response = call(client, example("azure-monitor-alert.json"), params={"code": "k"})
    assert response.status_code == 202 and len(client.started) == 1


def test_bad_signature_is_401_and_starts_nothing() -> None:
    client = FakeClient()
    response = call(client, {"incidentId": "INC-1", **example("restore-disks.json")}, secret="wrong")
    assert response.status_code == 401 and client.started == []


def test_absurdly_nested_incident_body_is_400_and_starts_nothing() -> None:
    client = FakeClient()
    raw = b"[" * 100_000 + b"]" * 100_000
    ts = str(int(time.time()))
    headers = {"X-Signature-Timestamp": ts, "X-Signature": sign(SECRET, ts, raw)}
    response = asyncio.run(handle_incident(http_request("POST", URL, headers=headers, raw=raw), client))
    assert response.status_code == 400 and client.started == []


def test_generic_incident_without_id_is_400() -> None:
    response = call(FakeClient(), example("restore-disks.json"))
    assert response.status_code == 400
    assert json.loads(response.get_body())["errors"][0]["field"] == "incidentId"


def event(event_type: str = "Contoso.Restore.Requested", data: Any = None, event_id: str = "e1") -> Any:
    return func.EventGridEvent(id=event_id, data=example("restore-disks.json") if data is None else data,
                               topic="/topics/t", subject="s", event_type=event_type,
                               event_time=datetime.now(UTC), data_version="1")


def test_event_starts_a_restore_once_per_event_id(caplog: pytest.LogCaptureFixture) -> None:
    client = FakeClient()
    with caplog.at_level(logging.DEBUG):
        first = asyncio.run(handle_event(event(), client))
    second = asyncio.run(handle_event(event(), client))
    assert first == second and first is not None and len(client.started) == 1
    assert client.started[0][2]["source"] == "eventgrid"
    accepted = [r for r in caplog.records if r.getMessage() == "restore.event.accepted"]
    assert accepted and accepted[0].restore_id == first  # type: ignore[attr-defined]


def test_events_of_another_type_invalid_or_out_of_scope_are_acknowledged_without_a_start() -> None:
    client = FakeClient()
    out_of_scope = {**example("restore-disks.json"),
                    "storageAccountId": "/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/r/"
                                        "providers/Microsoft.Storage/storageAccounts/sa01"}
    for bad in (event("Other.Type"), event(data={"vmId": "x"}, event_id="e2"), event(data=out_of_scope,
                                                                                      event_id="e3")):
        assert asyncio.run(handle_event(bad, client)) is None
    assert client.started == []


@pytest.mark.parametrize("secret", ["@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/s)",
                                    "@microsoft.keyvault(VaultName=kv;SecretName=s)",
                                    "short-secret-31-bytes-long-xxxx"])
def test_an_unusable_secret_is_refused_with_503_and_a_startup_log_line(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, secret: str) -> None:
    monkeypatch.setenv("INCIDENT_WEBHOOK_SECRET", secret)
    settings.get_settings.cache_clear()
    client = FakeClient()
    response = call(client, {"incidentId": "INC-kv", **example("restore-disks.json")}, secret=secret)
    assert response.status_code == 503 and client.started == []
    assert "INCIDENT_WEBHOOK_SECRET" in json.loads(response.get_body())["detail"]
    assert secret not in response.get_body().decode()
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        report_secret_at_startup()
    assert [r.getMessage() for r in caplog.records] == ["incident.secret_refused"]
    assert secret not in caplog.text


def test_a_secret_of_32_bytes_is_accepted() -> None:
    assert secret_problem("x" * 32) is None and secret_problem("x" * 31) is not None
