"""Repeats start nothing new: Idempotency-Key, Event Grid redelivery, alert redelivery."""

from __future__ import annotations

from restore.contract import Source, instance_id_for
from tests.e2e.helpers import Stack, example


def test_same_idempotency_key_returns_the_same_restore_even_after_it_finished(stack: Stack) -> None:
    body = example("restore-disks.json", stack.ids)
    first = stack.start(body, {"Idempotency-Key": "change-4711"})
    assert first.status_code == 202
    restore_id = first.json()["id"]
    count = stack.instance_count()
    assert count >= 1
    repeat = stack.start(body, {"Idempotency-Key": "change-4711"})
    assert repeat.status_code == 200 and repeat.json()["id"] == restore_id
    assert stack.wait_final(restore_id).status_code == 200
    after_finish = stack.start(body, {"Idempotency-Key": "change-4711"})
    assert after_finish.status_code == 200 and after_finish.json()["status"] == "succeeded"
    assert stack.instance_count() == count
    different = stack.start(example("selective-disks.json", stack.ids), {"Idempotency-Key": "change-4711"})
    assert different.status_code == 409
    assert stack.instance_count() == count


def test_without_a_key_each_call_is_a_new_restore(stack: Stack) -> None:
    body = example("restore-disks.json", stack.ids)
    first, second = stack.start(body), stack.start(body)
    assert first.json()["id"] != second.json()["id"]
    for response in (first, second):
        assert stack.wait_final(response.json()["id"]).status_code in (200, 422)


def test_redelivered_event_starts_one_restore(stack: Stack) -> None:
    events = example("eventgrid-event.json", stack.ids)
    assert stack.eventgrid(events).status_code in (200, 202)
    restore_id = instance_id_for(Source.EVENTGRID, events[0]["topic"].lower(), events[0]["id"])
    final = stack.wait_final(restore_id)
    assert final.status_code == 200, final.text
    count = stack.instance_count()
    assert stack.eventgrid(events).status_code in (200, 202)
    assert stack.instance_count() == count
    assert stack.get(restore_id).json()["status"] == "succeeded"


def test_redelivered_alert_starts_one_restore_per_vm(stack: Stack) -> None:
    alert = example("azure-monitor-alert.json", stack.ids)
    first = stack.signed_post("/webhooks/incident", alert)
    assert first.status_code == 202, first.text
    [started] = first.json()["restores"]
    assert started["created"] is True and started["vmId"] == stack.ids["VM_ID"]
    count = stack.instance_count()
    again = stack.signed_post("/webhooks/incident", alert)
    assert again.status_code == 200 and again.json()["restores"][0]["id"] == started["id"]
    assert again.json()["restores"][0]["created"] is False
    assert stack.instance_count() == count
    assert stack.wait_final(started["id"]).status_code == 200
