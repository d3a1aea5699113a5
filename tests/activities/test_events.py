"""`publish_event` against the emulator's Event Grid topic (a real process): the CloudEvent, the Entra token for Event
Grid's audience only, and how the topic's refusals come back; the topic's own rules over plain HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from pydantic import ValidationError

from activities.blueprint import publish_event as publish_activity
from activities.events import event_credential, publish_event
from azbackup.errors import AuthenticationError, ResponseError, TransportError
from restore import settings
from restore.payloads import EventKind, PublishEventInput
from restore.settings import read_settings
from tests.activities.conftest import Emulator

EVENT = PublishEventInput(id="0f6f0c3e-1", kind=EventKind.APPROVAL_PENDING, instance_id="rst-abc",
                          time=datetime(2026, 3, 1, 8, 20, tzinfo=UTC), data={"approval": {"plan": {"mode": "newVm"}}})


def topic(emu: Emulator) -> str:
    return f"{emu.url}/eventgrid/topics/restore-events/api/events"


def received(emu: Emulator) -> list[dict[str, Any]]:
    return list(emu.get("eventgrid/events")["events"])


def token(emu: Emulator, resource: str) -> str:
    reply = requests.get(f"{emu.url}/msi/token", params={"api-version": "2019-08-01", "resource": resource},
                         headers={"X-IDENTITY-HEADER": "local-dev"}, timeout=10)
    reply.raise_for_status()
    return str(reply.json()["access_token"])


@pytest.fixture
def topic_env(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    monkeypatch.setenv("EVENT_GRID_TOPIC_ENDPOINT", topic(emu))
    monkeypatch.setenv("WEBSITE_HOSTNAME", "func-demo.azurewebsites.net")
    settings.get_settings.cache_clear()
    event_credential.cache_clear()
    yield emu
    event_credential.cache_clear()


def test_the_activity_publishes_one_cloud_event_with_the_restore_urls(topic_env: Emulator) -> None:
    result = publish_activity(EVENT.model_dump(mode="json", by_alias=True))
    assert result["error"] is None and result["value"] == {"published": True, "status": 200}
    [entry] = received(topic_env)
    event = entry["event"]
    assert entry["topic"] == "restore-events"
    assert {k: event[k] for k in ("specversion", "id", "type", "subject", "time")} == {
        "specversion": "1.0", "id": "0f6f0c3e-1", "type": "Contoso.Restore.ApprovalPending",
        "subject": "restores/rst-abc", "time": "2026-03-01T08:20:00Z"}
    base = "https://func-demo.azurewebsites.net/api/restores/rst-abc"
    assert event["data"] == {"restoreId": "rst-abc", "approval": {"plan": {"mode": "newVm"}}, "statusUrl": base,
                             "approveUrl": f"{base}/approve", "rejectUrl": f"{base}/reject"}
    issued = {t["sha256"]: t["resource"] for t in topic_env.get("tokens")["arm"]}
    assert issued[entry["tokenSha256"]] == "https://eventgrid.azure.net", "a token for Event Grid's audience"
    assert topic_env.requests() == [], "nothing went to ARM"


def test_a_plans_event_names_the_plan_and_its_approve_and_reject_urls(topic_env: Emulator) -> None:
    plan_id = "pln-" + "c" * 32
    plan_event = EVENT.model_copy(update={"instance_id": plan_id, "data": {"approval": {"total": 3}}})
    assert publish_activity(plan_event.model_dump(mode="json", by_alias=True))["error"] is None
    [entry] = received(topic_env)
    base = f"https://func-demo.azurewebsites.net/api/plans/{plan_id}"
    assert entry["event"]["subject"] == f"plans/{plan_id}"
    assert entry["event"]["data"] == {"planId": plan_id, "approval": {"total": 3}, "statusUrl": base,
                                      "approveUrl": f"{base}/approve", "rejectUrl": f"{base}/reject"}


def test_the_event_type_is_a_setting(topic_env: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENT_GRID_APPROVAL_EVENT_TYPE", "Fabrikam.Restore.NeedsApproval")
    settings.get_settings.cache_clear()
    publish_activity(EVENT.model_dump(mode="json", by_alias=True))
    assert received(topic_env)[0]["event"]["type"] == "Fabrikam.Restore.NeedsApproval"


DRILL_REPORT = {"runId": "drill-weekly-20260302T0300Z", "drill": "weekly", "status": "failed",
                "vms": [{"vmId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/v",
                         "validation": {"status": "failed", "reasons": ["the restored VM is not running"]}}]}
DRILL_EVENT = PublishEventInput(id="7c1d-2", kind=EventKind.DRILL_FAILED, instance_id=DRILL_REPORT["runId"],
                                drill="weekly", time=datetime(2026, 3, 2, 4, 0, tzinfo=UTC), data=DRILL_REPORT)


def test_a_failed_drill_is_one_cloud_event_on_the_same_topic_with_the_report_as_data(topic_env: Emulator) -> None:
    result = publish_activity(DRILL_EVENT.model_dump(mode="json", by_alias=True))
    assert result["error"] is None and result["value"] == {"published": True, "status": 200}
    [entry] = received(topic_env)
    event = entry["event"]
    assert entry["topic"] == "restore-events"
    assert {k: event[k] for k in ("specversion", "id", "type", "subject", "time", "source")} == {
        "specversion": "1.0", "id": "7c1d-2", "type": "Contoso.Restore.DrillFailed",
        "subject": "drills/weekly/runs/drill-weekly-20260302T0300Z", "time": "2026-03-02T04:00:00Z",
        "source": "https://func-demo.azurewebsites.net"}
    assert event["data"] == DRILL_REPORT, "the report, without a restore's approve/reject links"
    issued = {t["sha256"]: t["resource"] for t in topic_env.get("tokens")["arm"]}
    assert issued[entry["tokenSha256"]] == "https://eventgrid.azure.net"
    assert topic_env.requests() == [], "nothing went to ARM"


def test_the_drill_failed_type_is_a_setting_and_the_drill_name_goes_with_that_kind_only(
        topic_env: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRILL_FAILED_EVENT_TYPE", "Fabrikam.Drill.Failed")
    settings.get_settings.cache_clear()
    publish_activity(DRILL_EVENT.model_dump(mode="json", by_alias=True))
    assert received(topic_env)[0]["event"]["type"] == "Fabrikam.Drill.Failed"
    for bad in ({**DRILL_EVENT.dump(), "drill": None}, {**EVENT.dump(), "drill": "weekly"},
                {**DRILL_EVENT.dump(), "drill": "Weekly/../x"}):
        with pytest.raises(ValidationError, match="drill"):
            publish_activity(bad)
    assert len(received(topic_env)) == 1, "nothing sent for a bad input"
    with pytest.raises(settings.InvalidSettingError):
        read_settings({"DRILL_FAILED_EVENT_TYPE": "has spaces"})


def test_without_a_topic_nothing_is_sent_and_no_token_is_asked_for(emu: Emulator) -> None:
    before = len(emu.get("tokens")["arm"])
    assert publish_event(EVENT, read_settings({})).published is False
    assert received(emu) == [] and len(emu.get("tokens")["arm"]) == before


def test_a_refusal_comes_back_as_a_terminal_error_without_the_token(emu: Emulator) -> None:
    class ArmAudience:  # a credential that hands out a token for another audience (ARM's)
        def get_token(self, *scopes: str) -> Any:
            return type("T", (), {"token": token(emu, emu.url)})()

    credential = ArmAudience()
    with pytest.raises(ResponseError) as refused:
        publish_event(EVENT, read_settings({"EVENT_GRID_TOPIC_ENDPOINT": topic(emu)}), credential)
    assert refused.value.status == 401 and not refused.value.is_transient
    assert "eventgrid.azure.net" in str(refused.value) and received(emu) == []
    for t in emu.get("tokens")["arm"]:
        assert t["token"] not in str(refused.value)


def test_a_credential_failure_and_a_dead_topic_are_errors_not_crashes(emu: Emulator) -> None:
    from azure.core.exceptions import ClientAuthenticationError

    class Refusing:
        def get_token(self, *scopes: str) -> Any:
            raise ClientAuthenticationError("no identity")

    with pytest.raises(AuthenticationError):
        publish_event(EVENT, read_settings({"EVENT_GRID_TOPIC_ENDPOINT": topic(emu)}), Refusing())
    dead = read_settings({"EVENT_GRID_TOPIC_ENDPOINT": "http://127.0.0.1:9/api/events"})
    with pytest.raises(TransportError):
        publish_event(EVENT, dead, type("C", (), {"get_token": lambda self, *s: type("T", (), {"token": "x"})()})())


def test_the_topic_endpoint_must_be_https_except_on_loopback() -> None:
    for bad in ("http://topic.westus-1.eventgrid.azure.net/api/events", "ftp://x/api/events",
                "https://user:pw@topic.westus-1.eventgrid.azure.net/api/events", "https://t/api/events?code=1"):
        with pytest.raises(settings.InvalidSettingError) as err:
            read_settings({"EVENT_GRID_TOPIC_ENDPOINT": bad})
        assert err.value.names == ("EVENT_GRID_TOPIC_ENDPOINT",) and "pw" not in str(err.value)
    assert read_settings({"EVENT_GRID_TOPIC_ENDPOINT": "https://t.westus-1.eventgrid.azure.net/api/events"})


def _post(emu: Emulator, body: Any, content_type: str = "application/cloudevents-batch+json; charset=utf-8",
          bearer: str | None = None, version: str | None = "2018-01-01") -> requests.Response:
    headers = {"Content-Type": content_type, **({"Authorization": f"Bearer {bearer}"} if bearer else {})}
    params = {"api-version": version} if version else {}
    return requests.post(topic(emu), params=params, data=json.dumps(body), headers=headers, timeout=10)


def test_the_topic_checks_what_event_grid_checks(emu: Emulator) -> None:
    good = {"specversion": "1.0", "id": "e1", "source": "/test", "type": "T.X", "time": "2026-03-01T08:00:00Z"}
    grid = token(emu, "https://eventgrid.azure.net")
    assert _post(emu, [good]).status_code == 401, "no token"
    assert _post(emu, [good], bearer="not-issued").status_code == 401
    assert _post(emu, [good], bearer=token(emu, emu.url)).status_code == 401, "an ARM token"
    assert _post(emu, [good], bearer=grid, version=None).status_code == 400
    assert _post(emu, [good], content_type="application/json", bearer=grid).status_code == 400
    assert _post(emu, good, bearer=grid).status_code == 400, "a batch must be an array"
    for missing in ("specversion", "id", "source", "type"):
        answer = _post(emu, [{k: v for k, v in good.items() if k != missing}], bearer=grid)
        assert answer.status_code == 400 and missing in answer.json()["error"]["message"]
    assert _post(emu, [{**good, "specversion": "0.3"}], bearer=grid).status_code == 400
    assert _post(emu, [{**good, "time": "yesterday"}], bearer=grid).status_code == 400
    assert _post(emu, [{**good, "data": "x" * (1024 * 1024)}], bearer=grid).status_code == 413
    assert _post(emu, [{**good, "id": f"e{i}"} for i in range(5001)], bearer=grid).status_code == 413
    assert received(emu) == [], "nothing refused is kept"
    assert _post(emu, good, content_type="application/cloudevents+json", bearer=grid).status_code == 200
    assert _post(emu, [good, {**good, "id": "e2"}], bearer=grid).status_code == 200
    assert [e["event"]["id"] for e in received(emu)] == ["e1", "e1", "e2"]
    assert requests.delete(f"{emu.url}/_emulator/eventgrid/events", timeout=10).status_code == 200
    assert received(emu) == []


def test_arm_refuses_an_event_grid_token(emu: Emulator) -> None:
    grid = token(emu, "https://eventgrid.azure.net")
    item = emu.vm("vm-web-01")["protectedItemId"]
    refused = requests.get(f"{emu.url}{item}", params={"api-version": "2026-02-01"},
                           headers={"Authorization": f"Bearer {grid}"}, timeout=10)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "InvalidAuthenticationTokenAudience"
    assert "'https://eventgrid.azure.net'" in refused.json()["error"]["message"]
    own = requests.get(f"{emu.url}{item}", params={"api-version": "2026-02-01"},
                       headers={"Authorization": f"Bearer {token(emu, emu.url)}"}, timeout=10)
    assert own.status_code == 200
