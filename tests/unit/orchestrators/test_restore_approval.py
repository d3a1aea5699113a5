"""The approval gate of `restore_vm`: nothing is triggered before `approve`; reject, timeout and cancel end it
`cancelled` with nothing started; each round races fresh waits (the Durable extension's scheduling rules)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.unit.orchestrators.conftest import run_until, seconds_until
from tests.unit.orchestrators.fakes import STORAGE_ID, SUB, VNET_ID, FakeAzure, err, order
from tests.unit.orchestrators.replay import EVENT, TIMER, Replay, drive

APPROVAL = {"required": True, "timeout": "PT2H", "approvers": ["alice", "bob"]}
ROUND = [(EVENT, "approve"), (EVENT, "reject"), (EVENT, "cancel"), (TIMER, None)]


def _kinds(actions: list[dict[str, Any]]) -> list[tuple[Any, Any]]:
    return [(a["actionType"], a.get("externalEventName")) for a in actions]


def awaiting(fake: FakeAzure, **request: Any) -> Replay:
    """A restore that asks for approval, run until it waits for it."""
    replay = Replay("restore_vm", order(**{"approval": APPROVAL, **request}))
    return run_until(replay, fake, lambda r: (r.custom_status or {}).get("phase") == "awaitingApproval"
                     and bool(r.pending(TIMER)))


def test_a_restore_that_asks_for_approval_waits_with_its_plan_and_triggers_nothing() -> None:
    fake = FakeAzure()
    run = awaiting(fake)
    status = run.custom_status
    assert "trigger_restore" not in fake.names() and fake.names()[-1] == "validate_restore"
    plan = status["approval"]["plan"]
    assert plan["mode"] == "restoreDisks" and plan["validation"] == "passed"
    assert plan["recoveryPoint"]["name"] and plan["targets"] == {"storageAccountId": STORAGE_ID}
    assert status["approval"]["approvers"] == ["alice", "bob"] and status["approval"]["record"] is None
    assert seconds_until(run, run.timer().fire_at) == 7200
    assert _kinds(run.new_actions()) == ROUND


def test_approval_triggers_the_restore_and_records_who_approved() -> None:
    fake = FakeAzure()
    run = awaiting(fake)
    timer = run.timer()
    run.raise_event("approve", {"by": "alice", "reason": "INC-42", "at": "2026-03-01T08:30:00+00:00"})
    assert timer.cancelled, "the timeout timer is cancelled once decided"
    drive(run, fake.handlers())
    assert "trigger_restore" in fake.names()
    assert run.output["status"] == "succeeded"
    assert run.output["approval"] == {"by": "alice", "reason": "INC-42", "at": "2026-03-01T08:30:00+00:00",
                                      "decision": "approved"}
    assert run.custom_status["approval"]["record"]["by"] == "alice"


def test_a_decision_sent_as_json_text_is_read_as_the_python_client_delivers_it() -> None:
    fake = FakeAzure()
    run = awaiting(fake)
    run.raise_event("approve", '{"by": "bob"}')  # azure-functions-durable-python issue #295
    drive(run, fake.handlers())
    assert run.output["approval"]["by"] == "bob" and "trigger_restore" in fake.names()


def test_rejection_ends_cancelled_with_who_and_why_and_triggers_nothing() -> None:
    fake = FakeAzure()
    run = awaiting(fake)
    run.raise_event("reject", {"by": "bob", "reason": "wrong VM"})
    assert run.is_done and run.failure is None
    assert run.output["status"] == "cancelled" and run.output["phase"] == "awaitingApproval"
    assert run.output["error"]["code"] == "RestoreRejected" and "bob" in run.output["error"]["message"]
    assert run.output["approval"]["decision"] == "rejected" and run.output["approval"]["reason"] == "wrong VM"
    assert "trigger_restore" not in fake.names()


def test_no_decision_before_the_timeout_ends_cancelled_and_triggers_nothing() -> None:
    fake = FakeAzure()
    run = awaiting(fake)
    run.fire()
    assert run.output["status"] == "cancelled"
    assert run.output["error"]["code"] == "ApprovalTimedOut" and "PT2H" in run.output["error"]["message"]
    assert run.output["approval"]["decision"] == "expired"
    assert "trigger_restore" not in fake.names()


def test_a_decision_by_someone_not_listed_is_dropped_and_a_fresh_wait_starts() -> None:
    fake = FakeAzure()
    run = awaiting(fake)
    first_timer = run.timer()
    run.raise_event("approve", {"by": "mallory"})
    assert not run.is_done and "trigger_restore" not in fake.names()
    assert first_timer.cancelled and run.timer() is not first_timer
    assert run.timer().fire_at == first_timer.fire_at, "the deadline does not move"
    assert _kinds(run.new_actions()) == ROUND, "each round awaits waits and a timer of its own"
    run.raise_event("reject", {"by": "alice"})
    assert run.output["error"]["code"] == "RestoreRejected" and run.output["approval"]["by"] == "alice"


def test_a_malformed_decision_is_dropped() -> None:
    fake = FakeAzure()
    run = awaiting(fake)
    run.raise_event("approve", {"reason": "no by"})
    run.raise_event("approve", {"by": "alice", "token": "x"})
    assert not run.is_done and "trigger_restore" not in fake.names()


def test_cancel_while_awaiting_approval_stops_at_once() -> None:
    fake = FakeAzure()
    run = awaiting(fake)
    timer = run.timer()
    run.raise_event("cancel", {"reason": "operator"})
    assert run.output["status"] == "cancelled" and run.output["phase"] == "awaitingApproval"
    assert timer.cancelled and "trigger_restore" not in fake.names()


def test_without_approval_nothing_waits() -> None:
    fake = FakeAzure()
    run = drive(Replay("restore_vm", order()), fake.handlers())
    assert run.output["status"] == "succeeded" and run.output["approval"] is None
    assert all(s is None or s.get("phase") != "awaitingApproval" for s in run.statuses)


def test_a_plan_without_validation_says_it_was_skipped() -> None:
    fake = FakeAzure(settings={"validateBeforeRestore": False})
    run = awaiting(fake)
    assert run.custom_status["approval"]["plan"]["validation"] == "skipped"
    assert "validate_restore" not in fake.names()


def test_a_deleted_vm_is_resolved_from_the_vaults_and_an_unprotected_one_is_ignored() -> None:
    fake = FakeAzure().then("resolve_backup_item", err("VmNotProtected", "no vault holds it"))
    body = order(mode="newVm", targetResourceGroupId=f"/subscriptions/{SUB}/resourceGroups/rg1", targetVmName="vm1",
                 targetVnetId=VNET_ID, targetSubnetId=f"{VNET_ID}/subnets/default")
    run = drive(Replay("restore_vm", {**body, "source": "delete"}), fake.handlers())
    assert fake.inputs("resolve_backup_item")[0]["vmDeleted"] is True
    assert run.failure is None and run.output["status"] == "cancelled"
    assert run.output["error"]["code"] == "VmNotProtected" and run.output["phase"] == "resolving"


def test_an_http_restore_of_an_unprotected_vm_still_fails() -> None:
    fake = FakeAzure().then("resolve_backup_item", err("VmNotProtected"))
    run = drive(Replay("restore_vm", order()), fake.handlers())
    assert run.failure is not None and "VmNotProtected" in run.failure
    assert fake.inputs("resolve_backup_item")[0]["vmDeleted"] is False


def test_the_timeout_is_the_requests_own() -> None:
    fake = FakeAzure()
    run = awaiting(fake, approval={"required": True, "timeout": "PT15M"})
    assert seconds_until(run, run.timer().fire_at) == timedelta(minutes=15).total_seconds()


def test_a_waiting_restore_is_announced_to_the_callback_and_as_an_event_once() -> None:
    fake = FakeAzure(settings={"eventsEnabled": True})
    run = awaiting(fake, callbackUrl="https://hooks.example.com/restore")
    [callback] = fake.inputs("notify_callback")
    assert callback["url"] == "https://hooks.example.com/restore"
    assert callback["body"]["status"] == "awaitingApproval" and callback["body"]["approval"]["plan"]["mode"]
    [event] = fake.inputs("publish_event")
    assert event["kind"] == "approvalPending" and event["instanceId"] == run.instance_id and event["id"]
    assert event["data"]["approval"] == run.custom_status["approval"]
    assert "trigger_restore" not in fake.names()
    run.raise_event("approve", {"by": "alice"})
    drive(run, fake.handlers())
    assert run.output["status"] == "succeeded" and len(fake.inputs("publish_event")) == 1


def test_no_event_is_published_without_a_topic_and_a_failed_publish_does_not_stop_the_wait() -> None:
    quiet = FakeAzure()
    awaiting(quiet)
    assert quiet.inputs("publish_event") == []
    failing = FakeAzure(settings={"eventsEnabled": True})
    failing.defaults["publish_event"] = err("EventGrid403", "not a data sender", status=403)
    run = awaiting(failing)
    assert len(failing.inputs("publish_event")) == 1 and not run.is_done
    run.raise_event("approve", {"by": "bob"})
    drive(run, failing.handlers())
    assert run.output["status"] == "succeeded"
