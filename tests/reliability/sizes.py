"""Sizes and seeds of the reliability scenarios (the issue's by default; others through environment variables)."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    fault_restores: int
    crash_restores: int
    kills: int
    timeout: float
    fault_seed: int = 9
    crash_seed: int = 5


def long_suite() -> Sizes:
    env = os.environ.get
    return Sizes(fault_restores=int(env("RELIABILITY_FAULT_RESTORES", "200")),
                 crash_restores=int(env("RELIABILITY_CRASH_RESTORES", "100")),
                 kills=int(env("RELIABILITY_KILLS", "5")),
                 timeout=float(env("RELIABILITY_TIMEOUT", "1800")),
                 fault_seed=int(env("RELIABILITY_FAULT_SEED", "9")),
                 crash_seed=int(env("RELIABILITY_CRASH_SEED", "5")))


QUICK = Sizes(fault_restores=10, crash_restores=10, kills=2, timeout=240)
