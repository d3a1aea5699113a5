"""When to try an ARM call again inside one activity: transient errors, short waits, bounded attempts."""

from __future__ import annotations

from dataclasses import dataclass

from azbackup.errors import BackupError, ResponseError, TransportError

# Methods ARM treats as idempotent; a POST is retried only when the service asked or nothing was sent.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
_POST_RETRY_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class Retry:
    """Retry policy: transient errors only, capped exponential backoff, short waits only, total sleep budget.

    A `Retry-After` longer than `short_wait_max` is not slept on: the error is raised carrying it, so the
    orchestrator waits on a durable timer instead of holding an activity.
    """

    max_attempts: int = 4
    backoff: float = 0.5
    backoff_max: float = 4.0
    short_wait_max: float = 5.0
    total_sleep_max: float = 15.0

    def delay(self, attempt: int, error: BackupError, method: str, slept: float = 0.0) -> float | None:
        """Seconds to sleep before attempt `attempt + 1`, or None to stop and raise `error`."""
        if not error.is_transient or attempt >= self.max_attempts:
            return None
        if not self._may_repeat(error, method):
            return None
        if error.retry_after is not None:
            if error.retry_after > self.short_wait_max:
                return None
            wait = float(error.retry_after)
        else:
            wait = min(self.backoff * (2 ** (attempt - 1)), self.backoff_max)
        if slept + wait > self.total_sleep_max:
            return None
        return wait

    @staticmethod
    def _may_repeat(error: BackupError, method: str) -> bool:
        if method.upper() in IDEMPOTENT_METHODS:
            return True
        if isinstance(error, TransportError):
            return error.connect_failed
        if isinstance(error, ResponseError):
            return error.status in _POST_RETRY_STATUSES and error.retry_after is not None
        return False
