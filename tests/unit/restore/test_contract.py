"""The orchestration contract: instance-ID rules and reading a failure's outcome back."""

from __future__ import annotations

from restore.contract import parse_failure_output
from restore.instance_ids import Source, instance_id_for


def test_instance_ids_are_deterministic_safe_and_separate_per_source() -> None:
    first = instance_id_for(Source.HTTP, "key-1")
    assert first == instance_id_for(Source.HTTP, "key-1")
    assert first != instance_id_for(Source.EVENTGRID, "key-1")
    assert first != instance_id_for(Source.HTTP, "key-2")
    weird = instance_id_for(Source.INCIDENT, "a/b?c#d\\e:" * 100)
    assert len(weird) <= 256 and not set("/\\?#: ") & set(weird)


def test_parse_failure_output_ignores_text_that_is_not_an_outcome() -> None:
    assert parse_failure_output(None) is None
    assert parse_failure_output("Orchestrator function 'restore_vm' failed: boom") is None
    assert parse_failure_output('failed: {"status": "succeeded"}') is None
    assert parse_failure_output('x failed: {"status": "failed", "error": {}}\n\n$OutOfProcData$:{"a":1}') == {
        "status": "failed", "error": {}}
