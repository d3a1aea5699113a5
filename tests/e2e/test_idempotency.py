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


def test_without_a_key_each_call_is_a_new_restore_with_its_own_post_and_job(stack: Stack) -> None:
    # One VM restored twice in sequence: the second must post its own restore, not report the first one's job.
    body = example("restore-disks.json", stack.ids)
    posts_before = len(stack.restore_posts())
    outcomes = []
    for _ in range(2):
        started = stack.start(body)
        assert started.status_code == 202, started.text
        final = stack.wait_final(started.json()["id"])
        assert final.status_code == 200 and final.json()["status"] == "succeeded", final.text
        outcomes.append(final.json())
    assert outcomes[0]["id"] != outcomes[1]["id"]
    job_ids = [o["jobId"] for o in outcomes]
    assert job_ids[0] and job_ids[1] and job_ids[0] != job_ids[1]
    assert len(stack.restore_posts()) - posts_before == 2
    jobs = stack.azure_jobs()
    assert [jobs[j]["properties"]["status"] for j in job_ids] == ["Completed", "Completed"]


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
