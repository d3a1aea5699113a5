"""Pure rules of the orchestrations: poll and retry delays."""

from __future__ import annotations

from orchestrators.policy import poll_delay, transient_delay
from restore.payloads import RestoreSettings


def test_delays_honour_retry_after_as_a_floor_with_a_cap() -> None:
    settings = RestoreSettings(retry_after_default=30, retry_after_max=600)
    assert [poll_delay(v, settings) for v in (None, 0, 10, 60, 10_000)] == [30, 1, 10, 60, 600]
    assert [transient_delay(None, n, settings) for n in (1, 2, 3, 6)] == [30, 60, 120, 600]
    assert transient_delay(200, 1, settings) == 200
