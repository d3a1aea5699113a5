from __future__ import annotations

from azbackup.errors import ConflictError, ServerError, ThrottledError, TransportError
from azbackup.retry import Retry

RETRY = Retry(max_attempts=4)


def test_get_on_server_error_backs_off_exponentially_with_cap() -> None:
    policy = Retry(max_attempts=10, backoff=1.0, backoff_max=4.0, total_sleep_max=100)
    delays = [policy.delay(n, ServerError(500, None, "x"), "GET") for n in range(1, 6)]
    assert delays == [1.0, 2.0, 4.0, 4.0, 4.0]


def test_gives_up_after_max_attempts() -> None:
    assert RETRY.delay(4, ServerError(500, None, "x"), "GET") is None


def test_terminal_errors_are_not_retried() -> None:
    assert RETRY.delay(1, ConflictError(409, "Busy", "x"), "GET") is None


def test_short_retry_after_is_honoured_and_long_one_is_left_to_the_orchestrator() -> None:
    assert RETRY.delay(1, ThrottledError(429, None, "x", retry_after=3), "GET") == 3.0
    assert RETRY.delay(1, ThrottledError(429, None, "x", retry_after=6), "GET") is None


def test_post_is_retried_only_when_asked_or_never_sent() -> None:
    assert RETRY.delay(1, ServerError(500, None, "x"), "POST") is None
    assert RETRY.delay(1, ServerError(503, None, "x"), "POST") is None
    assert RETRY.delay(1, ServerError(503, None, "x", retry_after=1), "POST") == 1.0
    assert RETRY.delay(1, ThrottledError(429, None, "x", retry_after=0), "POST") == 0.0
    assert RETRY.delay(1, TransportError("reset"), "POST") is None
    assert RETRY.delay(1, TransportError("refused", connect_failed=True), "POST") == 0.5


def test_total_sleep_budget_stops_retries() -> None:
    assert Retry(max_attempts=10, total_sleep_max=3.0).delay(1, ServerError(500, None, "x"), "GET", slept=2.8) is None
