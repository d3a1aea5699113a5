"""7. Restore plans: one plan of N VMs in one vault on the local stack (emulator + devhost) at a high time scale.

Per plan size: wall time, ARM requests (per VM, per service minute: mean and peak), the job reads (each job's `GET`s
and the vault's restore-job lists per poll interval: flat when the vault is polled once per interval), the plan's
history events (its last execution; it continues as new every 100 restores) and the host's peak RSS.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bench.arm_log import Kind, arm_only, kind_of
from bench.config import BenchConfig
from bench.runner import RssSampler
from bench.seed import seed_with_vms
from bench.stack import Stack, running_stack
from bench.targets import restorable_vms, usable_storage

POLL_INTERVAL = 60  # JOB_POLL_INTERVAL_SECONDS of the bench host (the default)


def run(cfg: BenchConfig) -> list[dict[str, Any]]:
    return [_one_size(cfg, size) for size in cfg.plan_sizes]


def _one_size(cfg: BenchConfig, size: int) -> dict[str, Any]:
    with running_stack(emulator_scale=cfg.plans_scale, seed=seed_with_vms(size)) as stack:
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
    return {"vms": size, "maxParallel": cfg.plan_max_parallel, "status": final.get("status", "lost"),
            "succeeded": final.get("counts", {}).get("succeeded", 0), "wallSeconds": round(wall, 1),
            **_arm_figures(log, size), **_job_figures(log),
            "historyEvents": len(status.get("historyEvents") or []),
            "executions": (status.get("customStatus") or {}).get("executions"),
            "peakRssMiB": round(rss.peak / 2**20, 1)}


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


def _minute(entry: dict[str, Any]) -> str:
    return str(entry["serviceTime"])[:16]


def _arm_figures(log: list[dict[str, Any]], size: int) -> dict[str, Any]:
    reads = [e for e in log if e["method"] == "GET"]
    per_minute = Counter(_minute(e) for e in log)
    reads_per_minute = Counter(_minute(e) for e in reads)
    times = [datetime.fromisoformat(e["serviceTime"]) for e in log]
    minutes = max(1.0, (max(times) - min(times)).total_seconds() / 60) if times else 1.0
    return {"armRequests": len(log), "armPerVm": round(len(log) / max(1, size), 1),
            "armPerMinute": round(len(log) / minutes, 1), "peakArmPerMinute": max(per_minute.values(), default=0),
            "peakReadsPerMinute": max(reads_per_minute.values(), default=0)}


def _is_vault_poll(entry: dict[str, Any]) -> bool:
    query = parse_qs(urlsplit(entry["path"]).query)
    return urlsplit(entry["path"]).path.lower().endswith("/backupjobs") and "startTime eq" in query.get(
        "$filter", [""])[0]


def _job_figures(log: list[dict[str, Any]]) -> dict[str, Any]:
    gets = Counter(urlsplit(e["path"]).path.lower() for e in log if kind_of(e) is Kind.JOB_POLL)
    polls = [e for e in log if _is_vault_poll(e)]
    first_pages = [e for e in polls if "$skipToken" not in parse_qs(urlsplit(e["path"]).query)]
    window = [datetime.fromisoformat(e["serviceTime"]) for e in polls]
    intervals = max(1.0, (max(window) - min(window)).total_seconds() / POLL_INTERVAL) if window else 1.0
    return {"jobGetsPerJob": round(sum(gets.values()) / max(1, len(gets)), 2),
            "vaultListsPerInterval": round(len(first_pages) / intervals, 2),
            "listPagesPerInterval": round(len(polls) / intervals, 2)}
