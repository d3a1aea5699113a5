"""Restore on delete (which events start what) and the approval front door, against a fake durable client."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Any

import pytest

from restore import settings
from restore.approval import with_policy
from restore.instance_ids import Source
from restore.request import RestoreRequest
from tests.unit.triggers.fakes import IDS, FakeClient, status
from triggers.approvals import DecisionRefusedError, check_awaiting, parse_decision
from triggers.deletes import delete_instance_id, deleted_vm_id
from triggers.eventgrid import handle_event

TOPIC = f"/subscriptions/{IDS['SUBSCRIPTION']}"
NETWORK = {"targetVnetId": IDS["VNET_ID"], "targetSubnetId": IDS["SUBNET_ID"], "storageAccountId":
           IDS["STORAGE_ACCOUNT_ID"]}


def use(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    monkeypatch.setenv("RESTORE_ALLOWED_SCOPES", f"/subscriptions/{IDS['SUBSCRIPTION']}")
    monkeypatch.setenv("RESTORE_ON_DELETE_REQUEST", json.dumps(NETWORK))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings.get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _clear() -> Any:
    yield
    settings.get_settings.cache_clear()


def event(resource_id: str = IDS["VM_ID"], operation: str = "Microsoft.Compute/virtualMachines/delete",
          event_id: str = "d-1", status_text: str = "Succeeded") -> Any:
    data = {"resourceUri": resource_id, "operationName": operation, "status": status_text,
            "resourceProvider": operation.split("/")[0], "subscriptionId": IDS["SUBSCRIPTION"],
            "claims": {"name": "Some Operator"}, "authorization": {"action": operation}}
    return SimpleNamespace(id=event_id, topic=TOPIC, subject=resource_id,
                           event_type="Microsoft.Resources.ResourceDeleteSuccess", get_json=lambda: data)


def deliver(client: FakeClient, *events: Any) -> list[str | None]:
    return [asyncio.run(handle_event(e, client)) for e in events]


def test_with_propose_a_vm_delete_starts_a_new_vm_restore_that_waits_for_approval(
        monkeypatch: pytest.MonkeyPatch) -> None:
    use(monkeypatch, RESTORE_ON_DELETE="propose", APPROVAL_TIMEOUT="PT3H")
    client = FakeClient()
    [restore_id] = deliver(client, event())
    [(_, instance_id, order)] = client.started
    assert restore_id == instance_id == delete_instance_id(TOPIC, "d-1") and instance_id.startswith("del-")
    request = order["request"]
    assert order["source"] == "delete" and request["vmId"] == IDS["VM_ID"] and request["mode"] == "newVm"
    assert request["targetVmName"] == "vm-web-01" and request["targetResourceGroupId"].endswith("/rg-app")
    assert request["targetSubnetId"] == IDS["SUBNET_ID"]
    assert request["approval"] == {"required": True, "timeout": "PT3H"}
    assert "Some Operator" not in json.dumps(order), "the caller's claims never reach the restore"


def test_with_auto_the_restore_does_not_wait_and_a_duplicate_starts_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    use(monkeypatch, RESTORE_ON_DELETE="auto")
    client = FakeClient()
    first, again = deliver(client, event(), event())
    assert first == again and len(client.started) == 1
    assert "approval" not in client.started[0][2]["request"]


def test_auto_still_waits_when_the_approval_policy_covers_delete_events(monkeypatch: pytest.MonkeyPatch) -> None:
    use(monkeypatch, RESTORE_ON_DELETE="auto", APPROVAL_REQUIRED="true", APPROVAL_TIMEOUT="PT30M")
    client = FakeClient()
    deliver(client, event())
    assert client.started[0][2]["request"]["approval"] == {"required": True, "timeout": "PT30M"}


@pytest.mark.parametrize("mode", ["off", "propose"])
def test_deletes_that_are_not_a_vm_in_scope_or_are_off_start_nothing(mode: str, monkeypatch: pytest.MonkeyPatch,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    use(monkeypatch, RESTORE_ON_DELETE=mode)
    client = FakeClient()
    outside = IDS["VM_ID"].replace(IDS["SUBSCRIPTION"], "99999999-9999-9999-9999-999999999999")
    events = [event(IDS["STORAGE_ACCOUNT_ID"], "Microsoft.Storage/storageAccounts/delete", "d-2"),
              event(outside, event_id="d-3"), event(status_text="Failed", event_id="d-4")]
    if mode == "off":
        events.append(event(event_id="d-5"))
    with caplog.at_level("INFO"):
        assert deliver(client, *events) == [None] * len(events)
    assert client.started == []
    assert sum("restore.delete.ignored" in r.getMessage() for r in caplog.records) == len(events)


def test_a_delete_without_the_network_setting_is_ignored_with_the_reason(monkeypatch: pytest.MonkeyPatch,
                                                                         caplog: pytest.LogCaptureFixture) -> None:
    use(monkeypatch, RESTORE_ON_DELETE="auto", RESTORE_ON_DELETE_REQUEST="{}")
    client = FakeClient()
    with caplog.at_level("WARNING"):
        assert deliver(client, event()) == [None]
    assert client.started == []
    problems = [getattr(r, "problems", []) for r in caplog.records if "restore.delete.ignored" in r.getMessage()]
    assert any("data.targetVnetId: required when mode is newVm" in p for p in problems[0])


def test_deleted_vm_id_reads_only_successful_vm_deletes() -> None:
    good = {"resourceUri": IDS["VM_ID"], "operationName": "MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE",
            "status": "Succeeded"}
    assert deleted_vm_id(good) == (IDS["VM_ID"], "")
    assert deleted_vm_id({**good, "resourceUri": IDS["VNET_ID"]})[0] is None
    assert deleted_vm_id({**good, "operationName": "Microsoft.Compute/disks/delete"})[0] is None
    assert deleted_vm_id("not an object")[0] is None


def test_the_policy_makes_replace_disks_and_alert_restores_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    use(monkeypatch, APPROVAL_REQUIRED="true", APPROVAL_TIMEOUT="PT45M")
    current = settings.get_settings()
    replace = RestoreRequest.model_validate({"vmId": IDS["VM_ID"], "mode": "replaceDisks",
                                             "storageAccountId": IDS["STORAGE_ACCOUNT_ID"]})
    disks = RestoreRequest.model_validate({"vmId": IDS["VM_ID"], "storageAccountId": IDS["STORAGE_ACCOUNT_ID"]})
    waited = with_policy(replace, Source.HTTP, current).approval
    assert waited is not None and waited.required and waited.timeout.total_seconds() == 45 * 60
    assert with_policy(disks, Source.HTTP, current).approval is None
    incident = with_policy(disks, Source.INCIDENT, current).approval
    assert incident is not None and incident.required
    use(monkeypatch, APPROVAL_REQUIRED="false")
    assert with_policy(replace, Source.HTTP, settings.get_settings()).approval is None


def test_a_decision_needs_by_and_cannot_set_its_own_time() -> None:
    assert parse_decision(b'{"by": "alice", "reason": "ok"}').by == "alice"
    for raw, field in [(b"{}", "by"), (b'{"by": ""}', "by"), (b'{"by": "a", "at": "2026-01-01T00:00:00Z"}', "at"),
                       (b'{"by": "a", "token": "x"}', "token"), (b"[1]", "(body)"), (b"not json", "(body)")]:
        with pytest.raises(DecisionRefusedError) as refused:
            parse_decision(raw)
        assert refused.value.status == 400 and refused.value.problems[0].field == field


def test_only_a_restore_awaiting_approval_takes_a_decision_and_only_from_an_approver() -> None:
    approval = {"plan": {"sourceId": IDS["VM_ID"], "mode": "newVm"}, "requestedAt": "2026-03-01T08:00:00+00:00",
                "expiresAt": "2026-03-01T10:00:00+00:00", "approvers": ["alice"]}
    waiting = status("rst-1", "Running", custom={"phase": "awaitingApproval", "approval": approval})
    assert check_awaiting(waiting, parse_decision(b'{"by": "alice"}')).id == "rst-1"
    cases = [(waiting, "bob", 403), (status("rst-1", "Running", custom={"phase": "triggering"}), "alice", 409),
             (status("rst-1", "Completed", output={}), "alice", 409)]
    for instance, by, code in cases:
        with pytest.raises(DecisionRefusedError) as refused:
            check_awaiting(instance, parse_decision(json.dumps({"by": by}).encode()))
        assert refused.value.status == code
