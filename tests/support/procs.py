"""Start the emulator and the local Functions host as real processes on free ports, and stop them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.support.wait import wait_until

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Proc:
    """A running server process with its base URL and captured log."""

    popen: subprocess.Popen[bytes]
    url: str
    log_path: Path
    args: list[str] = field(default_factory=list)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, sig)
            self.popen.wait(timeout=15)

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def spawn(args: list[str], health_path: str, port: int, env: dict[str, str] | None = None,
          timeout: float = 60.0, log_path: Path | None = None) -> Proc:
    """Start `python -m ...args` in its own process group and wait until `health_path` answers 200."""
    log_path = log_path or Path(tempfile.mkstemp(prefix="proc-", suffix=".log")[1])
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    with log_path.open("ab") as out:
        popen = subprocess.Popen([sys.executable, "-m", *args], cwd=ROOT, env=full_env, stdout=out,
                                 stderr=subprocess.STDOUT, start_new_session=True)
    proc = Proc(popen=popen, url=f"http://127.0.0.1:{port}", log_path=log_path, args=args)

    def probe() -> int:
        if popen.poll() is not None:
            raise RuntimeError(f"process exited with {popen.returncode}:\n{proc.log()[-4000:]}")
        return requests.get(proc.url + health_path, timeout=2).status_code

    try:
        wait_until(probe, lambda code: code == 200, timeout=timeout, what=f"{args[0]} health")
    except BaseException:
        print(proc.log()[-8000:])
        proc.stop()
        raise
    return proc


@contextmanager
def running(proc: Proc) -> Iterator[Proc]:
    """Yield `proc`; stop it afterwards and print its log if the body failed."""
    try:
        yield proc
    except BaseException:
        print(f"--- log of {proc.args[0]} ---\n{proc.log()[-8000:]}")
        raise
    finally:
        proc.stop()


def start_emulator(time_scale: float = 600.0, extra: list[str] | None = None,
                   env: dict[str, str] | None = None) -> Proc:
    """`python -m emulator` on a free port (demo seed unless `extra` names another)."""
    port = free_port()
    args = ["emulator", "--host", "127.0.0.1", "--port", str(port), "--time-scale", str(time_scale), *(extra or [])]
    return spawn(args, "/_emulator/health", port, env=env)


def app_env(emulator_url: str, **overrides: str) -> dict[str, str]:
    """App settings that point the app at a running emulator (ARM and managed identity)."""
    env = {
        "ARM_ENDPOINT": emulator_url,
        "IDENTITY_ENDPOINT": f"{emulator_url}/msi/token",
        "IDENTITY_HEADER": "local-dev",
        "RETRY_AFTER_DEFAULT_SECONDS": "30",
        "JOB_POLL_INTERVAL_SECONDS": "60",
        "CALLBACK_ALLOW_INSECURE": "true",
        "INCIDENT_WEBHOOK_SECRET": "test-secret-0123456789abcdef0123456789",
    }
    env.update(overrides)
    return env


def start_devhost(env: dict[str, str], time_scale: float = 600.0, db_path: Path | None = None,
                  app: str = "function_app", port: int | None = None, clock_file: Path | None = None) -> Proc:
    """`python -m devhost` on a free port with the given app settings (and the emulator's clock file, if given)."""
    port = port or free_port()
    db_path = db_path or Path(tempfile.mkdtemp(prefix="devhost-")) / "devhost.db"
    args = ["devhost", "--port", str(port), "--app", app, "--db", str(db_path), "--time-scale", str(time_scale)]
    if clock_file is not None:
        args += ["--clock-file", str(clock_file)]
    return spawn(args, "/admin/host/status", port, env=env)
