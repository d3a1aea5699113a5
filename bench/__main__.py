"""`python -m bench`: run the measurements of docs/performance.md, print tables, write bench/results.json."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from bench import (
    arm_requests,
    concurrent_restores,
    detection_lag,
    history_growth,
    job_polling,
    plans,
    start_latency,
)
from bench.config import BenchConfig, parse
from bench.report import table

RUNNERS: dict[str, Callable[[BenchConfig], Any]] = {
    "requests": arm_requests.run, "lag": detection_lag.run, "history": history_growth.run,
    "scale": concurrent_restores.run, "latency": start_latency.run, "polling": job_polling.run,
    "plans": plans.run,
}
LAYOUT: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "requests": ("1. ARM requests per restore (operation 3 min, Retry-After 60 s, job 40 min)", [
        ("restore", "restore"), ("samples", "n"), ("ours", "ours"), ("oursOperationPolls", "op polls"),
        ("oursJobPolls", "job polls"), ("fixedRequests", "fixed"), ("retryAfterMinimum", "Retry-After min"),
        ("peerFixedInterval", "peer 5s/30s"), ("oursVsMinimum", "ours/min"), ("peerVsOurs", "peer/ours"),
        ("distinctTokens", "tokens"), ("statuses", "status"), ("errors", "error")]),
    "lag": ("2. Detection lag end to end (service seconds from job end to the poll that saw it), job 10 min", [
        ("mode", "JOB_POLL_MODE"), ("etaErrorPct", "eta err %"), ("jobPolls", "job polls"),
        ("restores", "restores"), ("measured", "measured"), ("medianSeconds", "median s"), ("p95Seconds", "p95 s"),
        ("maxSeconds", "max s"), ("pollIntervalSeconds", "poll interval s"), ("lost", "lost")]),
    "history": ("3. History events per restore (main + {id}:job)", [
        ("jobServiceSeconds", "job s"), ("status", "status"), ("jobPolls", "job polls"), ("mainEvents", "main"),
        ("jobEvents", "job sub-orch"), ("totalEvents", "total"), ("wallSeconds", "wall s")]),
    "scale": ("4. Concurrent restores on one host", [
        ("restores", "restores"), ("completed", "completed"), ("failed", "failed"), ("lost", "lost"),
        ("duplicated", "duplicated"), ("wallSeconds", "wall s"), ("restoresPerMinute", "restores/min"),
        ("peakRssMiB", "peak RSS MiB"), ("stepOverheadP50Ms", "step gap p50 ms"),
        ("stepOverheadP99Ms", "step gap p99 ms")]),
    "latency": ("5. Start latency POST /api/restores -> 202", [
        ("callers", "callers"), ("requests", "requests"), ("accepted202", "202s"), ("p50Ms", "p50 ms"),
        ("p99Ms", "p99 ms"), ("maxMs", "max ms"), ("otherStatuses", "other statuses")]),
    "polling": ("6. Job polls per restore and detection lag s (median/p95/max): adaptive | fixed 60 s | peer 30 s", [
        ("jobMinutes", "job min"), ("profile", "profile"), ("etaErrorPct", "eta err %"),
        ("adaptivePolls", "adaptive polls"), ("adaptiveLagMedian", "med"), ("adaptiveLagP95", "p95"),
        ("adaptiveLagMax", "max"), ("fixedPolls", "fixed polls"), ("fixedLagMedian", "med"), ("fixedLagP95", "p95"),
        ("fixedLagMax", "max"), ("peer30Polls", "peer30 polls"), ("peer30LagMedian", "med"),
        ("peer30LagP95", "p95"), ("callerBefore", "caller req before"), ("callerAfter", "caller req after"),
        ("callerLagAfterMedian", "caller lag med"), ("target", "target")]),
    "plans": ("7. Restore plans vs the same VMs as single restores vs a peer loop (job 30 min, maxParallel 20)", [
        ("vms", "VMs"), ("vaults", "vaults"), ("mode", "mode"), ("status", "status"), ("succeeded", "ok"),
        ("wallSeconds", "wall s"), ("serviceMinutes", "service min"), ("armPerVm", "ARM/VM"),
        ("armPerMinute", "ARM/min"),
        ("peakArmPerMinute", "peak ARM/min"), ("peakReadsPerMinute", "peak reads/min"),
        ("jobGetsPerJob", "job GETs/job"), ("jobGetGapSeconds", "job GET gap s"),
        ("vaultListsPerInterval", "lists/vault/interval"), ("listPagesPerInterval", "pages/vault/interval"),
        ("historyEvents", "history events"), ("historyEventsMedian", "history median"), ("executions", "executions"),
        ("peakRssMiB", "peak RSS MiB")]),
}


def machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "memoryGiB": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "platform": platform.platform()}


def main(argv: list[str] | None = None) -> int:
    cfg = parse(argv)
    results: dict[str, Any] = {"machine": machine(), "config": cfg.__dict__, "startedAt": time.time()}
    failed = False
    for name in cfg.only:
        began = time.monotonic()
        print(f"-- running {name} ...", file=sys.stderr, flush=True)
        try:
            value = RUNNERS[name](cfg)
        except Exception as exc:  # one broken measurement must not hide the others
            failed = True
            traceback.print_exc()
            value = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        results[name] = value
        results[f"{name}WallSeconds"] = round(time.monotonic() - began, 1)
        title, columns = LAYOUT[name]
        rows = value if isinstance(value, list) else [value]
        print(table(title, rows, columns if "error" not in value else [("error", "error")]), flush=True)
    Path(cfg.output).write_text(json.dumps(results, indent=2, default=str))
    print(f"results written to {cfg.output}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
