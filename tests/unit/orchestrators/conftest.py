"""Helpers shared by the replay tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from tests.unit.orchestrators.fakes import FakeAzure
from tests.unit.orchestrators.replay import ACTIVITY, Replay, step


def run_until(replay: Replay, fake: FakeAzure, done: Callable[[Replay], bool], max_steps: int = 500) -> Replay:
    """Step `replay` with `fake` until `done(replay)` holds."""
    if not replay.history:
        replay.start()
    for _ in range(max_steps):
        if done(replay):
            return replay
        assert not replay.is_done, f"ended before the condition held: {replay.failure or replay.output}"
        step(replay, fake.handlers())
    raise AssertionError("condition never held")


def waiting_for(name: str) -> Callable[[Replay], bool]:
    """Condition: an activity `name` is pending."""
    return lambda r: any(t.name == name for t in r.pending(ACTIVITY))


def seconds_until(replay: Replay, when: Any) -> float:
    return (when - replay.now) / timedelta(seconds=1)
