"""Pure rules of the orchestrations: poll and retry delays, reading a failure's outcome back."""

from __future__ import annotations

from orchestrators.outcome import parse_failure_output
from orchestrators.policy import poll_delay, transient_delay
from restore.payloads import RestoreSettings


def test_delays_honour_retry_after_as_a_floor_with_a_cap() -> None:
    settings = RestoreSettings(retry_after_default=30, retry_after_max=600)
    assert [poll_delay(v, settings) for v in (None, 0, 10, 60, 10_000)] == [30, 1, 10, 60, 600]
    assert [transient_delay(None, n, settings) for n in (1, 2, 3, 6)] == [30, 60, 120, 600]
    assert transient_delay(200, 1, settings) == 200


def test_parse_failure_output_ignores_text_that_is_not_an_outcome() -> None:
    assert parse_failure_output(None) is None
    assert parse_failure_output("Orchestrator function 'restore_vm' failed: boom") is None
    assert parse_failure_output('failed: {"status": "succeeded"}') is None
    assert parse_failure_output('x failed: {"status": "failed", "error": {}}\n\n$OutOfProcData$:{"a":1}') == {
        "status": "failed", "error": {}}
