"""When to read a running restore job next (pure, deterministic): from what the job says and what the run has seen.

`adaptive` (`JOB_POLL_MODE`, the default) fits the job's end to the readings so far: each reading's
`estimatedRemainingDuration` is taken to be the true remaining time times an unknown factor (the service's bias,
learned) with some noise (how wrong the readings were, learned from how well one end explains them all). While the
end is far, the next read is at the earliest plausible end; once the plausible window is narrower than
`LAG_BUDGET_SECONDS`, at its latest point, so the read that sees the job ended comes within seconds of its end.
No estimate, an estimate that explains nothing (readings that grow or contradict each other), or a job whose
progress and estimate both stood still: the fixed interval (`JOB_POLL_INTERVAL_SECONDS`). An estimate-based wait
is never longer than `JOB_POLL_MAX_INTERVAL_SECONDS` (a stalled job or a wrong estimate is caught within it); no
wait is sooner than a `Retry-After` the read carried, nor a durable timer over `MAX_TIMER_SECONDS`.

Inputs are only activity results (the readings) and `current_utc_datetime` (their times), so a replay decides the
same; the delay is whole seconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from azbackup.models_job import JobStatus
from orchestrators.policy import timer_seconds
from restore.contract import PollBasis
from restore.payloads import JobObservation, JobPollMode, RestoreSettings
from restore.values import JobInfo

# The model of a reading: log(reported remaining) = bias + log(true remaining) + noise. A priori the bias is about 0
# (the service means what it says) within BIAS_PRIOR, and a reading's noise is NOISE_PRIOR, worth NOISE_PRIOR_WEIGHT
# readings; the noise is then learned from how well one end explains the readings (all in log units).
BIAS_PRIOR = 0.5
NOISE_PRIOR = 0.3
NOISE_PRIOR_WEIGHT = 4.0
# Readings whose learned noise is past this explain nothing (0.7: a factor of 2 either way).
UNRELIABLE_NOISE = 0.7
# The widest plausible window around the end at which we stop approaching and read once just after it.
LAG_BUDGET_SECONDS = 20
# No job read sooner than this after the last one.
MIN_JOB_POLL_SECONDS = 5
# Readings kept for the fit (carried across continue-as-new): older ones say little about a near end.
KEPT_OBSERVATIONS = 6
_GRID = 120
_GRID_SPAN = (0.02, 50.0)  # candidate ends, as multiples of the last reading's estimate


@dataclass(frozen=True)
class PollPlan:
    """The next job read: in `seconds`, why (`basis`), and the end the readings point to, if any."""

    seconds: int
    basis: PollBasis
    expected_end: datetime | None = None


@dataclass(frozen=True)
class EndFit:
    """Where the readings put the end, in seconds after the last one: best guess and plausible window."""

    remaining: float
    earliest: float
    latest: float  # math.inf when no reading rules out a later end
    noise: float  # the learned noise of a reading (log units)
    readings: int


def observe(seen: Sequence[JobObservation], job: JobInfo, now: datetime) -> list[JobObservation]:
    """The readings to carry: the last `KEPT_OBSERVATIONS`, this one included."""
    reading = JobObservation(at=now, remaining=job.estimated_remaining_seconds, progress=job.progress)
    return [*seen, reading][-KEPT_OBSERVATIONS:]


def plan_next_poll(seen: Sequence[JobObservation], job: JobInfo, settings: RestoreSettings,
                   cancelling: bool = False) -> PollPlan:
    """The next read of a running job; `seen` ends with the reading of `job` just made (see `observe`).

    `cancelling`: the restore asked Azure to cancel the job, whose estimate no longer says when it ends.
    """
    now = seen[-1].at
    if settings.job_poll_mode is not JobPollMode.FIXED and (cancelling or job.status is JobStatus.CANCELLING):
        plan = PollPlan(settings.job_poll_interval, PollBasis.CANCELLING)
    else:
        plan = _choose(seen, settings)
    seconds, basis = plan.seconds, plan.basis
    if basis in (PollBasis.APPROACH, PollBasis.END) and seconds > settings.job_poll_max_interval:
        seconds, basis = settings.job_poll_max_interval, PollBasis.CAP
    if job.retry_after is not None and job.retry_after > seconds:
        seconds, basis = job.retry_after, PollBasis.RETRY_AFTER  # a floor, whatever we chose
    end = max(plan.expected_end, now) if plan.expected_end is not None else None
    return PollPlan(seconds=timer_seconds(seconds), basis=basis, expected_end=end)


def _choose(seen: Sequence[JobObservation], settings: RestoreSettings) -> PollPlan:
    fixed = settings.job_poll_interval
    last = seen[-1]
    if settings.job_poll_mode is JobPollMode.FIXED:
        return PollPlan(fixed, PollBasis.FIXED)
    if last.remaining is None:
        return PollPlan(fixed, PollBasis.NO_ESTIMATE)
    if is_stalled(seen):
        return PollPlan(fixed, PollBasis.STALLED)
    if last.remaining <= MIN_JOB_POLL_SECONDS:  # the job says it is ending now
        return PollPlan(MIN_JOB_POLL_SECONDS, PollBasis.END, last.at + timedelta(seconds=last.remaining))
    fit = fit_end(seen)
    if fit is None:
        return PollPlan(fixed, PollBasis.UNRELIABLE)
    end = last.at + timedelta(seconds=round(fit.remaining))
    if fit.latest - fit.earliest <= LAG_BUDGET_SECONDS:
        return PollPlan(max(MIN_JOB_POLL_SECONDS, math.ceil(fit.latest)), PollBasis.END, end)
    return PollPlan(max(MIN_JOB_POLL_SECONDS, math.floor(fit.earliest)), PollBasis.APPROACH, end)


def is_stalled(seen: Sequence[JobObservation]) -> bool:
    """The last two readings: the same progress, and an estimate that did not shrink although time passed."""
    if len(seen) < 2:
        return False
    before, last = seen[-2], seen[-1]
    if before.remaining is None or last.remaining is None or last.at <= before.at:
        return False
    return before.progress == last.progress and last.remaining >= before.remaining


def fit_end(seen: Sequence[JobObservation]) -> EndFit | None:
    """The end that best explains the readings, and the window of ends that explain them plausibly.

    Reading i says `r_i` seconds remain at `t_i`; for a candidate end `u` seconds after the last reading, its log
    ratio is `log r_i - log(u - t_i)`: the bias plus that reading's noise. The cost of `u` is the squared spread of
    the ratios around their (prior-shrunk) mean plus the bias prior; the best end minimises it (a grid, then golden
    section), the window holds every end within one learned noise variance of it. None when no end explains the
    readings: the best end lies past anything they say (they do not shrink), or the learned noise is too large.
    """
    last = seen[-1].at
    points = [((o.at - last).total_seconds(), o.remaining) for o in seen if o.remaining is not None and o.remaining > 0]
    if not points or points[-1][0] != 0.0:
        return None
    cost = _cost(points)
    low, high = (points[-1][1] * k for k in _GRID_SPAN)
    grid = [low * (high / low) ** (k / (_GRID - 1)) for k in range(_GRID)]
    best = min(range(_GRID), key=lambda k: cost(grid[k]))
    if best == _GRID - 1:
        return None
    u = _golden(cost, grid[max(0, best - 1)], grid[min(_GRID - 1, best + 1)])
    least = cost(u)
    free = max(0, len(points) - 2)
    noise = math.sqrt((NOISE_PRIOR_WEIGHT * NOISE_PRIOR**2 + least) / (NOISE_PRIOR_WEIGHT + free))
    if noise > UNRELIABLE_NOISE:
        return None
    limit = least + noise**2
    earliest = _crossing(cost, limit, low, u)
    latest = math.inf if cost(high) <= limit else _crossing(cost, limit, high, u)
    return EndFit(remaining=u, earliest=earliest, latest=latest, noise=noise, readings=len(points))


def _bias_weight() -> float:
    return NOISE_PRIOR**2 / BIAS_PRIOR**2


def _cost(points: Sequence[tuple[float, float]]) -> Callable[[float], float]:
    weight = _bias_weight()

    def cost(u: float) -> float:
        logs = [math.log(r) - math.log(u - t) for t, r in points]
        bias = sum(logs) / (len(logs) + weight)
        return sum((x - bias) ** 2 for x in logs) + weight * bias**2
    return cost


def _golden(f: Callable[[float], float], a: float, b: float, rounds: int = 40) -> float:
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(rounds):
        c, d = b - ratio * (b - a), a + ratio * (b - a)
        if f(c) < f(d):
            b = d
        else:
            a = c
    return (a + b) / 2


def _crossing(f: Callable[[float], float], limit: float, outside: float, inside: float, rounds: int = 40) -> float:
    """Where `f` falls to `limit` between `outside` (above it) and `inside` (below it), in log steps."""
    if f(outside) <= limit:
        return outside
    a, b = math.log(outside), math.log(inside)
    for _ in range(rounds):
        mid = (a + b) / 2
        if f(math.exp(mid)) > limit:
            a = mid
        else:
            b = mid
    return math.exp((a + b) / 2)
