"""A throttling storm never fails a restore: every ARM step of every phase, throttled many times in a row, waits each
Retry-After on a durable timer and goes on; only the hour of retry waits ends it, naming the throttle."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from azure.durable_functions.models.history.HistoryEventType import HistoryEventType as H

from restore.contract import parse_failure_output
from tests.unit.orchestrators.fakes import ITEM, JOB_ID, SETTINGS, FakeAzure, err, job, ok, order
from tests.unit.orchestrators.replay import SUB, Replay, drive, parse_time
from tests.unit.orchestrators.test_restore_cancel import cancel_when

IN_A_ROW = 40  # 40 x 30 s = 20 minutes of throttling: more tries than any attempt cap allows, inside the hour
RETRY_AFTER = 30


def throttle(retry_after: int | None = RETRY_AFTER) -> dict[str, Any]:
    return err("TooManyRequests", "Injected throttle", transient=True, retry_after=retry_after, status=429)


def timer_lengths(run: Replay) -> list[float]:
    created = [e for e in run.history if e["EventType"] == H.TIMER_CREATED]
    return [(parse_time(e["FireAt"]) - parse_time(e["Timestamp"])) / timedelta(seconds=1) for e in created]


# (activity, request fields, how the fake must answer so that the activity is called at all)
PARENT_PATHS = [
    ("resolve_backup_item", {}, {}),
    ("select_recovery_point", {}, {}),
    ("validate_restore", {}, {}),
    ("trigger_restore", {}, {}),
    ("trigger_restore", {"crossRegion": True}, {}),  # AAD properties, CRR token and CRR POST, in one activity
    ("get_operation_status", {}, {}),
    ("get_operation_status", {"crossRegion": True}, {}),
    ("find_restore_job", {"crossRegion": True}, {"get_operation_status": ok({"status": "Succeeded"})}),
]


@pytest.mark.parametrize(("activity", "request_fields", "defaults"), PARENT_PATHS,
                         ids=[f"{a}{'-crr' if r else ''}" for a, r, _ in PARENT_PATHS])
def test_a_step_throttled_many_times_in_a_row_still_ends_the_restore_succeeded(
        activity: str, request_fields: dict[str, Any], defaults: dict[str, Any]) -> None:
    fake = FakeAzure(job_polls=0).then(activity, *[throttle()] * IN_A_ROW)
    fake.defaults.update(defaults)
    run = drive(Replay("restore_vm", order(**request_fields)), fake.handlers())
    assert run.failure is None, parse_failure_output(run.failure)
    assert run.output["status"] == "succeeded"
    assert fake.names().count(activity) == IN_A_ROW + 1
    throttle_waits = [t for t in timer_lengths(run) if t == RETRY_AFTER]
    assert len(throttle_waits) >= IN_A_ROW, "each retry waits the Retry-After on a durable timer"
    assert min(timer_lengths(run)) >= RETRY_AFTER


def wait_input(**fields: Any) -> dict[str, Any]:
    return {"item": ITEM, "jobId": JOB_ID, "settings": SETTINGS, "deadline": "2026-03-03T08:00:00Z", **fields}


@pytest.mark.parametrize("cross_region", [False, True], ids=["primary", "crr"])
def test_job_polls_throttled_many_times_in_a_row_still_follow_the_job_to_its_end(cross_region: bool) -> None:
    fake = FakeAzure(job_polls=0).then("get_restore_job", ok(job("InProgress", 10.0)), *[throttle()] * IN_A_ROW)
    child = drive(Replay("wait_for_restore_job", wait_input(crossRegion=cross_region), instance_id="restore-1:job"),
                  fake.handlers())
    assert child.output["error"] is None and child.output["value"]["status"] == "Completed"
    assert fake.names().count("get_restore_job") == IN_A_ROW + 2
    assert timer_lengths(child).count(RETRY_AFTER) == IN_A_ROW


def test_a_cancel_throttled_many_times_in_a_row_still_reaches_azure() -> None:
    fake = FakeAzure(job_polls=0).then("cancel_restore_job", *[throttle()] * IN_A_ROW)
    fake.then("get_restore_job", ok(job("InProgress", 10.0)), ok(job("Cancelled", 10.0)))
    run = drive(Replay("restore_vm", order()), fake.handlers(), hook=cancel_when(lambda r: bool(r.pending(SUB))))
    assert fake.names().count("cancel_restore_job") == IN_A_ROW + 1
    assert run.output["status"] == "cancelled"
    assert "cancelError" not in run.custom_status or run.custom_status["cancelError"] is None


def test_a_throttle_without_retry_after_waits_the_default_each_time_without_growing() -> None:
    fake = FakeAzure(job_polls=0).then("resolve_backup_item", *[throttle(None)] * 20)
    run = drive(Replay("restore_vm", order()), fake.handlers())
    assert run.output["status"] == "succeeded"
    assert timer_lengths(run)[:20] == [SETTINGS["retryAfterDefault"]] * 20


def test_a_throttle_that_never_ends_fails_after_the_hour_of_retry_waits_naming_it() -> None:
    fake = FakeAzure(settings={"retryAfterMax": 600})
    fake.defaults["trigger_restore"] = throttle(300)
    run = drive(Replay("restore_vm", order()), fake.handlers())
    outcome = parse_failure_output(run.failure)
    assert outcome is not None and outcome["error"]["code"] == "TooManyRequests"
    assert outcome["phase"] == "triggering"
    # 12 waits of 300 s fill the 3600 s budget exactly; a 13th would pass it
    assert fake.names().count("trigger_restore") == 13
    assert timer_lengths(run) == [300] * 12


def test_server_errors_without_retry_after_still_stop_at_the_attempt_cap() -> None:
    fake = FakeAzure(settings={"retryAfterDefault": 1, "retryAfterMax": 1})
    fake.defaults["select_recovery_point"] = err("ServiceUnavailable", transient=True, status=503)
    run = drive(Replay("restore_vm", order()), fake.handlers())
    outcome = parse_failure_output(run.failure)
    assert outcome is not None and outcome["error"]["code"] == "ServiceUnavailable"
    assert fake.names().count("select_recovery_point") == 12
