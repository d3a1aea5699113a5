"""`python -m devhost.stack` (what `make run` runs): the emulator and this host, wired together, until Ctrl-C.

Environment: PORT (7071), EMULATOR_PORT (7072), TIME_SCALE (60), DEVHOST_DB (.devhost/devhost.db), RESET (1 deletes
the host database, the emulator state and the clock file first). Next to the database: `emulator-state.json` (the
emulator's `--state-file`) and `clock.json` (the `--clock-file` both processes share). The emulator is read only over
HTTP (`/_emulator/health`, `/_emulator/inventory`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from devhost.stack_banner import WEBHOOK_SECRET, banner, demo_request

HOST = "127.0.0.1"
READY_TIMEOUT = 90.0


class ParentWatch:
    """Tells when the process that started the stack (`make run`) is going away, so the stack stops with it.

    GNU make forwards SIGTERM to the recipe's process but never SIGINT (make `commands.c`, `fatal_error_signal`:
    only `if (sig == SIGTERM)` kills the children), and after either it resets the signal's handler to `SIG_DFL` and
    blocks until its children exit. A SIGINT sent to make alone (not to its process group) would thus leave make
    waiting on a stack that never hears of it. On Linux the parent's caught-signal mask (`SigCgt` in
    `/proc/<pid>/status`) shows that reset; anywhere, a changed parent PID shows the parent died.
    """

    _WATCHED = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, pid: int, caught: int | None) -> None:
        self.pid = pid
        self.caught = caught

    @classmethod
    def of_this_process(cls) -> ParentWatch:
        pid = os.getppid()
        return cls(pid, _caught_signals(pid))

    def is_stopping(self) -> bool:
        if os.getppid() != self.pid:
            return True
        if self.caught is None:
            return False
        now = _caught_signals(self.pid)
        return now is not None and any(self.caught & (1 << (s - 1)) and not now & (1 << (s - 1))
                                       for s in self._WATCHED)


def _caught_signals(pid: int) -> int | None:
    """The `SigCgt` mask of a process (Linux), or None where /proc does not tell."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("SigCgt:"):
                return int(line.split()[1], 16)
    except (OSError, ValueError, IndexError):
        return None
    return None


def _get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (fixed http://127.0.0.1 URLs)
        return response.status, response.read()


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    # Own process group: Ctrl-C reaches only this script, which then stops each child's whole group.
    return subprocess.Popen([sys.executable, "-m", *args], env=env, start_new_session=True)  # noqa: S603


def _wait_ready(proc: subprocess.Popen[bytes], url: str, name: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with code {proc.returncode} before it was ready")
        try:
            if _get(url)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{name} was not ready at {url} after {READY_TIMEOUT:.0f}s")


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


EVENT_TOPIC_PATH = "/eventgrid/topics/restore-events/api/events"


def app_settings(emulator_url: str, inventory: dict[str, Any]) -> dict[str, str]:
    """App settings that point the app at the emulator (ARM and managed identity) and allow its subscriptions."""
    subscriptions = sorted({"/".join(vm["id"].split("/")[:3]) for vm in inventory.get("vms", [])})
    return {
        "ARM_ENDPOINT": emulator_url, "IDENTITY_ENDPOINT": f"{emulator_url}/msi/token", "IDENTITY_HEADER": "local-dev",
        "CALLBACK_ALLOW_INSECURE": "true", "INCIDENT_WEBHOOK_SECRET": WEBHOOK_SECRET,
        # Problem `type` URIs point at this checkout's docs/api.md unless a public base URL is configured.
        "DOCS_BASE_URL": os.environ.get("DOCS_BASE_URL") or Path.cwd().resolve().as_uri(),
        "RESTORE_ALLOWED_SCOPES": ",".join(subscriptions),
        # The emulator's Event Grid topic: approval-pending events land in GET /_emulator/eventgrid/events.
        "EVENT_GRID_TOPIC_ENDPOINT": f"{emulator_url}{EVENT_TOPIC_PATH}"}


def stack_files(db: Path) -> dict[str, Path]:
    """The host's database and, next to it, the emulator's state file and the one service clock of both."""
    return {"db": db, "state": db.with_name("emulator-state.json"), "clock": db.with_name("clock.json")}


def reset(files: dict[str, Path]) -> None:
    """RESET=1: a clean start for both processes (host database with its WAL files, emulator state, clock)."""
    for path in (files["db"], Path(f"{files['db']}-wal"), Path(f"{files['db']}-shm"), files["state"], files["clock"]):
        path.unlink(missing_ok=True)


def main() -> int:
    port, emulator_port = int(os.environ.get("PORT") or 7071), int(os.environ.get("EMULATOR_PORT") or 7072)
    scale = float(os.environ.get("TIME_SCALE") or 60)
    files = stack_files(Path(os.environ.get("DEVHOST_DB") or ".devhost/devhost.db"))
    if os.environ.get("RESET", "") in ("1", "true", "yes"):
        reset(files)
    files["db"].parent.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    parent = ParentWatch.of_this_process()
    emulator_url = f"http://{HOST}:{emulator_port}"
    shared = ["--time-scale", str(scale), "--clock-file", str(files["clock"])]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(_spawn(["emulator", "--host", HOST, "--port", str(emulator_port), *shared,
                             "--state-file", str(files["state"])], dict(os.environ)))
        _wait_ready(procs[0], f"{emulator_url}/_emulator/health", "emulator")
        inventory = json.loads(_get(f"{emulator_url}/_emulator/inventory")[1])
        env = {**os.environ, **app_settings(emulator_url, inventory)}
        procs.append(_spawn(["devhost", "--host", HOST, "--port", str(port), "--db", str(files["db"]), *shared],
                            env))
        _wait_ready(procs[1], f"http://{HOST}:{port}/admin/host/status", "devhost")
        print(banner(port, emulator_url, files, scale, demo_request(inventory)), flush=True)
        while not stop.wait(0.5):
            if any(p.poll() is not None for p in procs):
                print("a child process exited; stopping the stack", file=sys.stderr, flush=True)
                return 1
            if parent.is_stopping():
                print("make was asked to stop; stopping the stack", file=sys.stderr, flush=True)
                return 0
        return 0
    except RuntimeError as exc:
        print(f"stack failed: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        _stop(procs)


if __name__ == "__main__":
    raise SystemExit(main())
