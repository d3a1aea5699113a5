"""The host's own overhead per orchestration step, read from the devhost's JSON log.

The devhost logs `activity.started` / `activity.completed` with the instance ID and a wall-clock `time`. Between an
activity's completion and the start of the next one, when the orchestrator sets no durable timer in between, the
time is all host: commit the result, replay the orchestrator, record its actions, dispatch the next activity.
Those steps are resolve -> select -> validate -> trigger in the restore runbook.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.stack import Stack
from bench.stats import percentile

NO_TIMER_AFTER = {"resolve_backup_item", "select_recovery_point", "validate_restore"}


def step_gaps_ms(lines: list[str]) -> list[float]:
    """Milliseconds from an activity's completion to its instance's next activity start (timer-free steps)."""
    last_done: dict[str, tuple[str, datetime]] = {}
    gaps: list[float] = []
    for line in lines:
        record = _record(line)
        if record is None:
            continue
        event, instance = record.get("event"), str(record.get("instance_id", ""))
        when = datetime.fromisoformat(str(record["time"]).replace("Z", "+00:00"))
        if event == "activity.completed":
            last_done[instance] = (str(record.get("activity")), when)
        elif event == "activity.started" and instance in last_done:
            name, done_at = last_done.pop(instance)
            if name in NO_TIMER_AFTER:
                gaps.append((when - done_at).total_seconds() * 1000)
    return gaps


def _record(line: str) -> dict[str, Any] | None:
    if '"activity.' not in line:
        return None
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) and "time" in record else None


def host_overhead(stack: Stack) -> dict[str, Any]:
    """p50/p99 of the timer-free step gaps in this stack's devhost log(s)."""
    lines: list[str] = []
    for path in [*stack.logs, stack.devhost.log_path]:
        if Path(path).is_file():
            lines += Path(path).read_text(errors="replace").splitlines()
    gaps = step_gaps_ms(lines)
    return {"stepOverheadP50Ms": percentile(gaps, 50), "stepOverheadP99Ms": percentile(gaps, 99),
            "stepSamples": len(gaps), "stepOverheadSource": "devhost log: activity completed -> next started"}
