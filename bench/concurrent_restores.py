"""4. Scale on one machine: N concurrent restores on one host."""

from __future__ import annotations

from typing import Any

from bench.arm_log import arm_only, restore_posts_by_item
from bench.config import BenchConfig
from bench.overhead import host_overhead
from bench.runner import RssSampler, run_batch
from bench.seed import seed_with_vms
from bench.stack import running_stack
from bench.targets import restore_bodies


def run(cfg: BenchConfig) -> list[dict[str, Any]]:
    seed = seed_with_vms(max(cfg.scale_sizes))
    return [_one_size(cfg, size, seed) for size in cfg.scale_sizes]


def _one_size(cfg: BenchConfig, size: int, seed: Any) -> dict[str, Any]:
    with running_stack(emulator_scale=cfg.scale_time_scale, seed=seed) as stack:
        bodies = restore_bodies(stack.emu("GET", "inventory"), size)
        with RssSampler(stack.devhost.popen.pid) as rss:
            batch = run_batch(stack, bodies, timeout=cfg.scale_timeout, interval=2.0)
        posts = restore_posts_by_item(arm_only(stack.requests_log()))
        overhead = host_overhead(stack)
    duplicated = sum(1 for count in posts.values() if count > 1)
    return {
        "restores": size, "started": len(batch.ids), "completed": batch.succeeded,
        "failed": len(batch.done) - batch.succeeded, "lost": size - len(batch.done),
        "duplicated": duplicated, "restorePosts": sum(posts.values()),
        "wallSeconds": round(batch.wall_seconds, 1),
        "restoresPerMinute": round(len(batch.done) / batch.wall_seconds * 60, 1) if batch.wall_seconds else None,
        "peakRssMiB": round(rss.peak / 2**20, 1), **overhead,
    }
