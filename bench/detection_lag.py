"""2. Detection lag end to end: service time from the job's end to the last job poll (the one that saw it terminal).

Run per poller: `JOB_POLL_MODE=fixed` (60 s) and `adaptive`, the latter with an exact and a +25 % estimate
(`etaErrorPct`); job polls per restore come from the same request log.
"""

from __future__ import annotations

import random
import time
from typing import Any

from bench.arm_log import Kind, arm_only, kind_of, parse_time, service_time
from bench.arm_requests import find_job
from bench.config import BenchConfig
from bench.runner import Batch
from bench.seed import seed_with_vms
from bench.stack import Stack, running_stack
from bench.stats import percentile
from bench.targets import restore_bodies

POLL_INTERVAL = 60  # JOB_POLL_INTERVAL_SECONDS default, the reference the lag is set against
JOB_SECONDS, OPERATION_SECONDS = 600, 180


RUNS = (("fixed", 0), ("adaptive", 0), ("adaptive", 25))  # (JOB_POLL_MODE, etaErrorPct)


def run(cfg: BenchConfig) -> list[dict[str, Any]]:
    return [_run(cfg, mode, error) for mode, error in RUNS]


def _run(cfg: BenchConfig, mode: str, error: int) -> dict[str, Any]:
    seed = seed_with_vms(cfg.lag_restores)
    with running_stack(emulator_scale=cfg.lag_scale, seed=seed, JOB_POLL_INTERVAL_SECONDS=str(POLL_INTERVAL),
                       JOB_POLL_MODE=mode) as stack:
        stack.scenario(operationSeconds=OPERATION_SECONDS, jobSeconds=JOB_SECONDS, etaErrorPct=error, etaSeed=3)
        bodies = restore_bodies(stack.emu("GET", "inventory"), cfg.lag_restores)
        batch = _staggered(stack, bodies, random.Random(9))
        lost = len(bodies) - len(batch.done)
        lags, polls = _lags(stack, batch)
    return {
        "mode": mode, "etaErrorPct": error, "restores": cfg.lag_restores, "measured": len(lags), "lost": lost,
        "pollIntervalSeconds": POLL_INTERVAL, "jobPolls": sum(polls) / len(polls) if polls else None,
        "medianSeconds": percentile(lags, 50), "p95Seconds": percentile(lags, 95),
        "maxSeconds": max(lags) if lags else None, "timeScale": cfg.lag_scale,
    }


def _staggered(stack: Stack, bodies: list[dict[str, Any]], rng: random.Random) -> Batch:
    """Start restores one by one, each with a job duration drawn over one poll interval.

    The job-poll grid is locked to the trigger time, so only the job's duration decides where its end falls in
    the poll cycle; each restore is triggered before the scenario changes for the next one.
    """
    ids: list[str] = []
    began = time.monotonic()
    jobs_before = len(stack.emu("GET", "jobs")["jobs"])
    for index, body in enumerate(bodies):
        stack.scenario(jobSeconds=JOB_SECONDS + rng.uniform(0, POLL_INTERVAL))
        ids.append(stack.start_restore(body))
        deadline = time.monotonic() + 120
        while len(stack.emu("GET", "jobs")["jobs"]) < jobs_before + index + 1 and time.monotonic() < deadline:
            time.sleep(0.02)
    pending: set[str] = set(ids)
    done: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + 900
    while pending and time.monotonic() < deadline:
        stack.poll_round(pending, done)
        time.sleep(0.5 if pending else 0)
    return Batch(ids=ids, done=done, pending=pending, start_errors=[], wall_seconds=time.monotonic() - began)


def _lags(stack: Stack, batch: Batch) -> tuple[list[float], list[int]]:
    log = [e for e in arm_only(stack.requests_log()) if kind_of(e) is Kind.JOB_POLL]
    out, counts = [], []
    for body in batch.done.values():
        job_id = str(body.get("jobId") or "")
        job = find_job(stack, job_id)
        if not job_id or not job or not job.get("endTime"):
            continue
        polls = [e for e in log if job_id.lower() in str(e["path"]).lower()]
        if not polls:
            continue
        last = max(polls, key=lambda e: int(e["seq"]))
        out.append((service_time(last) - parse_time(str(job["endTime"]))).total_seconds())
        counts.append(len(polls))
    return out, counts
