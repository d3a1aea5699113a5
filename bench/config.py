"""Bench sizes and time scales, from flags and environment variables (defaults: the issue's full sizes)."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

MEASUREMENTS = ("requests", "lag", "history", "scale", "latency", "polling", "plans")
PLAN_MODES = ("plan", "singles", "peer30")


def _ints(name: str, default: str) -> list[int]:
    return [int(x) for x in os.environ.get(name, default).split(",") if x.strip()]


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


@dataclass(frozen=True)
class BenchConfig:
    """What to run and how big."""

    only: tuple[str, ...]
    requests_repeats: int
    requests_scale: float
    lag_restores: int
    lag_scale: float
    history_jobs: list[int]
    history_scale: float
    scale_sizes: list[int]
    scale_time_scale: float
    scale_timeout: float
    latency_callers: int
    latency_per_caller: int
    polling_job_minutes: list[int]
    polling_samples: int
    plan_sizes: list[int]
    plan_vaults: list[int]
    plan_modes: tuple[str, ...]
    plans_scale: float
    plan_job_seconds: int
    plan_max_parallel: int
    plans_timeout: float
    output: str


def parse(argv: list[str] | None = None) -> BenchConfig:
    """Flags win over environment variables; `--quick` picks small sizes for a smoke run."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (a few minutes)")
    parser.add_argument("--only", default=os.environ.get("BENCH_ONLY", ",".join(MEASUREMENTS)),
                        help=f"comma-separated subset of {','.join(MEASUREMENTS)}")
    parser.add_argument("--plan-sizes", default=None, help="plan sizes for `plans`, e.g. 50,200,1000")
    parser.add_argument("--plan-vaults", default=None, help="vault counts for `plans` (VMs spread evenly), e.g. 1,4")
    parser.add_argument("--plan-modes", default=os.environ.get("BENCH_PLAN_MODES", ",".join(PLAN_MODES)),
                        help=f"comma-separated subset of {','.join(PLAN_MODES)} for `plans`")
    parser.add_argument("--output", default=os.environ.get("BENCH_OUTPUT", "bench/results.json"))
    args = parser.parse_args(argv)
    quick = args.quick or os.environ.get("BENCH_QUICK") == "1"
    only = tuple(x.strip() for x in args.only.split(",") if x.strip())
    unknown = set(only) - set(MEASUREMENTS)
    if unknown:
        parser.error(f"unknown measurement(s): {', '.join(sorted(unknown))}")
    modes = tuple(x.strip() for x in args.plan_modes.split(",") if x.strip())
    if set(modes) - set(PLAN_MODES):
        parser.error(f"unknown plan mode(s): {', '.join(sorted(set(modes) - set(PLAN_MODES)))}")
    return BenchConfig(
        only=only,
        requests_repeats=int(os.environ.get("BENCH_REQUESTS_REPEATS", "1" if quick else "3")),
        requests_scale=_float("BENCH_REQUESTS_TIME_SCALE", 120),
        lag_restores=int(os.environ.get("BENCH_LAG_RESTORES", "10" if quick else "50")),
        lag_scale=_float("BENCH_LAG_TIME_SCALE", 60),
        history_jobs=_ints("BENCH_HISTORY_JOBS", "600,3600" if quick else "600,3600,21600,86400"),
        history_scale=_float("BENCH_HISTORY_TIME_SCALE", 3600),
        scale_sizes=_ints("BENCH_SCALE_SIZES", "1,20" if quick else "1,100,500,1000"),
        scale_time_scale=_float("BENCH_SCALE_TIME_SCALE", 600),
        scale_timeout=_float("BENCH_SCALE_TIMEOUT", 3600),
        latency_callers=int(os.environ.get("BENCH_LATENCY_CALLERS", "10" if quick else "50")),
        latency_per_caller=int(os.environ.get("BENCH_LATENCY_PER_CALLER", "2" if quick else "4")),
        polling_job_minutes=_ints("BENCH_POLLING_JOB_MINUTES", "10,40" if quick else "10,40,360"),
        polling_samples=int(os.environ.get("BENCH_POLLING_SAMPLES", "8" if quick else "20")),
        # 1000 takes long on a small shared machine: BENCH_PLAN_SIZES=50,200,1000 (or --plan-sizes) to add it.
        plan_sizes=[int(x) for x in (args.plan_sizes or os.environ.get(
            "BENCH_PLAN_SIZES", "50" if quick else "50,200")).split(",") if x.strip()],
        plan_vaults=[int(x) for x in (args.plan_vaults or os.environ.get("BENCH_PLAN_VAULTS", "1" if quick else "1,4"))
                     .split(",") if x.strip()],
        plan_modes=modes,
        plans_scale=_float("BENCH_PLANS_TIME_SCALE", 60),
        plan_job_seconds=int(os.environ.get("BENCH_PLAN_JOB_SECONDS", "1800")),
        plan_max_parallel=int(os.environ.get("BENCH_PLAN_MAX_PARALLEL", "20")),
        plans_timeout=_float("BENCH_PLANS_TIMEOUT", 3600),
        output=args.output,
    )
