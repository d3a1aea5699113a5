"""Pure rules of the orchestrations: poll and retry delays, and the cap on every durable timer."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from orchestrators.policy import poll_delay, timer_seconds, transient_delay
from restore.payloads import MAX_TIMER_SECONDS, RestoreSettings


def test_delays_honour_retry_after_as_a_floor_with_a_cap() -> None:
    settings = RestoreSettings(retry_after_default=30, retry_after_max=600)
    assert [poll_delay(v, settings) for v in (None, 0, 10, 60, 10_000)] == [30, 1, 10, 60, 600]
    assert [transient_delay(None, n, settings) for n in (1, 2, 3, 6)] == [30, 60, 120, 600]
    assert transient_delay(200, 1, settings) == 200


def test_no_computed_wait_reaches_the_long_timer_threshold() -> None:
    settings = RestoreSettings(retry_after_default=MAX_TIMER_SECONDS, retry_after_max=MAX_TIMER_SECONDS)
    assert poll_delay(30 * 86_400, settings) == MAX_TIMER_SECONDS
    assert transient_delay(30 * 86_400, 12, settings) == MAX_TIMER_SECONDS
    assert [timer_seconds(s) for s in (0, 1, MAX_TIMER_SECONDS, 7 * 86_400)] == [1, 1, MAX_TIMER_SECONDS,
                                                                                  MAX_TIMER_SECONDS]


@pytest.mark.parametrize("field", ["retry_after_default", "retry_after_max", "job_poll_interval"])
def test_orchestration_settings_refuse_a_timer_over_the_cap(field: str) -> None:
    with pytest.raises(ValidationError):
        RestoreSettings.model_validate({field: MAX_TIMER_SECONDS + 1})
