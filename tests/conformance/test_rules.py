"""Replay rules one at a time (orchestrators in `apps/rules_app.py`): the host must do what the model does.

Each test drives both through the same messages (`driver.Driver`, which fails on the first difference) and then
states what the extension does in that case, so that a rule the model itself got wrong shows too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from tests.conformance.conftest import Factory
from tests.conformance.driver import Fake, RaiseEvent, Release, Run, Start, View, scheduled

APP = "tests.conformance.apps.rules_app"


def rules_fake() -> Fake:
    """echo/slow answer their input; flaky fails for "fails"/"always" and twice for "twice"."""
    calls: Counter[str] = Counter()

    def answer(name: str, value: Any) -> tuple[Any, str | None]:
        calls[f"{name}:{value}"] += 1
        if name == "flaky" and (value in ("fails", "always") or (value == "twice" and calls["flaky:twice"] <= 2)):
            return None, f"flaky failed ({calls[f'{name}:{value}']})"
        return value, None

    return answer


def once(condition: Callable[[View], bool], *stimuli: Any) -> Callable[[View], list[Any]]:
    """Act once, the first time `condition` holds."""
    fired = False

    def act(view: View) -> list[Any]:
        nonlocal fired
        if fired or not condition(view):
            return []
        fired = True
        return list(stimuli)

    return act


def run(drive: Factory, orchestrator: str, act: Callable[[View], list[Any]] | None = None,
        held: set[str] | None = None, data: Any = None, instance_id: str = "case") -> Run:
    driver = drive(APP, rules_fake, held)
    assert driver.apply(Start(orchestrator, instance_id, data)) == 202
    return driver.until_idle(act)


def final(result: Run, instance_id: str = "case") -> dict[str, Any]:
    return result.final[instance_id][1]


def test_a_reused_wait_is_left_out_of_the_second_race_so_a_cancel_waits_for_the_activity(drive: Factory) -> None:
    result = run(drive, "stale_race_activity", held={"slow"},
                 act=once(lambda v: "slow" in [w.name for w in v.pending], RaiseEvent("case", "cancel")))
    # The SDK saw the cancel at once, but the extension scheduled "after cancel" only once "slow" reported.
    assert scheduled(result)[:3] == [("TaskScheduled", "echo"), ("TaskScheduled", "slow"),
                                     ("TaskScheduled", "echo")]
    slow_done = next(i for i, e in enumerate(result.episodes) if any(
        ev["EventType"] == 5 and ev.get("Result") == "two" for ev in e["events"]))
    assert any(ev["EventType"] == 4 for ev in result.episodes[slow_done]["events"])
    assert final(result)["output"] == "cancelled in step two: after cancel"


def test_a_fresh_wait_per_race_lets_a_cancel_end_the_second_race_at_once(drive: Factory) -> None:
    result = run(drive, "fresh_race", held={"slow"},
                 act=once(lambda v: "slow" in [w.name for w in v.pending], RaiseEvent("case", "cancel")))
    assert final(result) == {"runtimeStatus": "Completed", "customStatus": None,
                             "output": "cancelled in step two"}


def test_cancelling_a_timer_marks_its_action_canceled_and_ends_the_shims_wait(drive: Factory) -> None:
    result = run(drive, "stale_race_timer",
                 act=once(lambda v: bool(v.timers), RaiseEvent("case", "cancel")))
    assert final(result)["output"] == "cancelled"
    # The canceled timer's message outlives the orchestration and is dropped with it.
    assert scheduled(result).count(("ExecutionCompleted", "Completed")) == 1


def test_tasks_created_together_are_scheduled_in_the_order_they_are_awaited(drive: Factory) -> None:
    result = run(drive, "sequential")
    first = result.episodes[0]["events"]
    assert [(e["EventType"], e.get("EventId")) for e in first if e["EventType"] in (4, 10)] == [(4, 0), (4, 1)]
    assert final(result)["output"] == {"first": "a", "both": ["a", "b"]}


def test_an_event_goes_to_the_newest_waiter(drive: Factory) -> None:
    result = run(drive, "newest_waiter", act=once(lambda v: True, RaiseEvent("case", "go", "now")))
    assert final(result)["output"] == "newer"


def test_events_raised_before_any_wait_are_buffered_in_order(drive: Factory) -> None:
    result = run(drive, "buffered_events", held={"slow"},
                 act=once(lambda v: bool(v.pending), RaiseEvent("case", "x", 1), RaiseEvent("case", "x", 2)))
    assert final(result)["runtimeStatus"] == "Completed"
    assert final(result)["output"] == [2, 2]  # the SDK's deferred-event quirk (DFpy#507); both sides agree


def test_event_names_match_ignoring_case_in_the_extension_only(drive: Factory) -> None:
    result = run(drive, "event_name_case", act=once(lambda v: True, RaiseEvent("case", "approve", "yes")))
    assert final(result)["runtimeStatus"] == "Running"  # the extension took it; the SDK never saw "Approve"


def test_a_cancelled_timer_still_fires_later_and_changes_nothing(drive: Factory) -> None:
    result = run(drive, "late_cancelled_timer", act=once(lambda v: bool(v.timers), RaiseEvent("case", "go")))
    fired = [e for e in result.episodes if any(ev["EventType"] == 11 and ev.get("TimerId") == 0 for ev in e["events"])]
    assert fired and all(not any(ev["EventType"] in (4, 7, 10) for ev in e["events"]) for e in fired)
    assert final(result)["output"] == {"winner": "go", "after": "after"}


def test_retries_share_the_sequence_counter_and_end_with_the_immediate_timer(drive: Factory) -> None:
    result = run(drive, "retries")
    kinds = [k for k, _ in scheduled(result)]
    # twice: task, timer, task, timer, task; then our timer; always: task, timer, task, timer, task, dummy timer.
    assert kinds[:6] == ["TaskScheduled", "TimerCreated", "TaskScheduled", "TimerCreated", "TaskScheduled",
                         "TimerCreated"]
    assert final(result)["output"][0] == "twice"
    assert final(result)["output"][1].startswith("gave up")


def test_returning_with_an_activity_in_flight_completes_only_when_it_reports(drive: Factory) -> None:
    result = run(drive, "returns_while_busy", held={"slow"})
    statuses = [e["status"][1]["runtimeStatus"] for e in result.episodes]
    assert statuses[-2:] == ["Running", "Completed"]  # the timer won; completion waited for "slow"
    assert final(result)["output"] == "timer"


def test_an_all_of_failure_fails_the_orchestration_only_when_every_task_reported(drive: Factory) -> None:
    result = run(drive, "all_of_fails", held={"slow"})
    statuses = [e["status"][1]["runtimeStatus"] for e in result.episodes]
    assert statuses[-2:] == ["Running", "Failed"]
    assert final(result)["output"].startswith("Orchestrator function 'all_of_fails' failed:")


def test_a_long_timer_is_split_into_intervals(drive: Factory) -> None:
    result = run(drive, "long_timer")
    assert [k for k, _ in scheduled(result)].count("TimerCreated") == 3  # 3 days, 3 days, then the last 4
    assert final(result)["output"] == "woke"


def test_an_unknown_activity_leaves_the_orchestration_waiting(drive: Factory) -> None:
    result = run(drive, "unknown_activity")
    assert scheduled(result) == []
    assert final(result)["runtimeStatus"] == "Running"


def test_sub_orchestrations_default_ids_and_a_reused_id_replaces_the_running_child(drive: Factory) -> None:
    result = run(drive, "children")
    created = [e for ep in result.episodes for e in ep["events"] if e["EventType"] == 7]
    assert created[0]["InstanceId"] == "exec-0001:0"  # "{ExecutionId}:{sequence id}" of the parent
    assert [c["InstanceId"] for c in created[1:]] == ["case:twin", "case:twin"]
    assert result.final["case:twin"][1]["output"] == "child saw second"  # the second start replaced the first
    # The first twin never reports, so its task stays open and the parent never completes, though it returned.
    assert final(result)["runtimeStatus"] == "Running"


def test_a_sub_orchestration_with_the_parents_id_is_never_started(drive: Factory) -> None:
    result = run(drive, "own_id_child")
    assert scheduled(result) == []
    assert final(result)["runtimeStatus"] == "Running"


def test_events_after_continue_as_new_are_carried_to_the_next_execution(drive: Factory) -> None:
    result = run(drive, "carry_over", held={"slow"}, data="0",  # as the Python client sends it: JSON text
                 act=once(lambda v: v.statuses.get("case", (0, {}))[1].get("customStatus") == {"generation": 0}
                          and not v.timers, RaiseEvent("case", "x", "carried"), Release("slow")))
    assert final(result) == {"runtimeStatus": "Completed", "customStatus": {"generation": 1},
                             "output": {"generation": 1, "value": "carried"}}
