"""7. Restore plans: one plan of N VMs (in one vault, or spread over several) on the local stack (emulator +
devhost) at a high time scale, against the same VMs as independent single restores started together and as a peer
loop (every restore started and polled on its own, `bench.peer_loop`).

Per plan size and vault count, for each of the three: wall time, ARM requests (per VM, per service minute: mean and
the peak of any 60 s window; reads alone too), the job reads (each job's `GET`s, the median service seconds between
two reads of the same job, and the vaults' restore-job lists per poll interval and vault: flat when each vault is
polled once per interval). History events: for the plan, its last execution (it continues as new every 100
restores); for the singles, the largest and the median of one restore (orchestration + `{id}:job`, the first 200
restores). The host's peak RSS for both.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from statistics import median
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from bench.arm_log import Kind, arm_only, kind_of, service_time
from bench.config import BenchConfig
from bench.history_growth import history_events
from bench.peer_loop import run_peer_loop
from bench.runner import RssSampler, run_batch
from bench.seed import seed_with_vms
from bench.stack import Stack, running_stack
from bench.stats import median_gap, peak_in_window
from bench.targets import restorable_vms, restore_body, usable_storage
from tests.support.procs import start_emulator

POLL_INTERVAL = 60  # JOB_POLL_INTERVAL_SECONDS of the bench host (the default)
PEER_TIME_SCALE = 1.0  # the peer loop steps the emulator's clock itself (bench/peer_loop.py)
HISTORY_SAMPLE = 200  # single restores whose history is read (the first started), to keep 1,000 singles quick


def run(cfg: BenchConfig) -> list[dict[str, Any]]:
    rows = []
    for vaults in cfg.plan_vaults:
        for size in cfg.plan_sizes:
            seed = seed_with_vms(size, vaults=vaults)
            for mode in cfg.plan_modes:
                print(f"-- plans: {size} VMs, {vaults} vault(s), {mode}", flush=True)
                rows.append({"vms": size, "vaults": vaults, "mode": mode, **MODES[mode](cfg, size, seed)})
    return rows


def _plan(cfg: BenchConfig, size: int, seed: Path) -> dict[str, Any]:
    with running_stack(emulator_scale=cfg.plans_scale, seed=seed) as stack:
        stack.scenario(jobSeconds=cfg.plan_job_seconds)
        inventory = stack.emu("GET", "inventory")
        vms = restorable_vms(inventory)[:size]
        body = {"groups": [{"name": "all", "vms": [vm["id"] for vm in vms]}], "maxParallel": cfg.plan_max_parallel,
                "storageAccountId": usable_storage(inventory, vms[0]["region"])}
        with RssSampler(stack.devhost.popen.pid) as rss:
            began = time.monotonic()
            plan_id, final = _run_plan(stack, body, cfg.plans_timeout)
            wall = time.monotonic() - began
        log = arm_only(stack.requests_log())
        status = stack.durable_status(plan_id) or {}
    return {"status": final.get("status", "lost"), "succeeded": final.get("counts", {}).get("succeeded", 0),
            "wallSeconds": round(wall, 1), **log_figures(log, size),
            "historyEvents": len(status.get("historyEvents") or []),
            "executions": (status.get("customStatus") or {}).get("executions"),
            "peakRssMiB": round(rss.peak / 2**20, 1)}


def _singles(cfg: BenchConfig, size: int, seed: Path) -> dict[str, Any]:
    """The same VMs as independent restores: one `POST /api/restores` each, all started together."""
    with running_stack(emulator_scale=cfg.plans_scale, seed=seed) as stack:
        stack.scenario(jobSeconds=cfg.plan_job_seconds)
        inventory = stack.emu("GET", "inventory")
        bodies = [restore_body(inventory, vm) for vm in restorable_vms(inventory)[:size]]
        with RssSampler(stack.devhost.popen.pid) as rss:
            batch = run_batch(stack, bodies, timeout=cfg.plans_timeout, interval=1.0)
        log = arm_only(stack.requests_log())
        history = single_histories(stack, batch.ids[:HISTORY_SAMPLE])
    return {"status": "succeeded" if batch.succeeded == size else "incomplete", "succeeded": batch.succeeded,
            "wallSeconds": round(batch.wall_seconds, 1), **log_figures(log, size),
            "historyEvents": max(history, default=None), "historyEventsMedian": median(history) if history else None,
            "peakRssMiB": round(rss.peak / 2**20, 1)}


def single_histories(stack: Stack, restore_ids: list[str]) -> list[int]:
    """Each single restore's history events: its orchestration plus its `{id}:job` sub-orchestration."""
    totals = []
    for rid in restore_ids:
        main, job = history_events(stack, rid), history_events(stack, f"{rid}:job")
        if main is not None:
            totals.append(main + (job or 0))
    return totals


