"""`wait_for_restore_job`: durable polling, progress, continue-as-new, bounded history; callbacks; no tokens."""

from __future__ import annotations

import json

from azure.durable_functions.models.history.HistoryEventType import HistoryEventType as H

from orchestrators.policy import CRR_JOB_APPEAR_SECONDS, POLLS_PER_EPISODE
from tests.unit.orchestrators.fakes import ITEM, JOB_ID, SETTINGS, FakeAzure, err, job, ok, order
from tests.unit.orchestrators.replay import Replay, drive

WAIT_INPUT = {"item": ITEM, "jobId": JOB_ID, "crossRegion": False, "settings": SETTINGS,
              "deadline": "2026-03-03T08:00:00Z"}


def test_job_wait_polls_at_the_interval_and_publishes_progress() -> None:
    fake = FakeAzure(job_polls=3)
    run = drive(Replay("wait_for_restore_job", WAIT_INPUT, instance_id="restore-1:job"), fake.handlers())
    assert run.output["value"]["status"] == "Completed" and run.output["error"] is None
    progress = [s["progress"] for i, s in enumerate(run.statuses) if s and s != run.statuses[i - 1]]
    assert progress[:3] == [10.0, 20.0, 30.0] and progress[-1] == 100.0
    assert next(s for s in run.statuses if s)["nextPollAt"] == "2026-03-01T08:01:00+00:00"
    assert run.now.isoformat() == "2026-03-01T08:03:00+00:00"


def test_long_job_continues_as_new_and_keeps_history_bounded() -> None:
    polls = 10 * POLLS_PER_EPISODE + 5
    fake = FakeAzure(job_polls=polls)
    run = drive(Replay("wait_for_restore_job", WAIT_INPUT, instance_id="restore-1:job"), fake.handlers(),
                max_steps=20000)
    assert run.output["value"]["status"] == "Completed"
    assert run.generations == 11
    assert max(run.history_sizes) <= 8 * POLLS_PER_EPISODE + 10
    assert run.statuses[-1]["polls"] == polls + 1
    assert len(fake.inputs("get_restore_job")) == polls + 1


def test_parent_history_does_not_grow_with_job_duration() -> None:
    short, long = FakeAzure(job_polls=2), FakeAzure(job_polls=300)
    short_run = drive(Replay("restore_vm", order()), short.handlers())
    long_run = drive(Replay("restore_vm", order()), long.handlers(), max_steps=20000)
    assert long_run.output["status"] == "succeeded"
    assert long_run.history_sizes == short_run.history_sizes
    assert long_run.output["endedAt"] == "2026-03-01T13:01:00Z"  # 5 hours of polls


def test_job_wait_stops_at_the_deadline() -> None:
    fake = FakeAzure(job_polls=1000)
    run = drive(Replay("wait_for_restore_job", {**WAIT_INPUT, "deadline": "2026-03-01T08:30:00Z"}), fake.handlers())
    assert run.output["error"]["code"] == "RestoreTimedOut"
    assert run.output["value"]["status"] == "InProgress"


def test_job_wait_returns_a_terminal_polling_error() -> None:
    fake = FakeAzure(job_polls=1).then("get_restore_job", err("JobNotFound", "gone", status=404))
    run = drive(Replay("wait_for_restore_job", WAIT_INPUT), fake.handlers())
    assert run.output["error"]["code"] == "JobNotFound"


def test_a_crr_job_not_found_right_after_its_operation_is_polled_again_for_a_bounded_time() -> None:
    missing = err("BMSUserErrorJobNotFound", "no such job", status=404)
    fake = FakeAzure(job_polls=0).then("get_restore_job", missing, missing, ok(job("InProgress", 10.0)))
    run = drive(Replay("wait_for_restore_job", {**WAIT_INPUT, "crossRegion": True}), fake.handlers())
    assert run.output["error"] is None and run.output["value"]["status"] == "Completed"
    assert len(fake.inputs("get_restore_job")) == 4  # two 404s, then InProgress, then Completed


