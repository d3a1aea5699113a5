"""Wait on a condition with a deadline (tests never sleep blindly)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class WaitTimeout(AssertionError):
    """The condition did not hold before the deadline; carries the last value seen."""


def wait_until(probe: Callable[[], T], done: Callable[[T], bool] = bool, timeout: float = 30.0,
               interval: float = 0.05, what: str = "condition") -> T:
    """Call `probe` until `done(value)` holds; return that value or fail with the last one seen."""
    deadline = time.monotonic() + timeout
    last: object = None
    last_exc: BaseException | None = None
    while True:
        try:
            last = probe()
            last_exc = None
            if done(last):  # type: ignore[arg-type]
                return last  # type: ignore[return-value]
        except Exception as exc:  # a probe may fail while a server starts
            last_exc = exc
        if time.monotonic() >= deadline:
            raise WaitTimeout(f"timed out after {timeout}s waiting for {what}; last value: {last!r}; "
                              f"last error: {last_exc!r}")
        time.sleep(interval)
