"""`python -m devhost.stack` (what `make run` runs): the emulator and this host, wired together, until Ctrl-C.

Environment: PORT (7071), EMULATOR_PORT (7072), TIME_SCALE (60), DEVHOST_DB (.devhost/devhost.db), RESET (1 deletes
the database first). The emulator is read only over HTTP (`/_emulator/health`, `/_emulator/inventory`).
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

HOST = "127.0.0.1"
READY_TIMEOUT = 90.0


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


def app_settings(emulator_url: str, inventory: dict[str, Any]) -> dict[str, str]:
    """App settings that point the app at the emulator (ARM and managed identity) and allow its subscriptions."""
    subscriptions = sorted({"/".join(vm["id"].split("/")[:3]) for vm in inventory.get("vms", [])})
    return {
        "ARM_ENDPOINT": emulator_url, "IDENTITY_ENDPOINT": f"{emulator_url}/msi/token", "IDENTITY_HEADER": "local-dev",
        "CALLBACK_ALLOW_INSECURE": "true", "INCIDENT_WEBHOOK_SECRET": "local-dev-secret-0123456789abcdef012345",
        "RESTORE_ALLOWED_SCOPES": ",".join(subscriptions)}


def demo_request(inventory: dict[str, Any]) -> dict[str, str] | None:
    """A restore of the first protected VM to a storage account in its region."""
    vm = next((v for v in inventory.get("vms", []) if v.get("protectedItemId")), None)
    if vm is None:
        return None
    accounts = inventory.get("storageAccounts", [])
    account = next((a for a in accounts if a.get("region") == vm.get("region")), accounts[0] if accounts else None)
    return {"vmId": vm["id"], "storageAccountId": account["id"] if account else ""}


def banner(port: int, emulator_url: str, db: Path, scale: float, request: dict[str, str] | None) -> str:
    base = f"http://{HOST}:{port}"
    lines = ["", "Local stack is running (Ctrl-C stops it):",
             f"  Functions host : {base}  (status {base}/admin/host/status, API {base}/api/...)",
             f"  ARM emulator   : {emulator_url}  (inventory {emulator_url}/_emulator/inventory)",
             f"  State          : {db}  (kept between runs; RESET=1 starts clean)",
             f"  Time scale     : {scale:g}x (durable timers and emulated jobs run {scale:g} times faster)", ""]
    if request:
        lines += ["Start a restore:",
                  f"  curl -si -X POST {base}/api/restores -H 'Content-Type: application/json' \\",
                  f"       -d '{json.dumps(request)}'",
                  "Watch it: GET the Location header of that response, or",
                  f"  vmrestore status <ID> --watch    (with VMRESTORE_URL={base})", ""]
    return "\n".join(lines)


def main() -> int:
    port, emulator_port = int(os.environ.get("PORT") or 7071), int(os.environ.get("EMULATOR_PORT") or 7072)
    scale = float(os.environ.get("TIME_SCALE") or 60)
    db = Path(os.environ.get("DEVHOST_DB") or ".devhost/devhost.db")
    if os.environ.get("RESET", "") in ("1", "true", "yes"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    emulator_url = f"http://{HOST}:{emulator_port}"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(_spawn(["emulator", "--host", HOST, "--port", str(emulator_port), "--time-scale", str(scale)],
                            dict(os.environ)))
        _wait_ready(procs[0], f"{emulator_url}/_emulator/health", "emulator")
        inventory = json.loads(_get(f"{emulator_url}/_emulator/inventory")[1])
        env = {**os.environ, **app_settings(emulator_url, inventory)}
        procs.append(_spawn(["devhost", "--host", HOST, "--port", str(port), "--db", str(db), "--time-scale",
                             str(scale)], env))
        _wait_ready(procs[1], f"http://{HOST}:{port}/admin/host/status", "devhost")
        print(banner(port, emulator_url, db, scale, demo_request(inventory)), flush=True)
        while not stop.wait(0.5):
            if any(p.poll() is not None for p in procs):
                print("a child process exited; stopping the stack", file=sys.stderr, flush=True)
                return 1
        return 0
    except RuntimeError as exc:
        print(f"stack failed: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        _stop(procs)


if __name__ == "__main__":
    raise SystemExit(main())
