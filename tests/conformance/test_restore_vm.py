"""The real `restore_vm` (from `function_app.app`'s index), run by the host and by the model, step by step.

The activities answer from `fakes.RestoreFakes`. A cancel is raised before, during and after each phase; where the
app's cancel does not take effect under the extension's rules both sides must show that too, so the outcomes
asserted here are the ones that hold either way (succeeded or cancelled), besides every step matching.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conformance.conftest import Factory
from tests.conformance.driver import RaiseEvent, Run, Start, View
from tests.conformance.fakes import ORDER, RestoreFakes

APP = "function_app"
RID = "restore-1"
JOB = f"{RID}:job"


def restore(drive: Factory, fakes: Callable[[], RestoreFakes] = RestoreFakes,
            act: Callable[[View], list[Any]] | None = None, held: set[str] | None = None,
            order: dict[str, Any] | None = None, early: list[Any] | None = None) -> Run:
    driver = drive(APP, fakes, held)
    assert driver.apply(Start("restore_vm", RID, order or ORDER)) == 202
    for stimulus in early or []:
        driver.apply(stimulus)
    return driver.until_idle(act)


def outcome(run: Run) -> dict[str, Any]:
    code, body = run.final[RID]
    assert code == 200 and body["runtimeStatus"] == "Completed", body
    return body["output"]


def cancel_when(condition: Callable[[View], bool]) -> Callable[[View], list[Any]]:
    fired = False

    def act(view: View) -> list[Any]:
        nonlocal fired
        if fired or not condition(view):
            return []
        fired = True
        return [RaiseEvent(RID, "cancel", {"reason": "wrong VM"})]

    return act


def in_flight(name: str) -> Callable[[View], bool]:
    return lambda view: any(w.name == name for w in view.pending)


def after(name: str) -> Callable[[View], bool]:
    return lambda view: name in view.completed and not any(w.name == name for w in view.pending)


def timer_pending(instance_id: str) -> Callable[[View], bool]:
    return lambda view: not view.pending and any(t.instance_id == instance_id for t in view.timers)


def test_happy_path_restores_and_both_sides_schedule_the_same_steps(drive: Factory) -> None:
    run = restore(drive)
    assert outcome(run)["status"] == "succeeded"
    assert run.final[JOB][1]["runtimeStatus"] == "Completed"
    assert len(run.episodes) > 10


PHASES = {
    "before anything ran": lambda v: v.step == 1,
    "while settings are read": in_flight("get_restore_settings"),
    "while the item is resolved": in_flight("resolve_backup_item"),
    "while validating": in_flight("validate_restore"),
    "after validating": after("validate_restore"),
    "while triggering": in_flight("trigger_restore"),
    "after triggering": after("trigger_restore"),
    "while the operation wait sleeps": timer_pending(RID),
    "while the operation is polled": in_flight("get_operation_status"),
    "as the job wait starts": lambda v: in_flight("get_restore_job")(v) and "get_restore_job" not in v.completed,
    "while the job is polled again": lambda v: in_flight("get_restore_job")(v) and v.completed.count(
        "get_restore_job") >= 2,
    "while the job wait sleeps": timer_pending(JOB),
}


@pytest.mark.parametrize("phase", list(PHASES))
def test_cancel_at_each_phase_runs_alike_on_both_sides(drive: Factory, phase: str) -> None:
    run = restore(drive, act=cancel_when(PHASES[phase]))
    assert ("RaiseEvent(instance_id='restore-1', name='cancel', data={'reason': 'wrong VM'}, "
            "content_type='application/json')", 202) in run.answers
    assert outcome(run)["status"] in ("cancelled", "succeeded")


def test_cancel_raised_with_the_start_is_queued_behind_it(drive: Factory) -> None:
    run = restore(drive, early=[RaiseEvent(RID, "cancel", {})])
    assert outcome(run)["status"] == "cancelled"


def test_cancel_after_the_restore_ended_is_gone(drive: Factory) -> None:
    driver = drive(APP, RestoreFakes)
    assert driver.apply(Start("restore_vm", RID, ORDER)) == 202
    assert outcome(driver.until_idle())["status"] == "succeeded"
    assert driver.apply(RaiseEvent(RID, "cancel", {})) == 410  # HttpApiHandler.cs lines 991-998


def test_starting_the_same_id_while_it_runs_is_refused_alike(drive: Factory) -> None:
    driver = drive(APP, RestoreFakes)
    assert driver.apply(Start("restore_vm", RID, ORDER)) == 202
    assert driver.apply(Start("restore_vm", RID, ORDER)) == 500  # NonRunningStates: Pending is protected
    assert outcome(driver.until_idle())["status"] == "succeeded"
    assert driver.apply(Start("restore_vm", RID, ORDER)) == 202  # a Completed instance is overwritten


def test_transient_errors_wait_on_durable_timers_and_then_succeed(drive: Factory) -> None:
    run = restore(drive, fakes=lambda: RestoreFakes(transient={"resolve_backup_item": 2, "get_restore_job": 1}))
    assert outcome(run)["status"] == "succeeded"


def test_the_job_wait_continues_as_new_and_keeps_polling(drive: Factory) -> None:
    run = restore(drive, fakes=lambda: RestoreFakes(job_polls=45))
    executions = [e for e in run.episodes if e["instance"] == JOB and e["newExecution"]]
    assert len(executions) >= 2  # continue-as-new after 20 and after 40 polls (POLLS_PER_EPISODE = 20)
    assert outcome(run)["status"] == "succeeded"


def test_a_retry_timer_cancelled_by_the_cancel_fires_late_while_the_callback_is_sent(drive: Factory) -> None:
    order = {**ORDER, "request": {**ORDER["request"], "callbackUrl": "https://hooks.example/restore"}}
    run = restore(drive, fakes=lambda: RestoreFakes(transient={"resolve_backup_item": 1}), order=order,
                  held={"notify_callback"}, act=cancel_when(timer_pending(RID)))
    late = [e for e in run.episodes if e["instance"] == RID and any(ev["EventType"] == 11 for ev in e["events"])]
    assert late and not any(ev["EventType"] in (4, 7, 10) for ev in late[-1]["events"])
    assert outcome(run)["status"] == "cancelled"


APPROVAL_ORDER = {**ORDER, "request": {**ORDER["request"],
                                       "approval": {"required": True, "timeout": "PT2H", "approvers": ["alice"]}}}


def awaiting_approval(view: View) -> bool:
    body = view.statuses.get(RID, (0, {}))[1]
    custom = body.get("customStatus") or {}
    return not view.pending and isinstance(custom, dict) and custom.get("phase") == "awaitingApproval"


def decisions(*events: tuple[str, dict[str, Any]]) -> Callable[[View], list[Any]]:
    """Raise one event each time the restore is seen waiting for approval, in order."""
    queue = list(events)

    def act(view: View) -> list[Any]:
        if not queue or not awaiting_approval(view):
            return []
        name, data = queue.pop(0)
        return [RaiseEvent(RID, name, data)]

    return act


def test_an_approval_after_a_dropped_decision_triggers_alike_on_both_sides(drive: Factory) -> None:
    run = restore(drive, order=APPROVAL_ORDER, act=decisions(("approve", {"by": "mallory"}),
                                                             ("approve", {"by": "alice", "reason": "ok"})))
    result = outcome(run)
    assert result["status"] == "succeeded" and result["approval"]["by"] == "alice"


def test_a_rejection_ends_the_restore_alike_on_both_sides(drive: Factory) -> None:
    run = restore(drive, order=APPROVAL_ORDER, act=decisions(("reject", {"by": "alice", "reason": "no"})))
    result = outcome(run)
    assert result["status"] == "cancelled" and result["error"]["code"] == "RestoreRejected"


def test_an_approval_that_never_comes_times_out_alike_on_both_sides(drive: Factory) -> None:
    run = restore(drive, order=APPROVAL_ORDER)
    result = outcome(run)
    assert result["status"] == "cancelled" and result["error"]["code"] == "ApprovalTimedOut"


def test_a_cancel_while_awaiting_approval_ends_it_alike_on_both_sides(drive: Factory) -> None:
    run = restore(drive, order=APPROVAL_ORDER, act=cancel_when(awaiting_approval))
    assert outcome(run)["status"] == "cancelled"
