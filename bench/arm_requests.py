"""1. ARM requests per restore: ours vs the Retry-After minimum vs peer tools' fixed polling intervals."""

from __future__ import annotations

import math
from typing import Any

from bench.arm_log import Kind, arm_only, count_kinds, kind_of, parse_time, service_time
from bench.config import BenchConfig
from bench.runner import run_batch
from bench.stack import Stack, running_stack
from bench.targets import restorable_vms, restore_body

OPERATION_SECONDS, JOB_SECONDS, RETRY_AFTER = 180, 2400, 60
PEER_OPERATION_INTERVAL, PEER_JOB_INTERVAL = 5, 30  # az CLI / Az PowerShell: operation poll, `job wait`


def run(cfg: BenchConfig) -> list[dict[str, Any]]:
    rows = []
    with running_stack(emulator_scale=cfg.requests_scale) as stack:
        stack.scenario(operationSeconds=OPERATION_SECONDS, jobSeconds=JOB_SECONDS, retryAfterSeconds=RETRY_AFTER)
        inventory = stack.emu("GET", "inventory")
        for label, cross in (("restoreDisks", False), ("crossRegion", True)):
            vms = restorable_vms(inventory, cross)
            samples = [_one_restore(stack, restore_body(inventory, vms[i % len(vms)], cross))
                       for i in range(cfg.requests_repeats)] if vms else []
            rows.append(_summarise(label, samples))
    return rows


def _one_restore(stack: Stack, body: dict[str, Any]) -> dict[str, Any]:
    stack.clear_requests()
    batch = run_batch(stack, [body], timeout=600, interval=0.2)
    log = arm_only(stack.requests_log())
    final = next(iter(batch.done.values()), {})
    job_window = _job_window(stack, log, str(final.get("jobId") or ""))
    tokens = len({e.get("tokenSha256") for e in log if e.get("tokenSha256")})
    return {"status": final.get("status", "lost"), "counts": count_kinds(log), "jobWindow": job_window,
            "tokens": tokens, "error": (final.get("error") or {}).get("code")}


def _job_window(stack: Stack, log: list[dict[str, Any]], job_id: str) -> float:
    """Service seconds from the operation's end (when a client learns the job) to the job's end."""
    trigger = next((e for e in log if kind_of(e) is Kind.TRIGGER), None)
    job = find_job(stack, job_id)
    if trigger is None or not job or not job.get("endTime"):
        return float(JOB_SECONDS)
    op_end = service_time(trigger).timestamp() + OPERATION_SECONDS
    return max(0.0, parse_time(str(job["endTime"])).timestamp() - op_end)


def find_job(stack: Stack, job_id: str) -> dict[str, Any] | None:
    """The emulator's record of a job (by its ID, the last path segment of the job resource)."""
    if not job_id:
        return None
    body = stack.emu("GET", "jobs")
    jobs = body.get("jobs", body.get("value", [])) if isinstance(body, dict) else body
    for job in jobs:
        ids = {str(job.get(k, "")).rsplit("/", 1)[-1].lower() for k in ("id", "name", "jobId")}
        if job_id.lower() in ids:
            return {**job, **(job.get("properties") or {})}
    return None


def _summarise(label: str, samples: list[dict[str, Any]]) -> dict[str, Any]:
    if not samples:
        return {"restore": label, "error": "no restorable VM in the inventory"}
    n = len(samples)

    def avg(key: str) -> float:
        return sum(s["counts"][key] for s in samples) / n

    window = sum(s["jobWindow"] for s in samples) / n
    fixed = avg("total") - avg(Kind.OPERATION_POLL.value) - avg(Kind.JOB_POLL.value)
    minimum = fixed + math.ceil(OPERATION_SECONDS / RETRY_AFTER) + math.ceil(window / RETRY_AFTER)
    peer = fixed + math.ceil(OPERATION_SECONDS / PEER_OPERATION_INTERVAL) + math.ceil(window / PEER_JOB_INTERVAL)
    ours = avg("total")
    return {
        "restore": label, "samples": n, "statuses": sorted({str(s["status"]) for s in samples}),
        "ours": ours, "oursOperationPolls": avg(Kind.OPERATION_POLL.value), "oursJobPolls": avg(Kind.JOB_POLL.value),
        "fixedRequests": fixed, "retryAfterMinimum": minimum, "peerFixedInterval": peer,
        "oursVsMinimum": ours / minimum, "peerVsOurs": peer / ours if ours else None,
        "jobWindowServiceSeconds": window, "distinctTokens": sum(s["tokens"] for s in samples) / n,
        "errors": sorted({str(s["error"]) for s in samples if s["error"]}),
    }
