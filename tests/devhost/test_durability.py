"""SIGKILL the host while orchestrations wait on timers and activities; after a restart each completes once."""

from __future__ import annotations

import collections
import signal
import tempfile
from pathlib import Path

import requests

from tests.support.procs import running, start_devhost
from tests.support.wait import wait_until

from .conftest import FIDELITY_APP

TIMER_WAITERS = 30
IN_FLIGHT = 5


def _start(url: str, instance_id: str, spec: dict) -> None:
    got = requests.post(f"{url}/runtime/webhooks/durabletask/orchestrators/durable_work/{instance_id}", json=spec,
                        timeout=10)
    assert got.status_code == 202, got.text


def _lines(path: Path) -> collections.Counter[str]:
    return collections.Counter(path.read_text().split()) if path.exists() else collections.Counter()


def test_in_flight_orchestrations_resume_after_sigkill_and_complete_once() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="devhost-kill-"))
    db, log = workdir / "devhost.db", workdir / "activities.log"
    first = start_devhost({}, time_scale=60.0, db_path=db, app=FIDELITY_APP)
    with running(first):
        for n in range(TIMER_WAITERS):
            _start(first.url, f"timer-{n}", {"path": str(log), "timerSeconds": 300})
        for n in range(IN_FLIGHT):
            _start(first.url, f"slow-{n}", {"path": str(log), "timerSeconds": 1, "sleepFirst": 4})
        expected_a = {f"timer-{n}:a" for n in range(TIMER_WAITERS)} | {f"slow-{n}:a" for n in range(IN_FLIGHT)}
        wait_until(lambda: set(_lines(log)), lambda seen: expected_a <= seen, timeout=20, what="first activities")
        first.kill(signal.SIGKILL)
        assert first.popen.returncode == -signal.SIGKILL
        assert not any(tag.endswith(":b") for tag in _lines(log))

    second = start_devhost({}, time_scale=60.0, db_path=db, app=FIDELITY_APP)
    with running(second):
        url = f"{second.url}/runtime/webhooks/durabletask/instances/"
        all_ids = [f"timer-{n}" for n in range(TIMER_WAITERS)] + [f"slow-{n}" for n in range(IN_FLIGHT)]

        def statuses() -> dict[str, str]:
            return {s["instanceId"]: s["runtimeStatus"] for s in requests.get(url, timeout=10).json()}

        final = wait_until(statuses, lambda s: all(s.get(i) == "Completed" for i in all_ids), timeout=90,
                           what="all instances to complete after restart")
        assert all(final[i] == "Completed" for i in all_ids)
        counts = _lines(log)
        for n in range(TIMER_WAITERS):
            assert counts[f"timer-{n}:a"] == 1  # completed before the kill: not re-run
            assert counts[f"timer-{n}:b"] == 1
        for n in range(IN_FLIGHT):
            assert counts[f"slow-{n}:a"] == 2  # never reported before the kill: re-run (at least once)
            assert counts[f"slow-{n}:b"] == 1
