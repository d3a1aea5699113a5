"""Retry, polling and history constants of the orchestrations, and the pure delay rules that use them."""

from __future__ import annotations

from azbackup.errors import ErrorInfo
from restore.payloads import MAX_TIMER_SECONDS, RestoreSettings

# Transient errors of one activity call are retried (each wait a durable timer) while the retry waits add up to at
# most this many seconds. A throttled answer (429, or any transient answer naming a Retry-After) is retried for as
# long as that budget lasts; other transient errors (5xx, dropped connections) at most MAX_TRANSIENT_ATTEMPTS times:
# throttling storms pass, a dead dependency still surfaces.
TRANSIENT_BUDGET_SECONDS = 3600
MAX_TRANSIENT_ATTEMPTS = 12
# Job polls per `wait_for_restore_job` episode before `continue_as_new` (bounds the history per episode).
POLLS_PER_EPISODE = 20
# `find_restore_job` attempts when an operation succeeded without a job ID (the jobs list can lag behind).
FIND_JOB_ATTEMPTS = 5
# A cross-region job can be missing for a moment right after its operation named it: az CLI waits before reading it
# (custom_help.py `track_backup_crr_job`: `time.sleep(10)` before `BackupCrrJobDetails_Get`). A 404 for a CRR job
# that was never seen is polled again for this long before it counts as an error.
CRR_JOB_APPEAR_SECONDS = 600
# The code a cross-region restore ends with when cancelled (the job wait stops with it too): there is no cancel in
# the secondary region, so the Azure job may still run.
JOB_WAIT_STOPPED = "CrossRegionJobNotCancellable"
# A plan's restore waits this long for the plan's word (`jobEnded`) before it reads its job itself: a safety net for
# a word lost (the plan polls every JOB_POLL_INTERVAL_SECONDS while its restores run), cheap at one read per hour.
SHARED_WAIT_FALLBACK_SECONDS = 3600
# A poll never waits less than this, whatever the service says.
MIN_DELAY_SECONDS = 1


def timer_seconds(seconds: int) -> int:
    """The length of a durable timer: at least MIN_DELAY_SECONDS, at most MAX_TIMER_SECONDS (whatever computed it)."""
    return max(MIN_DELAY_SECONDS, min(seconds, MAX_TIMER_SECONDS))


def poll_delay(retry_after: int | None, settings: RestoreSettings) -> int:
    """Seconds until the next operation poll: the service's Retry-After (a floor), else the default; capped."""
    wanted = settings.retry_after_default if retry_after is None else retry_after
    return max(MIN_DELAY_SECONDS, min(wanted, settings.retry_after_max))


def transient_delay(retry_after: int | None, attempt: int, settings: RestoreSettings) -> int:
    """Seconds before retrying a transient failure: exponential from the default, never below Retry-After; capped."""
    backoff: int = settings.retry_after_default * 2 ** max(0, attempt - 1)
    return max(MIN_DELAY_SECONDS, min(max(retry_after or 0, backoff), settings.retry_after_max))


def is_throttled(error: ErrorInfo) -> bool:
    """The service asked us to come back later (429, or a transient answer naming a Retry-After).

    ARM throttles with 429 and a Retry-After (learn.microsoft.com "Understand how Azure Resource Manager throttles
    requests"); azure-core's RetryPolicy (`azure/core/pipeline/policies/_retry.py`, `sleep`) waits a Retry-After
    instead of its backoff, whatever the status.
    """
    return error.transient and (error.status == 429 or error.retry_after is not None)


def throttle_delay(retry_after: int | None, settings: RestoreSettings) -> int:
    """Seconds before retrying a throttled call: Retry-After (a floor), at least the default; capped. No growth: the
    service said when; a short Retry-After was already slept on inside the activity (azbackup.retry)."""
    return max(MIN_DELAY_SECONDS, min(max(retry_after or 0, settings.retry_after_default), settings.retry_after_max))
