"""The peer baseline of measurement 7: every restore started and watched on its own, as the Azure CLI user does it.

Per VM: list the item's recovery points and take the newest (`az backup recoverypoint list`), `POST` its restore
(`az backup restore restore-disks`), read the operation every 5 s until it names the job, then read the job every
30 s until it ends (`az backup job wait`); the intervals are measurement 1's peer intervals
(`bench.arm_requests`). No host: the loop talks to the emulator directly with a managed-identity token.

The emulator runs at time scale 1 on a stepped clock: after each round of due requests the loop moves the service
clock on (`POST /_emulator/clock`) to the next 5 s mark, so every poll lands on its interval in service time however
long the machine takes to answer a round (a scaled clock would stretch the intervals whenever a round of a few
hundred requests took longer than an interval's wall share, and understate the peer's read rate).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import requests

from bench.arm_requests import PEER_JOB_INTERVAL, PEER_OPERATION_INTERVAL
from bench.targets import usable_storage

API = "api-version=2019-05-13"
JOB_ENDED = {"completed", "completedwithwarnings", "failed", "cancelled"}
STEP = PEER_OPERATION_INTERVAL


@dataclass
class PeerRestore:
    """One restore the loop follows: what to read next and when (service seconds since the loop began)."""

    vm: dict[str, Any]
    operation_url: str | None = None
    job_url: str | None = None
    due: float = 0.0
    outcome: str | None = None


def arm_session(emulator_url: str) -> requests.Session:
    """A session carrying a managed-identity token for the emulator's ARM (its own URL is an accepted audience)."""
    resp = requests.get(f"{emulator_url}/msi/token", params={"api-version": "2019-08-01", "resource": emulator_url},
                        headers={"X-IDENTITY-HEADER": "local-dev"}, timeout=30)
    resp.raise_for_status()
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=32, pool_maxsize=32)
    session.mount("http://", adapter)
    session.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"
    return session


def run_peer_loop(emulator_url: str, inventory: dict[str, Any], vms: list[dict[str, Any]],
                  timeout: float) -> dict[str, Any]:
    """Start every VM's restore in the first round, then poll on the stepped clock until every job ended or
    `timeout` (wall seconds) passed; returns wall seconds and outcomes."""
    session = arm_session(emulator_url)
    restores = [PeerRestore(vm) for vm in vms]
    began = time.monotonic()
    now = 0.0
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda r: _start(session, emulator_url, inventory, r, now), restores))
        round_began = began
        while any(r.outcome is None for r in restores) and time.monotonic() - began < timeout:
            _advance(session, emulator_url, STEP - (time.monotonic() - round_began))
            round_began = time.monotonic()
            now += STEP
            due = [r for r in restores if r.outcome is None and r.due <= now]
            list(pool.map(_poll, [session] * len(due), [emulator_url] * len(due), due, [now] * len(due)))
    outcomes = [r.outcome or "lost" for r in restores]
    return {"wallSeconds": time.monotonic() - began, "succeeded": outcomes.count("completed"),
            "outcomes": sorted(set(outcomes))}


def _advance(session: requests.Session, emulator_url: str, seconds: float) -> None:
    """Move the service clock the rest of the step (at time scale 1 the round's wall time already moved it)."""
    if seconds > 0:
        session.post(f"{emulator_url}/_emulator/clock", json={"advanceSeconds": seconds}, timeout=60).raise_for_status()


def _start(session: requests.Session, base: str, inventory: dict[str, Any], restore: PeerRestore,
           now: float) -> None:
    item = restore.vm["protectedItemId"]
    points = session.get(f"{base}{item}/recoveryPoints?{API}", timeout=60)
    points.raise_for_status()
    newest = max(points.json()["value"], key=lambda rp: rp["properties"]["recoveryPointTime"])
    body = {"properties": {"objectType": "IaasVMRestoreRequest", "recoveryPointId": newest["name"],
                           "recoveryType": "RestoreDisks", "sourceResourceId": restore.vm["id"],
                           "storageAccountId": usable_storage(inventory, restore.vm["region"]),
                           "region": restore.vm["region"]}}
    resp = session.post(f"{base}{item}/recoveryPoints/{newest['name']}/restore?{API}", json=body, timeout=60)
    if resp.status_code != 202:
        restore.outcome = f"trigger {resp.status_code}"
        return
    restore.operation_url = urljoin(base, resp.headers["Azure-AsyncOperation"])
    restore.due = now + PEER_OPERATION_INTERVAL


def _poll(session: requests.Session, base: str, restore: PeerRestore, now: float) -> None:
    if restore.job_url is None:
        assert restore.operation_url is not None
        op = session.get(restore.operation_url, timeout=60).json()
        status = str(op.get("status", "")).lower()
        if status == "failed":
            restore.outcome = "operation failed"
        elif status == "succeeded":
            vault = restore.vm["vaultId"]
            restore.job_url = f"{base}{vault}/backupJobs/{op['properties']['jobId']}?{API}"
            _read_job(session, restore, now)  # `job wait` reads the job at once, then every 30 s
        else:
            restore.due = now + PEER_OPERATION_INTERVAL
        return
    _read_job(session, restore, now)


def _read_job(session: requests.Session, restore: PeerRestore, now: float) -> None:
    assert restore.job_url is not None
    job = session.get(restore.job_url, timeout=60).json()
    status = str((job.get("properties") or {}).get("status", "")).lower()
    if status in JOB_ENDED:
        restore.outcome = status
    else:
        restore.due = now + PEER_JOB_INTERVAL
