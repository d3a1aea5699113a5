"""`python -m devhost.stack` (make run): emulator + host on free ports, healthy, both stopped on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil
import pytest
import requests

from tests.support.procs import ROOT, free_port
from tests.support.wait import wait_until


def test_stack_starts_emulator_and_host_and_sigterm_stops_both() -> None:
    assert (ROOT / "emulator" / "__main__.py").exists(), "the stack needs the emulator package"
    assert (ROOT / "function_app.py").exists(), "the stack hosts function_app.py"
    port, emulator_port = free_port(), free_port()
    workdir = Path(tempfile.mkdtemp(prefix="devhost-stack-"))
    out = (workdir / "stack.log").open("wb")
    env = {**os.environ, "PORT": str(port), "EMULATOR_PORT": str(emulator_port), "TIME_SCALE": "60",
           "DEVHOST_DB": str(workdir / "devhost.db"), "RESET": "1", "PYTHONUNBUFFERED": "1"}
    stack = subprocess.Popen([sys.executable, "-m", "devhost.stack"], cwd=ROOT, env=env, stdout=out,
                             stderr=subprocess.STDOUT, start_new_session=True)
    try:
        def healthy() -> bool:
            assert stack.poll() is None, (workdir / "stack.log").read_text()[-4000:]
            emu = requests.get(f"http://127.0.0.1:{emulator_port}/_emulator/health", timeout=2).status_code
            host = requests.get(f"http://127.0.0.1:{port}/admin/host/status", timeout=2)
            return emu == 200 and host.status_code == 200 and host.json()["state"] == "Running"

        wait_until(healthy, timeout=60, what="emulator and host healthy")
        banner = wait_until(lambda: (workdir / "stack.log").read_text(), lambda t: "curl -si -X POST" in t,
                            timeout=10, what="the banner")
        assert f"http://127.0.0.1:{port}/api/restores" in banner
        assert '"vmId": "/subscriptions/' in banner and '"storageAccountId": "/subscriptions/' in banner
        children = psutil.Process(stack.pid).children(recursive=True)
        assert len(children) >= 2
        stack.send_signal(signal.SIGTERM)
        assert stack.wait(timeout=30) == 0
        gone, alive = psutil.wait_procs(children, timeout=15)
        assert alive == []
        assert len(gone) == len(children)
    finally:
        if stack.poll() is None:
            os.killpg(stack.pid, signal.SIGKILL)
            stack.wait(timeout=10)
        out.close()


def _refused(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_make_itself_stops_both_servers_and_frees_their_ports(sig: signal.Signals) -> None:
    """`make run` stops emulator and host when only `make` gets SIGTERM or SIGINT (not its process group)."""
    port, emulator_port = free_port(), free_port()
    workdir = Path(tempfile.mkdtemp(prefix="make-run-"))
    log = workdir / "make.log"
    with log.open("wb") as out:
        make = subprocess.Popen(["make", "-s", "run", f"PORT={port}", f"EMULATOR_PORT={emulator_port}",
                                 f"DEVHOST_DB={workdir / 'devhost.db'}"], cwd=ROOT,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    servers: list[psutil.Process] = []
    try:
        wait_until(lambda: requests.get(f"http://127.0.0.1:{port}/admin/host/status", timeout=2).status_code,
                   lambda code: code == 200, timeout=90, what=f"make run healthy; log: {log}")
        servers = psutil.Process(make.pid).children(recursive=True)
        assert len(servers) >= 3, servers  # the stack, the emulator, the host
        os.kill(make.pid, sig)  # make alone, as `kill <pid of make>` does
        make.wait(timeout=30)
        gone, alive = psutil.wait_procs(servers, timeout=15)
        assert alive == [] and len(gone) == len(servers), log.read_text()[-3000:]
        assert _refused(port) and _refused(emulator_port)
    finally:
        for proc in servers:  # only on failure: what the signal did not stop
            if proc.is_running():
                proc.kill()
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait(timeout=10)
