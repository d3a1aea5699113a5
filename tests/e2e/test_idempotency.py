"""Repeats start nothing new: Idempotency-Key, Event Grid redelivery, alert redelivery."""

from __future__ import annotations

import requests

from restore.instance_ids import Source, instance_id_for
from tests.e2e.helpers import Stack, example
from tests.support.azure_log import (
    assert_cancelled_in_azure,
    assert_job_ended,
    assert_one_restore,
    mismatches,
)


def _same_answer(repeat: requests.Response, now: requests.Response) -> None:
    assert repeat.status_code == now.status_code, (repeat.text, now.text)
    assert repeat.headers.get("Location") == now.headers.get("Location")
    if repeat.json().get("phase") == now.json().get("phase"):  # Retry-After follows the phase, which may move on
        assert repeat.headers.get("Retry-After") == now.headers.get("Retry-After")
    volatile = ("updatedAt", "progress", "phase", "jobId")  # the restore moves on between the two reads
    assert {k: v for k, v in repeat.json().items() if k not in volatile} == \
        {k: v for k, v in now.json().items() if k not in volatile}


def test_a_repeat_answers_what_get_answers_running_then_finished(stack: Stack) -> None:
    stack.scenario(jobSeconds=6000)
    body = example("restore-disks.json", stack.ids)
    first = stack.start(body, {"Idempotency-Key": "change-4711"})
    assert first.status_code == 202
    restore_id = first.json()["id"]
    count = stack.instance_count()
    assert count >= 1
    repeat = stack.start(body, {"Idempotency-Key": "change-4711"})
    assert repeat.status_code == 202 and repeat.json()["id"] == restore_id and repeat.json()["status"] == "running"
    assert repeat.headers["Location"].endswith(f"/api/restores/{restore_id}") and int(repeat.headers["Retry-After"])
    _same_answer(repeat, stack.get(restore_id))
    finished = stack.wait_final(restore_id)
    assert finished.status_code == 200
    after_finish = stack.start(body, {"Idempotency-Key": "change-4711"})
    assert after_finish.status_code == 200 and after_finish.json()["status"] == "succeeded"
    assert "Location" not in after_finish.headers and "Retry-After" not in after_finish.headers
    _same_answer(after_finish, stack.get(restore_id))
    assert stack.instance_count() == count
    different = stack.start(example("selective-disks.json", stack.ids), {"Idempotency-Key": "change-4711"})
    assert different.status_code == 409
    assert stack.instance_count() == count
    assert_one_restore(stack.azure, body, finished.json())
    assert_job_ended(stack.azure, finished.json(), "Completed")


def test_a_repeat_of_a_failed_restore_is_422_never_200(stack: Stack) -> None:
    stack.scenario(jobResult="Failed")
    body = example("restore-disks.json", stack.ids)
    restore_id = stack.start(body, {"Idempotency-Key": "change-4712"}).json()["id"]
    assert stack.wait_final(restore_id).status_code == 422
    repeat = stack.start(body, {"Idempotency-Key": "change-4712"})
    assert repeat.status_code == 422 and repeat.json()["status"] == "failed" and repeat.json()["error"]["code"]
    _same_answer(repeat, stack.get(restore_id))
    assert_one_restore(stack.azure, body, repeat.json())
    assert_job_ended(stack.azure, repeat.json(), "Failed")


def test_a_repeat_of_a_cancelled_restore_is_409(stack: Stack) -> None:
    stack.scenario(jobSeconds=60000)
    body = example("restore-disks.json", stack.ids)
    restore_id = stack.start(body, {"Idempotency-Key": "change-4713"}).json()["id"]
    stack.wait_phase(restore_id, "waitingForJob")
    assert requests.post(f"{stack.api}/restores/{restore_id}/cancel", json={}, timeout=30).status_code == 202
    assert stack.wait_final(restore_id).status_code == 409
    repeat = stack.start(body, {"Idempotency-Key": "change-4713"})
    assert repeat.status_code == 409 and repeat.json()["error"]["code"] == "RestoreCancelled"
    _same_answer(repeat, stack.get(restore_id))
    assert_one_restore(stack.azure, body, repeat.json())
    assert_cancelled_in_azure(stack.azure, repeat.json()["jobId"])


def test_without_a_key_each_call_is_a_new_restore_with_its_own_post_and_job(stack: Stack) -> None:
    # One VM restored twice in sequence: the second must post its own restore, not report the first one's job.
    body = example("restore-disks.json", stack.ids)
    since = stack.azure.mark()
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
    posts = stack.azure.restore_posts(body["vmId"], since)
    assert len(posts) == 2, f"{len(posts)} restore POSTs for two restores"
    assert [mismatches(p, body, o["recoveryPoint"]["name"]) for p, o in zip(posts, outcomes, strict=True)] == [{}, {}]
    assert [stack.azure.job_status(j) for j in job_ids] == ["Completed", "Completed"]


def test_redelivered_event_starts_one_restore(stack: Stack) -> None:
    events = example("eventgrid-event.json", stack.ids)
    events[0]["id"] = "redelivered-1"  # its own event: the session's host may already hold the example's
    assert stack.eventgrid(events).status_code in (200, 202)
    restore_id = instance_id_for(Source.EVENTGRID, events[0]["topic"].lower(), events[0]["id"])
    final = stack.wait_final(restore_id)
    assert final.status_code == 200, final.text
    count = stack.instance_count()
    assert stack.eventgrid(events).status_code in (200, 202)
    assert stack.instance_count() == count
    assert stack.get(restore_id).json()["status"] == "succeeded"
    assert_one_restore(stack.azure, events[0]["data"], final.json())


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
    final = stack.wait_final(started["id"])
    assert final.status_code == 200
    assert stack.instance_count() == count
    assert len(stack.azure.restore_posts(stack.ids["VM_ID"])) == 1
    assert_job_ended(stack.azure, final.json(), "Completed")
