"""Issue 15, done when: the local stack (`python -m devhost.stack`, what `make run` runs) for six hours of service time
across two stop/start cycles without RESET. Restores started before each stop finish after the restart (each with the
one Azure job it started), both processes read one clock, and the `maxAge` example still succeeds at the end."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.helpers import example, placeholders
from tests.support.procs import ROOT, free_port
from tests.support.wait import wait_until

SCALE = 600.0  # six service hours are 36 wall seconds
RESTORE_WALL_TIMEOUT = 120.0
CLOCK_TOLERANCE = timedelta(minutes=3)  # the two reads are a few wall milliseconds (service seconds) apart


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass
class LocalStack:
    """`python -m devhost.stack` in one directory, started and stopped like `make run` / Ctrl-C (never RESET)."""

    workdir: Path
    port: int
    emulator_port: int
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def emulator(self) -> str:
        return f"http://127.0.0.1:{self.emulator_port}"

    def log(self) -> str:
        return "".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.workdir.glob("stack-*.log")))

    def start(self) -> None:
        self.starts += 1
        env = {**os.environ, "PORT": str(self.port), "EMULATOR_PORT": str(self.emulator_port),
               "TIME_SCALE": str(SCALE), "DEVHOST_DB": str(self.workdir / "state" / "devhost.db"),
               "RESET": "", "PYTHONUNBUFFERED": "1"}
        with (self.workdir / f"stack-{self.starts}.log").open("wb") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "devhost.stack"], cwd=ROOT, env=env, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(lambda: requests.get(f"{self.api}/health", timeout=2).status_code, lambda code: code == 200,
                   timeout=90, what="the local stack to answer")

    def stop(self) -> None:
        """SIGTERM to the stack, as Ctrl-C / make does: both servers stop, their state stays on disk."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            assert self.proc.wait(timeout=30) == 0, self.log()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def clocks(self) -> tuple[datetime, datetime]:
        """(host, emulator) service time, read back to back."""
        host = requests.get(f"http://127.0.0.1:{self.port}/admin/host/status", timeout=5).json()["serviceTime"]
        emulator = requests.get(f"{self.emulator}/_emulator/health", timeout=5).json()["serviceTime"]
        return _time(host), _time(emulator)

    def start_restore(self, body: Any) -> str:
        response = requests.post(f"{self.api}/restores", json=body, timeout=30)
        assert response.status_code == 202, response.text
        return str(response.json()["id"])

    def get(self, restore_id: str) -> requests.Response:
        return requests.get(f"{self.api}/restores/{restore_id}", timeout=30)

    def wait_phase(self, restore_id: str, phase: str) -> dict[str, Any]:
        return wait_until(lambda: self.get(restore_id).json(), lambda b: b.get("phase") == phase,
                          timeout=RESTORE_WALL_TIMEOUT, interval=0.2, what=f"{restore_id} to reach {phase}")

    def wait_final(self, restore_id: str) -> requests.Response:
        return wait_until(lambda: self.get(restore_id), lambda r: r.status_code != 202,
                          timeout=RESTORE_WALL_TIMEOUT, interval=0.2, what=f"{restore_id} to finish")

    def restore_jobs(self) -> list[dict[str, Any]]:
        jobs = requests.get(f"{self.emulator}/_emulator/jobs", timeout=10).json()["jobs"]
        return [j for j in jobs if j["properties"]["operation"] == "Restore"]


@pytest.fixture()
def local_stack() -> Iterator[LocalStack]:
    stack = LocalStack(Path(tempfile.mkdtemp(prefix="local-day-")), free_port(), free_port())
    try:
        yield stack
    except BaseException:
        print(stack.log())
        raise
    finally:
        stack.kill()


def _assert_one_clock(stack: LocalStack) -> datetime:
    host, emulator = stack.clocks()
    assert abs(host - emulator) < CLOCK_TOLERANCE, (host, emulator)
    return host


