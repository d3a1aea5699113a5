"""The emulator + local Functions host pair, driven over HTTP like a user would."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from tests.support.procs import Proc, app_env, start_devhost, start_emulator

TERMINAL = {"succeeded", "failed", "cancelled"}


@dataclass
class Stack:
    """A running emulator and devhost, with the helpers the bench and the reliability suite share."""

    emulator: Proc
    devhost: Proc
    env: dict[str, str]
    db_path: Path
    host_scale: float
    logs: list[Path] = field(default_factory=list)
    started: list[str] = field(default_factory=list)
    http: requests.Session = field(default_factory=lambda: _session(64))

    # --- emulator admin API -------------------------------------------------------------------------------
    def emu(self, method: str, path: str, **kwargs: Any) -> Any:
        resp = self.http.request(method, f"{self.emulator.url}/_emulator/{path}", timeout=60, **kwargs)
        resp.raise_for_status()
        return resp.json() if resp.content else None

    def scenario(self, **changes: Any) -> dict[str, Any]:
        """Merge `changes` into the emulator's scenario and return the result."""
        current = self.emu("GET", "scenario") or {}
        if changes:
            current = {**current, **changes}
            self.emu("PUT", "scenario", json=current)
        return dict(current)

    def requests_log(self) -> list[dict[str, Any]]:
        return list(self.emu("GET", "requests")["requests"])

    def clear_requests(self) -> None:
        self.emu("DELETE", "requests")

    def tokens(self) -> list[str]:
        """Every ARM and CRR token the emulator issued (strings, whatever the entry shape)."""
        body = self.emu("GET", "tokens")
        return sorted({t for group in body.values() for t in _token_strings(group)})

    # --- the app's HTTP API -------------------------------------------------------------------------------
    def start_restore(self, body: dict[str, Any], key: str | None = None) -> str:
        headers = {"Idempotency-Key": key} if key else {}
        resp = self.http.post(f"{self.devhost.url}/api/restores", json=body, headers=headers, timeout=60)
        if resp.status_code not in (200, 202):
            raise AssertionError(f"POST /api/restores -> {resp.status_code}: {resp.text[:500]}")
        restore_id = str(resp.json()["id"])
        self.started.append(restore_id)
        return restore_id

    def restore(self, restore_id: str) -> tuple[int, dict[str, Any]]:
        resp = self.http.get(f"{self.devhost.url}/api/restores/{restore_id}", timeout=60)
        return resp.status_code, (resp.json() if resp.content else {})

    def durable_status(self, instance_id: str, history: bool = True) -> dict[str, Any] | None:
        params = {"showHistory": "true", "showHistoryOutput": "true", "showInput": "true"} if history else {}
        resp = self.http.get(f"{self.devhost.url}/runtime/webhooks/durabletask/instances/{instance_id}",
                             params=params, timeout=60)
        return None if resp.status_code == 404 else dict(resp.json())

    def poll_round(self, pending: set[str], done: dict[str, dict[str, Any]], workers: int = 8) -> set[str]:
        """GET every pending restore once; move finished ones into `done`; return what is still pending."""
        def one(rid: str) -> tuple[str, dict[str, Any] | None]:
            with suppress(requests.RequestException, ValueError):
                _, body = self.restore(rid)
                if str(body.get("status", "")).lower() in TERMINAL:
                    return rid, body
            return rid, None

        with ThreadPoolExecutor(workers) as pool:
            for rid, body in pool.map(one, sorted(pending)):
                if body is not None:
                    done[rid] = body
                    pending.discard(rid)
        return pending

    # --- the host process ---------------------------------------------------------------------------------
    def restart_devhost(self, kill: bool = True) -> None:
        """SIGKILL (or stop) the host and start it again on the same port and database."""
        port = int(self.devhost.url.rsplit(":", 1)[1])
        self.logs.append(self.devhost.log_path)
        if kill:
            self.devhost.kill()
        else:
            self.devhost.stop()
        self.devhost = start_devhost(self.env, time_scale=self.host_scale, db_path=self.db_path, port=port)

    def all_logs(self) -> list[Path]:
        return [*self.logs, self.devhost.log_path, self.emulator.log_path]

    def stop(self) -> None:
        self.logs.append(self.devhost.log_path)
        self.devhost.stop()
        self.emulator.stop()


def _session(pool: int) -> requests.Session:
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=pool, pool_maxsize=pool)
    session.mount("http://", adapter)
    return session


def _token_strings(group: Any) -> Iterator[str]:
    if isinstance(group, str):
        yield group
    elif isinstance(group, dict):
        for key in ("token", "accessToken", "access_token", "value"):
            if isinstance(group.get(key), str):
                yield group[key]
    elif isinstance(group, list):
        for item in group:
            yield from _token_strings(item)


@contextmanager
def running_stack(emulator_scale: float = 600.0, host_scale: float | None = None, seed: Path | None = None,
                  keep_files: bool = False, **settings: str) -> Iterator[Stack]:
    """Start the emulator (optionally with a seed file) and the devhost pointed at it; stop both afterwards."""
    extra = ["--seed", str(seed)] if seed else []
    emulator = start_emulator(time_scale=emulator_scale, extra=extra)
    try:
        inventory = requests.get(f"{emulator.url}/_emulator/inventory", timeout=30).json()
        settings.setdefault("RESTORE_ALLOWED_SCOPES", allowed_scopes(inventory))
        env = app_env(emulator.url, **settings)
        db_path = Path(tempfile.mkdtemp(prefix="bench-devhost-")) / "devhost.db"
        scale = host_scale or emulator_scale
        devhost = start_devhost(env, time_scale=scale, db_path=db_path)
    except BaseException:
        emulator.stop()
        raise
    stack = Stack(emulator=emulator, devhost=devhost, env=env, db_path=db_path, host_scale=scale)
    if env.get("DEVHOST_ENFORCE_KEYS", "").lower() == "true":  # the stack's own calls carry the master key
        stack.http.headers["x-functions-key"] = env.get("DEVHOST_MASTER_KEY", "local-master-key")
    try:
        yield stack
    except BaseException:
        print(f"--- devhost log ---\n{stack.devhost.log()[-6000:]}\n--- emulator log ---\n{emulator.log()[-3000:]}")
        raise
    finally:
        stack.stop()
        if not keep_files:
            shutil.rmtree(db_path.parent, ignore_errors=True)
            for log in stack.all_logs():
                log.unlink(missing_ok=True)


def allowed_scopes(inventory: dict[str, Any]) -> str:
    """Every subscription the emulator knows, as `RESTORE_ALLOWED_SCOPES`."""
    ids = [x["id"] for key in ("vms", "storageAccounts", "resourceGroups") for x in inventory.get(key, [])]
    subs = sorted({"/" + "/".join(i.strip("/").split("/")[:2]) for i in ids})
    return ",".join(subs)