def _peer(cfg: BenchConfig, size: int, seed: Path) -> dict[str, Any]:
    """The same VMs restored by a peer loop straight against the emulator (no host)."""
    emulator = start_emulator(time_scale=PEER_TIME_SCALE, extra=["--seed", str(seed)])
    try:
        emu = _admin(emulator.url)
        emu("PUT", "scenario", json={**emu("GET", "scenario"), "jobSeconds": cfg.plan_job_seconds})
        inventory = emu("GET", "inventory")
        result = run_peer_loop(emulator.url, inventory, restorable_vms(inventory)[:size], cfg.plans_timeout)
        log = arm_only(emu("GET", "requests")["requests"])
    finally:
        emulator.stop()
    return {"status": "succeeded" if result["succeeded"] == size else ",".join(result["outcomes"]),
            "succeeded": result["succeeded"], "wallSeconds": round(result["wallSeconds"], 1),
            **log_figures(log, size)}


def _admin(url: str) -> Callable[..., Any]:
    """The emulator's admin API (`Stack.emu` without a host)."""
    def call(method: str, path: str, **kwargs: Any) -> Any:
        resp = requests.request(method, f"{url}/_emulator/{path}", timeout=60, **kwargs)
        resp.raise_for_status()
        return resp.json() if resp.content else None
    return call


MODES: dict[str, Callable[[BenchConfig, int, Path], dict[str, Any]]] = {
    "plan": _plan, "singles": _singles, "peer30": _peer}


def _run_plan(stack: Stack, body: dict[str, Any], timeout: float) -> tuple[str, dict[str, Any]]:
    resp = stack.http.post(f"{stack.devhost.url}/api/plans", json=body, timeout=60)
    if resp.status_code != 202:
        raise AssertionError(f"POST /api/plans -> {resp.status_code}: {resp.text[:500]}")
    plan_id = str(resp.json()["id"])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = stack.http.get(f"{stack.devhost.url}/api/plans/{plan_id}", timeout=60)
        if got.status_code != 202:
            return plan_id, dict(got.json())
        time.sleep(1.0)  # a bench, not a test: wall-clock pacing of the status reads
    return plan_id, {"status": "timedOut"}


def log_figures(log: list[dict[str, Any]], size: int) -> dict[str, Any]:
    """What the emulator's ARM request log says about one run: request rates and job reads."""
    return {**_arm_figures(log, size), **_job_figures(log)}


def _arm_figures(log: list[dict[str, Any]], size: int) -> dict[str, Any]:
    times = [service_time(e).timestamp() for e in log]
    reads = [service_time(e).timestamp() for e in log if e["method"] == "GET"]
    minutes = max(1.0, (max(times) - min(times)) / 60) if times else 1.0
    return {"armRequests": len(log), "serviceMinutes": round(minutes, 1), "armPerVm": round(len(log) / max(1, size), 1),
            "armPerMinute": round(len(log) / minutes, 1), "peakArmPerMinute": peak_in_window(times),
            "peakReadsPerMinute": peak_in_window(reads)}


def _is_vault_poll(entry: dict[str, Any]) -> bool:
    query = parse_qs(urlsplit(entry["path"]).query)
    return urlsplit(entry["path"]).path.lower().endswith("/backupjobs") and "startTime eq" in query.get(
        "$filter", [""])[0]


def _job_figures(log: list[dict[str, Any]]) -> dict[str, Any]:
    reads: defaultdict[str, list[float]] = defaultdict(list)
    for e in log:
        if kind_of(e) is Kind.JOB_POLL:
            reads[urlsplit(e["path"]).path.lower()].append(service_time(e).timestamp())
    polls = [e for e in log if _is_vault_poll(e)]
    first_pages = Counter(urlsplit(e["path"]).path.lower() for e in polls
                          if "$skipToken" not in parse_qs(urlsplit(e["path"]).query))
    window = [service_time(e).timestamp() for e in polls]
    intervals = max(1.0, (max(window) - min(window)) / POLL_INTERVAL) if window else 1.0
    vaults = max(1, len(first_pages))
    return {"jobGetsPerJob": round(sum(map(len, reads.values())) / max(1, len(reads)), 2),
            "jobGetGapSeconds": median_gap(dict(reads)),
            "vaultListsPerInterval": round(sum(first_pages.values()) / intervals / vaults, 2) if polls else None,
            "listPagesPerInterval": round(len(polls) / intervals / vaults, 2) if polls else None}
