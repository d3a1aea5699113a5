"""Timer triggers on the scaled clock: NCRONTAB occurrences, the schedule status each invocation sees, and after a
restart a missed schedule run once (past due), not once per missed occurrence."""

from __future__ import annotations

import itertools
import json
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.support.procs import running, start_devhost
from tests.support.wait import wait_until

TIMER_APP = "tests.devhost.apps.timer_app"


def _calls(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _at(call: dict[str, Any], key: str) -> datetime:
    return datetime.fromisoformat(call["status"][key])


def test_timer_fires_on_its_schedule_and_a_missed_run_comes_once_past_due_after_a_restart() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="devhost-timer-"))
    db, log = workdir / "devhost.db", workdir / "timer.log"
    env = {"TIMER_LOG": str(log)}
    with running(start_devhost(env, time_scale=100.0, db_path=db, app=TIMER_APP)) as first:
        wait_until(lambda: _calls(log), lambda calls: len(calls) >= 4, timeout=30, what="4 timer invocations")
        first.kill()
    before = _calls(log)
    assert not any(c["pastDue"] for c in before)
    # Each invocation sees the status before it: `Next` is its own occurrence, on the 10-second grid, 10 s apart.
    nexts = [_at(c, "Next") for c in before[1:]]
    assert all(n.second % 10 == 0 for n in nexts)
    assert all(b - a == timedelta(seconds=10) for a, b in itertools.pairwise(nexts))
    # `Last` is when the previous invocation ran: at its occurrence or a little after, never before.
    assert all(timedelta(0) <= _at(c, "Last") - _at(p, "Next") < timedelta(seconds=10)
               for p, c in itertools.pairwise(before))
    with running(start_devhost(env, time_scale=100.0, db_path=db, app=TIMER_APP)):
        after = wait_until(lambda: _calls(log)[len(before):], lambda calls: len(calls) >= 3, timeout=30,
                           what="3 invocations after the restart")
    assert [c["pastDue"] for c in after[:3]] == [True, False, False]
    # The past-due run reports the occurrence it missed; however many were missed, it ran once.
    assert _at(after[0], "Next") <= _at(after[1], "Last")
