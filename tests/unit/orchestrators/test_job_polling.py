"""Adaptive job polling, replayed: each branch of the interval choice, the custom status, determinism, the caps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from orchestrators.job_polling import KEPT_OBSERVATIONS, LAG_BUDGET_SECONDS, MIN_JOB_POLL_SECONDS
from orchestrators.policy import POLLS_PER_EPISODE
from restore.payloads import MAX_TIMER_SECONDS
from tests.unit.orchestrators.fakes import ITEM, JOB_ID, SETTINGS, job, ok
from tests.unit.orchestrators.replay import T0, TIMER, Replay, drive, iso, parse_time

DEADLINE = "2026-03-03T08:00:00Z"
INTERVAL = SETTINGS["jobPollInterval"]


def _wait_input(**settings: Any) -> dict[str, Any]:
    return {"item": ITEM, "jobId": JOB_ID, "crossRegion": False, "settings": {**SETTINGS, **settings},
            "deadline": DEADLINE}


class Job:
    """A restore job that ends at `end`; `estimate(now, remaining)` is what it says remains (None: nothing)."""

    def __init__(self, replay: Replay, end: datetime,
                 estimate: Callable[[int, float], float | None] = lambda _n, remaining: remaining,
                 progress: Callable[[int], float] = lambda n: float(min(99, 10 * n)),
                 retry_after: int | None = None) -> None:
        self.replay, self.end, self.estimate, self.progress, self.retry_after = replay, end, estimate, progress, \
            retry_after
        self.reads: list[datetime] = []

    def handlers(self) -> dict[str, Any]:
        return {"get_restore_job": self.read}

    def read(self, _payload: Any) -> dict[str, Any]:
        now = self.replay.now
        self.reads.append(now)
        if now >= self.end:
            return ok(job("Completed", 100.0))
        remaining = (self.end - now).total_seconds()
        n = len(self.reads)
        return ok(job("InProgress", self.progress(n), estimatedRemainingSeconds=self.estimate(n, remaining),
                      retryAfter=self.retry_after))


def _run(end_after: float, **kwargs: Any) -> tuple[Replay, Job]:
    settings = kwargs.pop("settings", {})
    replay = Replay("wait_for_restore_job", _wait_input(**settings), instance_id="restore-1:job")
    fake = Job(replay, T0 + timedelta(seconds=end_after), **kwargs)
    return drive(replay, fake.handlers(), max_steps=5000), fake


def _timers(run: Replay) -> list[float]:
    return [((t.fire_at or run.now) - when).total_seconds() for t, when in _scheduled_timers(run)]


def _scheduled_timers(run: Replay) -> list[tuple[Any, datetime]]:
    created = [e for e in run.history if e["EventType"] == 10]
    timers = [t for t in run.tasks.values() if t.kind == TIMER]
    return [(t, parse_time(e["Timestamp"])) for t, e in zip(timers, created, strict=True)]


def _flat(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The actions the replay returned, compound ones (the timer raced against `cancel`) unfolded."""
    return [leaf for a in actions for leaf in (_flat(a["compoundActions"]) if "compoundActions" in a else [a])]


def _statuses(run: Replay) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    for status in run.statuses:
        if status and (not seen or status != seen[-1]):
            seen.append(status)
    return seen


def test_an_exact_estimate_is_read_a_few_times_and_once_just_after_the_end() -> None:
    run, fake = _run(2400)
    assert run.output["value"]["status"] == "Completed"
    lag = (fake.reads[-1] - (T0 + timedelta(seconds=2400))).total_seconds()
    assert len(fake.reads) <= 8, "a fixed 60 s poller reads a 40-minute job 41 times"
    assert 0 <= lag <= LAG_BUDGET_SECONDS
    bases = [s["basis"] for s in _statuses(run) if s.get("basis")]
    assert bases[0] == "cap" and "approach" in bases and bases[-1] == "end"  # 2400 s ahead: first the cap
    first = _statuses(run)[0]
    assert parse_time(first["nextPollAt"]) - parse_time(first["updatedAt"]) == timedelta(seconds=_timers(run)[0])
    assert parse_time(first["expectedEndAt"]) == T0 + timedelta(seconds=2400)


def test_without_an_estimate_the_fixed_interval_is_used() -> None:
    run, _ = _run(300, estimate=lambda _n, _r: None)
    assert set(_timers(run)) == {INTERVAL}
    assert {s["basis"] for s in _statuses(run) if s.get("basis")} == {"noEstimate"}


def test_fixed_mode_ignores_the_estimate() -> None:
    run, _ = _run(300, settings={"jobPollMode": "fixed"})
    assert set(_timers(run)) == {INTERVAL}
    assert {s["basis"] for s in _statuses(run) if s.get("basis")} == {"fixed"}


def test_a_wildly_wrong_estimate_falls_back_to_the_fixed_interval() -> None:
    jumps = [600.0, 30.0, 5000.0, 90.0, 20000.0, 40.0]
    run, _ = _run(600, estimate=lambda n, _r: jumps[(n - 1) % len(jumps)])
    statuses = [s for s in _statuses(run) if s.get("basis")]
    assert "estimateUnreliable" in [s["basis"] for s in statuses]
    unreliable = [t for t, s in zip(_timers(run), statuses, strict=False) if s["basis"] == "estimateUnreliable"]
    assert unreliable and set(unreliable) == {INTERVAL}


