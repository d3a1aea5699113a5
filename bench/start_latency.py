"""5. Start latency: POST /api/restores -> 202 under N concurrent callers."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from bench.config import BenchConfig
from bench.seed import seed_with_vms
from bench.stack import running_stack
from bench.stats import percentile
from bench.targets import restorable_vms, restore_body


def run(cfg: BenchConfig) -> dict[str, Any]:
    total = cfg.latency_callers * cfg.latency_per_caller
    with running_stack(emulator_scale=600, seed=seed_with_vms(total)) as stack:
        inventory = stack.emu("GET", "inventory")
        vms = restorable_vms(inventory)
        bodies = [restore_body(inventory, vms[i % len(vms)]) for i in range(total)]
        barrier = threading.Barrier(cfg.latency_callers)
        url = f"{stack.devhost.url}/api/restores"

        def caller(index: int) -> list[tuple[int, float]]:
            out = []
            with requests.Session() as http:
                barrier.wait(timeout=60)
                for j in range(cfg.latency_per_caller):
                    began = time.perf_counter()
                    code = http.post(url, json=bodies[index * cfg.latency_per_caller + j], timeout=120).status_code
                    out.append((code, (time.perf_counter() - began) * 1000))
            return out

        with ThreadPoolExecutor(cfg.latency_callers) as pool:
            results = [r for rows in pool.map(caller, range(cfg.latency_callers)) for r in rows]
    accepted = [ms for code, ms in results if code == 202]
    return {
        "callers": cfg.latency_callers, "requests": len(results), "accepted202": len(accepted),
        "otherStatuses": sorted({code for code, _ in results if code != 202}),
        "p50Ms": percentile(accepted, 50), "p99Ms": percentile(accepted, 99),
        "maxMs": max(accepted) if accepted else None,
    }