def _restart_with_a_restore_running(stack: LocalStack, body: Any) -> str:
    """Start a restore, stop the stack while its Azure job runs, start the stack again."""
    restore_id = stack.start_restore(body)
    assert stack.wait_phase(restore_id, "waitingForJob")["jobId"]
    assert stack.get(restore_id).status_code == 202
    stack.stop()
    stack.start()
    _assert_one_clock(stack)
    return restore_id


def test_a_day_on_the_local_stack_survives_two_restarts_on_one_clock(local_stack: LocalStack) -> None:
    stack = local_stack
    stack.start()
    began = _assert_one_clock(stack)
    ids = placeholders(requests.get(f"{stack.emulator}/_emulator/inventory", timeout=10).json())
    # Jobs of two service hours (12 wall seconds): long enough to be running when the stack stops.
    assert requests.put(f"{stack.emulator}/_emulator/scenario", json={"jobSeconds": 7200},
                        timeout=10).status_code == 200
    first = _restart_with_a_restore_running(stack, example("restore-disks.json", ids))
    done = stack.wait_final(first)
    assert done.status_code == 200, done.text
    second = _restart_with_a_restore_running(stack, example("restore-disks.json", ids))
    done_second = stack.wait_final(second)
    assert done_second.status_code == 200, done_second.text
    wait_until(lambda: stack.clocks()[0] - began, lambda elapsed: elapsed >= timedelta(hours=6),
               timeout=6 * 3600 / SCALE + 60, interval=0.5, what="six hours of service time")
    late = stack.start_restore(example("selective-disks.json", ids))  # maxAge P2D, latest app-consistent point
    final = stack.wait_final(late)
    assert final.status_code == 200, final.text
    assert _assert_one_clock(stack) - began >= timedelta(hours=6)
    # What reached Azure: one restore job per restore, however often the stack restarted, each completed.
    views = [done.json(), done_second.json(), final.json()]
    jobs = {j["name"]: j for j in stack.restore_jobs()}
    assert len(jobs) == 3 and {v["jobId"] for v in views} == set(jobs), (views, jobs)
    assert {j["properties"]["status"] for j in jobs.values()} == {"Completed"}
    assert stack.starts == 3


def _block(banner: str, heading: str) -> str:
    """The indented command lines under `heading` in the banner, as one shell script."""
    lines = banner.split(heading, 1)[1].splitlines()[1:]
    block = []
    for line in lines:
        if not line.startswith("  "):
            break
        block.append(line[2:])
    return "\n".join(block)


def _run(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", f"set -e\n{script}"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          check=False)


def test_the_commands_make_run_prints_work_as_printed(local_stack: LocalStack) -> None:
    stack = local_stack
    stack.start()
    banner = wait_until(stack.log, lambda text: "Find the restore an event started" in text, timeout=30,
                        what="the banner")
    assert "Webhook secret : local-dev-secret" in banner
    cli = banner.split("CLI            : ", 1)[1].split()[0]
    assert (ROOT / cli).exists() or Path(cli).exists(), cli
    webhook = _run(_block(banner, "Start one through the incident webhook (signed):"))
    assert webhook.returncode == 0 and "HTTP/1.1 202" in webhook.stdout, (webhook.stdout, webhook.stderr)
    incident_restore = json.loads(webhook.stdout.split("\n\n", 1)[1])["restores"][0]["id"]
    assert stack.wait_final(incident_restore).status_code == 200  # one restore of the same VM at a time (Azure)
    event = _run(_block(banner, "Start one through Event Grid (as Event Grid delivers it):"))
    assert event.returncode == 0 and "HTTP/1.1 202" in event.stdout, (event.stdout, event.stderr)
    found = _run(_block(banner, "Find the restore an event started (its ID is derived from the event's topic and ID):"))
    assert found.returncode == 0, (found.stdout, found.stderr)
    event_restore = json.loads(found.stdout)["id"]
    assert event_restore.startswith("evt-") and json.loads(found.stdout)["source"] == "eventgrid"
    assert stack.wait_final(event_restore).status_code == 200
    assert len(stack.restore_jobs()) == 2  # what reached Azure: one restore job each
