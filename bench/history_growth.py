"""3. History growth: orchestration history events per restore (main + `{id}:job`) as jobs get longer."""

from __future__ import annotations

from typing import Any

from bench.arm_log import Kind, arm_only, count_kinds
from bench.config import BenchConfig
from bench.runner import run_batch
from bench.stack import Stack, running_stack
from bench.targets import restorable_vms, restore_body


def history_events(stack: Stack, instance_id: str) -> int | None:
    """Events in the instance's current history (after `continue_as_new`, the latest generation only)."""
    status = stack.durable_status(instance_id)
    if status is None:
        return None
    events = status.get("historyEvents", status.get("history"))
    return len(events) if isinstance(events, list) else None


def run(cfg: BenchConfig) -> list[dict[str, Any]]:
    rows = []
    with running_stack(emulator_scale=cfg.history_scale) as stack:
        inventory = stack.emu("GET", "inventory")
        vms = restorable_vms(inventory)
        for i, job_seconds in enumerate(cfg.history_jobs):
            stack.scenario(jobSeconds=job_seconds)
            stack.clear_requests()
            body = restore_body(inventory, vms[i % len(vms)])
            batch = run_batch(stack, [body], timeout=max(600.0, 4 * job_seconds / cfg.history_scale), interval=0.5)
            rid = batch.ids[0] if batch.ids else ""
            main = history_events(stack, rid) if rid else None
            sub = history_events(stack, f"{rid}:job") if rid else None
            status = next(iter(batch.done.values()), {}).get("status", "lost")
            rows.append({
                "jobServiceSeconds": job_seconds, "status": status,
                "jobPolls": count_kinds(arm_only(stack.requests_log()))[Kind.JOB_POLL.value],
                "mainEvents": main, "jobEvents": sub,
                "totalEvents": (main or 0) + (sub or 0) if main is not None else None,
                "wallSeconds": round(batch.wall_seconds, 1),
            })
    return rows
