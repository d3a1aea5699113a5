"""`restore_drill` records its metrics once, when the run ends: per VM the recovery time and point it achieved, and
the run in `drill.runs`; a replay of the ended run records nothing more. Read back through the OpenTelemetry SDK's
`InMemoryMetricReader` on a meter provider of the test's own (the global one is never set)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from azure.durable_functions.models.history.HistoryEventType import HistoryEventType as H
from opentelemetry.sdk.metrics import Counter, Histogram, MeterProvider
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    HistogramDataPoint,
    InMemoryMetricReader,
    NumberDataPoint,
)

from restore import metrics
from tests.unit.orchestrators.replay import Replay, orchestrator
from tests.unit.orchestrators.test_drill import GROUP, RUN_ID, SOURCE_DISK, _order, _run

GOOD_DISK = f"{GROUP}/providers/Microsoft.Compute/disks/os-1"
RESTORE_SECONDS = 2400.0  # the harness's restore: 03:01 to 03:41
POINT_AGE_HOURS = 29.017  # POINT was taken 2026-02-28T22:00Z, the restore started 2026-03-02T03:01Z


@pytest.fixture
def reader(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemoryMetricReader]:
    # Delta, as the Azure Monitor exporter asks for: each collection holds only what was recorded since the last one.
    reader = InMemoryMetricReader(preferred_temporality={Counter: AggregationTemporality.DELTA,
                                                         Histogram: AggregationTemporality.DELTA})
    provider = MeterProvider(metric_readers=[reader])
    monkeypatch.setattr(metrics, "DRILLS", metrics.DrillMetrics(provider.get_meter(metrics.METER_NAME)))
    yield reader
    provider.shutdown()


def _points(reader: InMemoryMetricReader) -> dict[str, list[Any]]:
    data = reader.get_metrics_data()
    found: dict[str, list[Any]] = {}
    for resource in data.resource_metrics if data else []:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                found.setdefault(metric.name, []).extend(
                    (metric.unit, dict(p.attributes or {}), p) for p in metric.data.data_points)
    return found


def _replay_ended(replay: Replay) -> dict[str, Any]:
    """Run the ended orchestration again over its whole history, every event played: a replay."""
    history = [{**e, "IsPlayed": True} for e in replay.history]
    history.append({"EventType": int(H.ORCHESTRATOR_STARTED), "EventId": -1, "IsPlayed": False,
                    "Timestamp": history[-1]["Timestamp"]})
    context = {"history": history, "input": json.dumps(replay.input), "instanceId": replay.instance_id,
               "isReplaying": True, "parentInstanceId": None, "upperSchemaVersion": 2}
    state: dict[str, Any] = json.loads(orchestrator("restore_drill")(json.dumps(context)))
    return state


def test_a_passed_run_records_its_vm_s_recovery_time_and_point_and_one_run(reader: InMemoryMetricReader) -> None:
    replay, _, _ = _run(_order(), [GOOD_DISK], None)
    assert replay.output["status"] == "passed"
    points = _points(reader)
    # Each metric once, with the attributes restore/metrics.py declares for it (and docs/observability.md documents).
    assert {name: [set(a) for _, a, _ in found] for name, found in points.items()} == {
        m.name: [set(m.attributes)] for m in metrics.METRICS}
    [(unit, attributes, duration)] = points[metrics.RESTORE_DURATION.name]
    assert unit == "s" and attributes == {"drill": "weekly", "outcome": "passed"}
    assert isinstance(duration, HistogramDataPoint)
    assert (duration.count, duration.sum) == (1, RESTORE_SECONDS)
    assert replay.output["vms"][0]["restoreSeconds"] == RESTORE_SECONDS
    [(unit, attributes, age)] = points[metrics.RECOVERY_POINT_AGE.name]
    assert unit == "h" and attributes == {"drill": "weekly", "outcome": "passed"}
    assert (age.count, age.sum) == (1, POINT_AGE_HOURS) == (1, replay.output["vms"][0]["pointAgeHours"])
    [(unit, attributes, runs)] = points[metrics.RUNS.name]
    assert unit == "{run}" and attributes == {"drill": "weekly", "outcome": "passed", "cleanup": "passed"}
    assert isinstance(runs, NumberDataPoint) and runs.value == 1

    state = _replay_ended(replay)
    assert state["isDone"] and state["output"] == replay.output  # the replay did reach the end of the run
    assert _points(reader) == {}  # and recorded nothing


def test_a_run_whose_cleanup_failed_counts_as_failed_with_its_cleanup(reader: InMemoryMetricReader) -> None:
    replay, _, _ = _run(_order(), [GOOD_DISK, SOURCE_DISK], None)  # the source disk is refused: cleanup fails
    assert replay.output["status"] == "failed" and replay.instance_id == RUN_ID
    points = _points(reader)
    [(_, attributes, runs)] = points[metrics.RUNS.name]
    assert attributes == {"drill": "weekly", "outcome": "failed", "cleanup": "failed"} and runs.value == 1
    # The VM itself restored and validated: its recovery time is a passed one.
    [(_, attributes, duration)] = points[metrics.RESTORE_DURATION.name]
    assert attributes == {"drill": "weekly", "outcome": "passed"} and duration.sum == RESTORE_SECONDS
