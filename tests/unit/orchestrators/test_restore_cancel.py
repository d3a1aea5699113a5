"""The `cancel` external event at every phase of `restore_vm`, under the Durable extension's scheduling rules.

The harness awaits actions one after another as the extension does (see `replay.py`), so a cancel only takes
effect in the episode it arrives when the race the run is waiting in includes its own wait for `cancel`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import pytest

from tests.unit.orchestrators.conftest import run_until, seconds_until, waiting_for
from tests.unit.orchestrators.fakes import JOB_ID, VM_ID, FakeAzure, err, job, ok, order
from tests.unit.orchestrators.replay import ACTIVITY, EVENT, SUB, TIMER, WHEN_ANY, Replay, drive


def cancel_when(condition: Callable[[Replay], bool]) -> Callable[[Replay], None]:
    """A `drive` hook that raises `cancel` once, the first time `condition` holds."""
    sent: list[bool] = []

    def hook(run: Replay) -> None:
        if not sent and condition(run):
            sent.append(True)
            run.raise_event("cancel", {"reason": "operator"})

    return hook


def cancelling_job_fake() -> FakeAzure:
    fake = FakeAzure(job_polls=0)
    fake.then("get_restore_job", ok(job("Cancelling", 30.0)), ok(job("Cancelled", 30.0)))
    return fake


@pytest.mark.parametrize(("activity", "phase"), [
    ("get_restore_settings", "resolving"),
    ("resolve_backup_item", "resolving"),
    ("select_recovery_point", "selectingRecoveryPoint"),
    ("validate_restore", "validating"),
])
def test_cancel_before_the_trigger_stops_at_once_and_starts_nothing(activity: str, phase: str) -> None:
    fake = FakeAzure()
    run = drive(Replay("restore_vm", order()), fake.handlers(), hook=cancel_when(waiting_for(activity)))
    assert run.failure is None
    assert run.output["status"] == "cancelled" and run.output["phase"] == phase
    assert run.output["cancelRequested"] is True and run.output["jobId"] is None
    assert activity not in fake.names() and "trigger_restore" not in fake.names()
    assert run.custom_status["phase"] == "done" and run.custom_status["outcome"] == "cancelled"


def test_cancel_during_a_transient_retry_wait_cancels_the_timer_and_stops() -> None:
    fake = FakeAzure().then("resolve_backup_item", err("Throttled", transient=True, retry_after=300))
    run = run_until(Replay("restore_vm", order()), fake, lambda r: bool(r.pending(TIMER)))
    timer = run.timer()
    run.raise_event("cancel")
    assert run.output["status"] == "cancelled" and run.output["phase"] == "resolving"
    assert timer.cancelled, "the retry timer is cancelled, not left to fire"
    assert fake.names().count("resolve_backup_item") == 1


def test_cancel_while_triggering_lets_the_trigger_finish_then_cancels_the_job_in_azure() -> None:
    fake = cancelling_job_fake()
    run = drive(Replay("restore_vm", order()), fake.handlers(), hook=cancel_when(waiting_for("trigger_restore")))
    assert fake.names()[-4:] == ["get_operation_status", "cancel_restore_job", "get_restore_job", "get_restore_job"]
    assert fake.inputs("cancel_restore_job") == [{"item": fake.inputs("trigger_restore")[0]["item"],
                                                  "jobId": JOB_ID, "crossRegion": False}]
    assert run.output["status"] == "cancelled" and run.output["jobId"] == JOB_ID


def test_cancel_while_waiting_for_the_operation_keeps_the_retry_after_floor() -> None:
    fake = cancelling_job_fake()
    run = run_until(Replay("restore_vm", order()), fake, lambda r: bool(r.pending(TIMER)))
    timer = run.timer()
    run.raise_event("cancel")
    assert run.custom_status["cancelRequested"] is True
    assert run.timer() is timer and not timer.cancelled and not run.pending(0), "no early poll after a cancel"
    assert seconds_until(run, timer.fire_at) == 60
    drive(run, fake.handlers())
    assert "cancel_restore_job" in fake.names()
    assert run.output["status"] == "cancelled" and run.output["phase"] == "cancelling"


def test_cancel_while_the_job_runs_cancels_it_in_azure_and_waits_for_cancelled() -> None:
    fake = cancelling_job_fake()
    run = run_until(Replay("restore_vm", order()), fake, lambda r: bool(r.pending(SUB)))
    sub = run.pending(SUB)[0]
    assert sub.instance_id == "restore-1:job" and sub.name == "wait_for_restore_job"
    run.raise_event("cancel")
    assert run.custom_status["phase"] == "cancelling"
    run = run_until(run, fake, lambda r: not r.pending(0))
    assert fake.names()[-1] == "cancel_restore_job"
    assert run.pending(SUB) == [sub], "the parent keeps waiting for the same sub-orchestration"
    drive(run, fake.handlers())
    assert run.output["status"] == "cancelled" and run.output["jobId"] == JOB_ID
    assert fake.names()[-2:] == ["get_restore_job", "get_restore_job"]


def test_cancelling_a_cross_region_restore_stops_waiting_and_never_calls_the_primary_cancel() -> None:
    fake = FakeAzure(job_polls=50)
    crr = order(crossRegion=True, targetResourceGroupId=VM_ID.split("/providers/")[0])
    run = run_until(Replay("restore_vm", crr), fake, lambda r: bool(r.pending(SUB)))
    sub = run.pending(SUB)[0]
    run.raise_event("cancel")
    # An open sub-orchestration keeps the run open: it waits for the job wait (which the front door stops too).
    assert run.custom_status["phase"] == "cancelling" and run.pending(SUB) == [sub]
    drive(run, fake.handlers(), max_steps=20000)
    assert run.output["status"] == "cancelled" and run.output["jobId"] == JOB_ID
    assert run.output["error"]["code"] == "CrossRegionJobNotCancellable"
    assert f"Azure job {JOB_ID} may still run" in run.output["error"]["message"]
    assert "cancel_restore_job" not in fake.names()


def test_refused_job_cancel_is_reported_and_the_real_job_result_wins() -> None:
    fake = FakeAzure(job_polls=1).then("cancel_restore_job", err("BMSUserErrorJobNotCancellable", "too late"))
    run = drive(Replay("restore_vm", order()), fake.handlers(), hook=cancel_when(lambda r: bool(r.pending(SUB))))
    assert run.output["status"] == "succeeded" and run.output["cancelRequested"] is True
    assert run.custom_status["cancelError"]["code"] == "BMSUserErrorJobNotCancellable"


def test_cancel_after_the_end_changes_nothing() -> None:
    run = drive(Replay("restore_vm", order()), FakeAzure().handlers())
    with pytest.raises(AssertionError, match="already ended"):
        run.raise_event("cancel")
    assert run.output["status"] == "succeeded"


def _kinds(actions: list[dict[str, object]]) -> list[tuple[object, object]]:
    return [(a["actionType"], a.get("functionName") or a.get("externalEventName")) for a in actions]


def test_every_race_against_cancel_carries_its_own_cancel_wait() -> None:
    fake = FakeAzure().then("resolve_backup_item", err("Throttled", transient=True, retry_after=5))
    run = drive(Replay("restore_vm", order()), fake.handlers())
    races = [a for a in run.top_actions() if a["actionType"] == WHEN_ANY]
    # settings, resolve, its retry wait, resolve, select, validate, trigger, the operation wait, its poll, the job
    assert len(races) == 10
    for race in races:
        assert [kind for kind, _ in _kinds(race["compoundActions"])].count(EVENT) == 1, race
        assert (EVENT, "cancel") in _kinds(race["compoundActions"]) and len(race["compoundActions"]) == 2


def test_cancel_during_the_job_wait_schedules_the_azure_cancel_in_the_same_episode() -> None:
    fake = cancelling_job_fake()
    run = run_until(Replay("restore_vm", order()), fake, lambda r: bool(r.pending(SUB)))
    run.raise_event("cancel")
    assert _kinds(run.new_actions()) == [(ACTIVITY, "cancel_restore_job")]
    assert run.activity("cancel_restore_job").input["jobId"] == JOB_ID


@pytest.mark.parametrize("activity", ["resolve_backup_item", "select_recovery_point", "validate_restore"])
def test_cancel_during_an_activity_ends_the_run_in_the_episode_it_arrives(activity: str) -> None:
    fake = FakeAzure()
    run = run_until(Replay("restore_vm", order()), fake, waiting_for(activity))
    run.raise_event("cancel")
    assert run.is_done, "the run stopped waiting for the activity"
    assert run.output["status"] == "cancelled" and "trigger_restore" not in fake.names()


def test_a_cancel_while_triggering_waits_for_the_trigger_and_no_cancel_wait_starts_after_it() -> None:
    fake = cancelling_job_fake()
    run = run_until(Replay("restore_vm", order()), fake, waiting_for("trigger_restore"))
    run.raise_event("cancel")
    assert not run.is_done and run.new_actions() == [] and run.custom_status["cancelRequested"] is True
    after = len(run.episodes)
    drive(run, fake.handlers())
    later = [kind for episode in run.episodes[after:] for kind, _ in _kinds(episode)]
    assert EVENT not in later and WHEN_ANY not in later
    assert run.output["status"] == "cancelled" and "cancel_restore_job" in fake.names()


def test_a_second_cancel_while_nobody_waits_changes_nothing() -> None:
    fake = cancelling_job_fake()
    run = run_until(Replay("restore_vm", order()), fake, lambda r: bool(r.pending(SUB)))
    run.raise_event("cancel", {"reason": "first"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the SDK warns when an event finds no waiter (and then defers it)
        run.raise_event("cancel", {"reason": "second"})
    assert run.new_actions() == []
    drive(run, fake.handlers())
    assert run.output["status"] == "cancelled" and fake.names().count("cancel_restore_job") == 1
