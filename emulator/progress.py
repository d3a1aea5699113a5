"""What a running job reports about itself: `extendedInfo.progressPercentage` and `estimatedRemainingDuration`
(`PS` AzureIaaSVMJobExtendedInfo: "Indicates progress of the job", "Time remaining for execution of this job").

The job's real end (`Job.planned_end`) never depends on this: the scenario knobs only change what the job says.
`progressProfile` shapes the reported progress over the job's true elapsed fraction; `etaErrorPct` makes the
estimate of the remaining time wrong by a signed percentage, with noise drawn from a generator seeded by `etaSeed`.
No public source describes how the service computes either value; the shapes are the emulator's, chosen to test a
poller against progress that is even, early or stalled, and against estimates that are late or early.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from enum import StrEnum


class ProgressProfile(StrEnum):
    LINEAR = "linear"  # progress = elapsed fraction (today's behaviour)
    FRONT_LOADED = "frontLoaded"  # fast first, slow at the end: half way at 29 % of the time
    STALL_THEN_JUMP = "stallThenJump"  # even to 40 %, stuck at 40 % until 90 % of the time, then jumps to the end


@dataclass(frozen=True)
class ProgressReport:
    """The knobs a job was started with (scenario values at its start; later changes do not touch it)."""

    profile: ProgressProfile = ProgressProfile.LINEAR
    eta_error_pct: float = 0.0
    eta_seed: int = 0
    ordinal: int = 0  # the job's place among the restore jobs since the last reset: its own noise, reproducibly


STALL_AT, STALL_UNTIL = 0.4, 0.9
NOISE_BUCKET_SECONDS = 60.0  # one noise draw per job and service minute: reads in the same minute agree


def shape(profile: ProgressProfile, t: float) -> float:
    """Reported progress (0..1) when a fraction `t` (0..1) of the job's real duration has passed."""
    t = min(1.0, max(0.0, t))
    if profile is ProgressProfile.FRONT_LOADED:
        return 1.0 - (1.0 - t) ** 2
    if profile is ProgressProfile.STALL_THEN_JUMP:
        if t < STALL_AT:
            return t
        if t < STALL_UNTIL:
            return STALL_AT
        return STALL_AT + (t - STALL_UNTIL) / (1.0 - STALL_UNTIL) * (1.0 - STALL_AT)
    return t


def percent(profile: ProgressProfile, t: float) -> int:
    """Reported progress in whole percent, at most 99 (a running job never says 100)."""
    return max(0, min(99, int(shape(profile, t) * 100 + 1e-9)))  # 1e-9: 0.3 * 100 is 29.999…, still 30 %


def eta_factor(report: ProgressReport, elapsed_seconds: float) -> float:
    """Multiplier of the true remaining time: `1 + e/100`, where `e` is `etaErrorPct` times a seeded factor in
    [0.5, 1.5] (same sign, noisy size; exactly 1 when `etaErrorPct` is 0)."""
    if report.eta_error_pct == 0:
        return 1.0
    bucket = int(max(0.0, elapsed_seconds) // NOISE_BUCKET_SECONDS)
    digest = hashlib.sha256(f"{report.eta_seed}:{report.ordinal}:{bucket}".encode()).digest()
    noise = random.Random(digest).uniform(0.5, 1.5)
    return max(0.0, 1.0 + report.eta_error_pct * noise / 100.0)
