"""Durable waits of `restore_vm`: Retry-After is a floor, transient errors retry on timers, deadlines hold."""

from __future__ import annotations

from datetime import timedelta

from azure.durable_functions.models.history.HistoryEventType import HistoryEventType as H

from restore.contract import parse_failure_output
from tests.unit.orchestrators.conftest import run_until, seconds_until
from tests.unit.orchestrators.fakes import ITEM, JOB_ID, SETTINGS, FakeAzure, err, ok, order
from tests.unit.orchestrators.replay import TIMER, Replay, drive, parse_time


def until_operation_timer(fake: FakeAzure) -> Replay:
    run = Replay("restore_vm", order())
    return run_until(run, fake, lambda r: bool(r.pending(TIMER)))


def test_first_operation_poll_waits_exactly_the_trigger_retry_after() -> None:
    fake = FakeAzure().then("trigger_restore", ok({"statusUrl": "https://x/op", "retryAfter": 75}))
    run = until_operation_timer(fake)
    assert seconds_until(run, run.timer().fire_at) == 75
    assert run.custom_status["nextPollAt"] == (run.now + timedelta(seconds=75)).isoformat()
    assert not run.pending(0), "no poll is scheduled before the timer fires"


def test_each_poll_waits_the_last_retry_after_the_service_gave() -> None:
    fake = FakeAzure().then("get_operation_status", ok({"status": "InProgress", "retryAfter": 45}),
                            ok({"status": "InProgress"}), ok({"status": "InProgress", "retryAfter": 100000}))
    run = until_operation_timer(fake)
    waits = []
    for _ in range(4):
        timer = run.timer()
        waits.append(seconds_until(run, timer.fire_at))
        run.fire(timer)
        run.complete("get_operation_status", fake.answer("get_operation_status", None))
    # trigger said 60; then 45; then absent -> the last one (45) still holds; then absurd -> cap 600
    assert waits == [60, 45, 45, 600]
    assert run.custom_status["phase"] == "waitingForJob"


def test_transient_error_waits_its_retry_after_on_a_timer_then_retries() -> None:
    fake = FakeAzure().then("resolve_backup_item", err("TooManyRequests", transient=True, retry_after=90, status=429))
    run = run_until(Replay("restore_vm", order()), fake, lambda r: bool(r.pending(TIMER)))
    assert seconds_until(run, run.timer().fire_at) == 90
    drive(run, fake.handlers())
    assert fake.names().count("resolve_backup_item") == 2
    assert run.output["status"] == "succeeded"


def test_transient_error_without_retry_after_backs_off_from_the_default() -> None:
    fake = FakeAzure().then("select_recovery_point", *[err("ServerError", transient=True, status=503)] * 3)
    run = run_until(Replay("restore_vm", order()), fake, lambda r: bool(r.pending(TIMER)))
    waits = []
    for _ in range(3):
        waits.append(seconds_until(run, run.timer().fire_at))
        run.fire()
        run_until(run, fake, lambda r: bool(r.pending(TIMER)) or r.custom_status["phase"] != "selectingRecoveryPoint")
    assert waits == [30, 60, 120]
    assert fake.names().count("select_recovery_point") == 4


def test_transient_errors_are_retried_within_the_time_budget_then_fail_with_the_last_error() -> None:
    fake = FakeAzure()
    fake.defaults["resolve_backup_item"] = err("ServerBusy", "try later", transient=True, status=503)
    run = drive(Replay("restore_vm", order()), fake.handlers())
    outcome = parse_failure_output(run.failure)
    # waits 30, 60, 120, 240, 480, 600, 600, 600, 600 (3330 s); one more 600 would pass the 3600 s budget
    assert fake.names().count("resolve_backup_item") == 10
    assert outcome is not None and outcome["error"]["code"] == "ServerBusy" and outcome["error"]["transient"]


def test_transient_errors_while_polling_the_job_honour_retry_after() -> None:
    fake = FakeAzure(job_polls=1).then("get_restore_job", err("TooManyRequests", transient=True, retry_after=120))
    run = run_until(Replay("restore_vm", order()), fake, lambda r: bool(r.pending(2)))
    child = Replay("wait_for_restore_job", run.pending(2)[0].input, instance_id="restore-1:job", now=run.now)
    child = run_until(child, fake, lambda r: bool(r.pending(TIMER)))
    assert seconds_until(child, child.timer().fire_at) == 60  # poll interval after the InProgress poll
    child.fire()
    child = run_until(child, fake, lambda r: bool(r.pending(TIMER)))
    assert seconds_until(child, child.timer().fire_at) == 120  # the 429's Retry-After
    drive(child, fake.handlers())
    assert child.output["value"]["status"] == "Completed"


def test_operation_that_never_ends_times_out_at_the_restore_deadline() -> None:
    fake = FakeAzure(settings={"restoreTimeoutHours": 1, "retryAfterMax": 600})
    fake.defaults["get_operation_status"] = ok({"status": "InProgress", "retryAfter": 600})
    run = drive(Replay("restore_vm", order()), fake.handlers())
    outcome = parse_failure_output(run.failure)
    assert outcome is not None and outcome["error"]["code"] == "RestoreTimedOut"
    assert outcome["phase"] == "waitingForOperation"
    # polls at +1, +11, ..., +61 minutes: the first after the trigger's 60 s, then every capped 600 s
    assert len(fake.inputs("get_operation_status")) == 7
    assert outcome["jobId"] is None and outcome["endedAt"] == "2026-03-01T09:01:00Z"


def _timer_lengths(run: Replay) -> list[float]:
    created = [e for e in run.history if e["EventType"] == H.TIMER_CREATED]
    return [(parse_time(e["FireAt"]) - parse_time(e["Timestamp"])) / timedelta(seconds=1) for e in created]


def test_every_durable_timer_stays_under_the_long_timer_threshold_whatever_the_service_asks() -> None:
    cap = {"retryAfterDefault": 86_400, "retryAfterMax": 86_400, "jobPollInterval": 86_400,
           "restoreTimeoutHours": 24 * 30}
    ten_days = 10 * 86_400
    fake = FakeAzure(cap, job_polls=2).then(
        "trigger_restore", ok({"statusUrl": "https://management.azure.com/op", "retryAfter": ten_days}))
    fake.then("get_operation_status", ok({"status": "InProgress", "retryAfter": ten_days}))
    run = drive(Replay("restore_vm", order()), fake.handlers())
    assert run.output["status"] == "succeeded"
    assert _timer_lengths(run) == [86_400, 86_400], "operation polls, each capped"
    wait_input = {"item": ITEM, "jobId": JOB_ID, "settings": {**SETTINGS, **cap}, "deadline": "2026-03-20T08:00:00Z"}
    job_wait = drive(Replay("wait_for_restore_job", wait_input, instance_id="restore-1:job"),
                     FakeAzure(cap, job_polls=2).handlers())
    assert job_wait.output["error"] is None and _timer_lengths(job_wait) == [86_400, 86_400]