def test_a_crr_job_that_stays_missing_fails_after_the_window() -> None:
    missing = err("BMSUserErrorJobNotFound", "no such job", status=404)
    fake = FakeAzure(job_polls=0).then("get_restore_job", *[missing] * 30)
    run = drive(Replay("wait_for_restore_job", {**WAIT_INPUT, "crossRegion": True}), fake.handlers())
    assert run.output["error"]["code"] == "BMSUserErrorJobNotFound"
    polls = len(fake.inputs("get_restore_job"))
    assert polls == CRR_JOB_APPEAR_SECONDS // SETTINGS["jobPollInterval"] + 1


def test_a_crr_job_that_was_seen_and_then_404s_is_an_error_at_once() -> None:
    missing = err("BMSUserErrorJobNotFound", "no such job", status=404)
    fake = FakeAzure(job_polls=0).then("get_restore_job", ok(job("InProgress", 10.0)), missing)
    run = drive(Replay("wait_for_restore_job", {**WAIT_INPUT, "crossRegion": True}), fake.handlers())
    assert run.output["error"]["code"] == "BMSUserErrorJobNotFound" and len(fake.inputs("get_restore_job")) == 2


def test_callback_is_notified_once_with_the_outcome_on_success_failure_and_cancel() -> None:
    url = "https://hooks.example.com/restore"
    ok_fake = FakeAzure()
    done = drive(Replay("restore_vm", order(callbackUrl=url)), ok_fake.handlers())
    assert ok_fake.inputs("notify_callback") == [{"url": url, "body": {"id": "restore-1", **done.output}}]
    failed_fake = FakeAzure(final_job=job("Failed", 50.0, errors=[{"code": "E1", "message": "bad"}]))
    failed = drive(Replay("restore_vm", order(callbackUrl=url)), failed_fake.handlers())
    assert [b["body"]["status"] for b in failed_fake.inputs("notify_callback")] == ["failed"]
    assert failed.failure is not None
    cancel_fake = FakeAzure()
    cancelled = Replay("restore_vm", order(callbackUrl=url)).start().raise_event("cancel")
    drive(cancelled, cancel_fake.handlers())
    assert [b["body"]["status"] for b in cancel_fake.inputs("notify_callback")] == ["cancelled"]


def test_failed_callback_is_reported_but_does_not_change_the_outcome() -> None:
    fake = FakeAzure()
    fake.defaults["notify_callback"] = err("Callback503", "down", transient=True, retry_after=5, status=503)
    run = drive(Replay("restore_vm", order(callbackUrl="https://hooks.example.com/x")), fake.handlers())
    assert run.output["status"] == "succeeded"
    assert len(fake.inputs("notify_callback")) == 3
    assert run.custom_status["callbackDelivered"] is False


def test_no_token_like_value_enters_inputs_outputs_or_status() -> None:
    # Token-shaped values ride along in what the fakes answer (as a buggy service or activity might send them):
    # none may travel on into another activity's input, a sub-orchestration, the custom status or the outcome.
    secret = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.secret-crr-token"
    fake = FakeAzure()
    fake.then("trigger_restore", ok({"statusUrl": "https://management.azure.com/op", "retryAfter": 60,
                                     "accessToken": secret}))
    fake.then("get_operation_status", ok({"status": "Succeeded", "jobId": JOB_ID, "retryAfter": 60,
                                          "crrAccessToken": secret}))
    fake.defaults["get_restore_job"] = ok(job("Completed", 100.0, duration="PT20M", accessToken=secret))
    run = drive(Replay("restore_vm", order(crossRegion=True)), fake.handlers())
    assert run.output["status"] == "succeeded"
    results_seen = json.dumps([payload for _, payload in fake.calls])
    assert secret not in results_seen, "an activity got a token in its input"
    scheduled = [e for e in run.history if e["EventType"] in (H.TASK_SCHEDULED, H.SUB_ORCHESTRATION_INSTANCE_CREATED)]
    assert scheduled and secret not in json.dumps(scheduled)
    assert secret not in json.dumps([run.statuses, run.output])
    assert "Bearer" not in json.dumps([run.statuses, run.output])