def test_an_estimate_far_too_long_is_caught_by_the_cap() -> None:
    run, fake = _run(2400, estimate=lambda _n, remaining: remaining * 20, settings={"jobPollMaxInterval": 600})
    assert max(_timers(run)) <= 600
    assert "cap" in {s["basis"] for s in _statuses(run) if s.get("basis")}
    assert (fake.reads[-1] - (T0 + timedelta(seconds=2400))).total_seconds() <= 600


def test_a_stalled_job_is_read_at_the_fixed_interval() -> None:
    run, _ = _run(900, estimate=lambda _n, _r: 400.0, progress=lambda _n: 40.0)
    statuses = [s for s in _statuses(run) if s.get("basis")]
    assert statuses[0]["basis"] == "approach"  # one reading: nothing to compare yet
    assert {s["basis"] for s in statuses[1:]} == {"stalled"}
    assert set(_timers(run)[1:]) == {INTERVAL}


def test_progress_standing_still_with_a_shrinking_estimate_is_not_a_stall() -> None:
    run, fake = _run(2400, progress=lambda _n: 40.0)
    assert "stalled" not in {s["basis"] for s in _statuses(run) if s.get("basis")}
    assert len(fake.reads) <= 8


def test_a_longer_retry_after_wins_over_the_choice() -> None:
    run, _ = _run(2400, retry_after=1500)
    assert _timers(run)[:2] == [1500, 1500]
    assert {s["basis"] for s in _statuses(run) if s.get("basis")} == {"retryAfter"}


def test_a_shorter_retry_after_changes_nothing() -> None:
    with_header, _ = _run(2400, retry_after=MIN_JOB_POLL_SECONDS)
    without, _ = _run(2400)
    assert _timers(with_header) == _timers(without)


def test_no_wait_reaches_the_durable_timer_cap() -> None:
    run, _ = _run(10 * 86_400, settings={"jobPollMaxInterval": MAX_TIMER_SECONDS})
    assert max(_timers(run)) == MAX_TIMER_SECONDS  # days ahead: the longest wait allowed, and no longer


def test_replay_makes_the_same_choices() -> None:
    run, _ = _run(2400, estimate=lambda n, remaining: remaining * (1.3 if n % 2 else 1.1))
    scheduled = [iso(t.fire_at) for t in run.tasks.values() if t.kind == TIMER and t.fire_at]
    replayed = [a["fireAt"] for a in _flat(run.top_actions()) if a["actionType"] == TIMER]
    assert run.executions > len(scheduled) and len(scheduled) >= 3
    assert [parse_time(x) for x in replayed] == [parse_time(x) for x in scheduled]


def _first_timer(wait_input: dict[str, Any], end: datetime) -> float:
    replay = Replay("wait_for_restore_job", wait_input, instance_id="restore-1:job").start()
    replay.complete("get_restore_job", Job(replay, end).read(None))
    return _timers(replay)[0]


def test_readings_carried_across_continue_as_new_shape_the_next_poll() -> None:
    end = T0 + timedelta(seconds=600)
    earlier = {"at": iso(T0 - timedelta(seconds=600)), "remaining": 1200.0, "progress": 10.0}
    carried = _first_timer(_wait_input() | {"polls": 1, "seen": [earlier]}, end)
    alone = _first_timer(_wait_input(), end)
    assert alone < carried < 600, "two agreeing readings narrow the window: a longer, still early, first wait"


def test_continue_as_new_carries_the_readings() -> None:
    run, _ = _run(25 * INTERVAL, estimate=lambda _n, _r: None)
    assert run.generations == 2
    assert len(run.input["seen"]) == KEPT_OBSERVATIONS and run.input["polls"] == POLLS_PER_EPISODE


def test_a_cancel_wakes_the_job_wait_which_then_reads_at_the_fixed_interval() -> None:
    replay = Replay("wait_for_restore_job", _wait_input(), instance_id="restore-1:job").start()
    fake = Job(replay, T0 + timedelta(hours=6))
    replay.complete("get_restore_job", fake.read(None))
    assert replay.custom_status["basis"] == "cap"  # 15 minutes to the next read
    replay.advance(30).raise_event("cancel")
    assert replay.activity("get_restore_job") and replay.now == T0 + timedelta(seconds=30), "read at once"
    replay.complete("get_restore_job", ok(job("Cancelling", 40.0, estimatedRemainingSeconds=20000.0)))
    assert replay.custom_status["basis"] == "cancelling"
    assert parse_time(replay.custom_status["nextPollAt"]) == replay.now + timedelta(seconds=INTERVAL)
    replay.fire()
    replay.complete("get_restore_job", ok(job("Cancelled", 40.0)))
    assert replay.is_done and replay.output["value"]["status"] == "Cancelled"


def test_a_cancelling_job_is_read_at_the_fixed_interval() -> None:
    statuses = iter(["InProgress", "Cancelling", "Cancelling"])
    replay = Replay("wait_for_restore_job", _wait_input(), instance_id="restore-1:job")
    fake = Job(replay, T0 + timedelta(hours=6))

    def read(payload: Any) -> dict[str, Any]:
        answer = fake.read(payload)
        status = next(statuses, "Cancelled")
        answer["value"]["status"] = status
        answer["value"]["isTerminal"] = status == "Cancelled"
        return answer

    run = drive(replay, {"get_restore_job": read})
    assert [s["basis"] for s in _statuses(run) if s.get("basis")] == ["cap", "cancelling", "cancelling"]
    assert _timers(run)[1:] == [INTERVAL, INTERVAL]
