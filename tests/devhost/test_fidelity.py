"""Small orchestrations checked against the behaviour Microsoft documents for Durable Functions."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests

from tests.support.procs import Proc, running, start_devhost

from .conftest import FIDELITY_APP, start, status, wait_done


def run(host: Proc, orchestrator: str, body: object = None, timeout: float = 20.0) -> dict:
    started = start(host, orchestrator, body)
    assert started.status_code == 202, started.text
    return wait_done(host, started.json()["id"], timeout=timeout)


def test_fan_out_fan_in_sums_all_activity_results(host: Proc) -> None:
    done = run(host, "fan_out", 20)
    assert done["runtimeStatus"] == "Completed"
    assert done["output"] == sum(2 * i for i in range(20))


def test_sequence_keeps_custom_status_and_deterministic_uuid_and_time(host: Proc) -> None:
    done = run(host, "sequence")
    assert done["output"]["a"] == 2 and done["output"]["b"] == 4
    assert uuid.UUID(done["output"]["uuid"]).version == 5
    assert done["customStatus"] == {"step": 2}


def test_timer_wins_the_race_when_no_event_arrives(host: Proc) -> None:
    done = run(host, "approval", 60)
    assert done["output"] == {"approved": None, "timedOut": True}


def test_event_raised_before_the_orchestration_waits_is_buffered(host: Proc) -> None:
    instance_id = f"early-{uuid.uuid4().hex}"
    assert start(host, "approval", 36000, instance_id).status_code == 202
    url = f"{host.url}/runtime/webhooks/durabletask/instances/{instance_id}/raiseEvent/approve"
    assert requests.post(url, json="yes", timeout=10).status_code == 202
    assert wait_done(host, instance_id)["output"] == {"approved": "yes"}


def test_monitor_loop_with_continue_as_new_keeps_its_id_and_resets_history(host: Proc) -> None:
    done = run(host, "monitor", {"round": 0, "max": 4})
    assert done["runtimeStatus"] == "Completed"
    assert done["output"] == {"rounds": 4}
    history = status(host, done["instanceId"], showHistory="true").json()["historyEvents"]
    assert [e["EventType"] for e in history].count("TimerCreated") == 1


def test_sub_orchestration_result_and_failure_propagate_to_the_parent(host: Proc) -> None:
    done = run(host, "parent")
    assert done["runtimeStatus"] == "Failed"
    assert done["output"].startswith("Orchestrator function 'parent' failed: Orchestrator function 'failing' failed:")
    child = wait_done(host, f"{done['instanceId']}:child")
    assert child["name"] == "sequence" and child["runtimeStatus"] == "Completed"
    caught = run(host, "parent_catches")
    assert "orchestration went wrong" in caught["output"]["caught"]


def test_orchestrator_exception_fails_the_instance_with_the_extension_message(host: Proc) -> None:
    done = run(host, "failing")
    assert done["runtimeStatus"] == "Failed"
    assert done["output"] == "Orchestrator function 'failing' failed: orchestration went wrong"
    assert status(host, done["instanceId"]).status_code == 200  # Failed is a 200, as in HttpApiHandler


def test_retry_options_retry_until_success(host: Proc) -> None:
    key = uuid.uuid4().hex
    done = run(host, "retrying", {"key": key, "succeedOn": 3, "maxAttempts": 4, "intervalMs": 5000})
    assert done["output"] == {"result": "ok after 3", "after": 42}
    history = status(host, done["instanceId"], showHistory="true").json()["historyEvents"]
    kinds = [e["EventType"] for e in history]
    assert kinds.count("TaskFailed") == 2
    assert kinds.count("TimerFired") == 2


def test_retry_options_give_up_after_max_attempts(host: Proc) -> None:
    key = uuid.uuid4().hex
    done = run(host, "retrying", {"key": key, "succeedOn": 10, "maxAttempts": 2, "intervalMs": 1000})
    assert done["runtimeStatus"] == "Completed"
    assert "attempt 2 failed" in done["output"]["error"]
    history = status(host, done["instanceId"], showHistory="true").json()["historyEvents"]
    assert [e["EventType"] for e in history].count("TaskFailed") == 2


def test_non_determinism_fails_the_instance_with_a_clear_message(host: Proc) -> None:
    done = run(host, "nondeterministic")
    assert done["runtimeStatus"] == "Failed"
    assert "Non-Deterministic workflow detected" in done["output"]
    assert "'double'" in done["output"]


@pytest.fixture(scope="module")
def fast_host() -> Iterator[Proc]:
    with running(start_devhost({}, time_scale=400000.0, app=FIDELITY_APP)) as proc:
        yield proc


def test_long_timer_is_split_into_intervals_and_fires_after_the_full_duration(fast_host: Proc) -> None:
    done = run(fast_host, "long_timer", 10, timeout=30)
    assert done["runtimeStatus"] == "Completed"
    assert done["output"]["elapsedDays"] >= 10
    history = status(fast_host, done["instanceId"], showHistory="true").json()["historyEvents"]
    fire_times = [e["FireAt"] for e in history if e["EventType"] == "TimerCreated"]
    # 10 d > maximumShortTimerDuration (6 d): a 3 d interval, then 7 d > 6 d: another 3 d, then the final timer.
    assert len(fire_times) == 3
    assert fire_times[-1] > fire_times[1] > fire_times[0]
