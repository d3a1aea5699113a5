"""The `historyEvents` of the status API, shaped as the extension shapes them.

`DurableClient.GetDurableOrchestrationStatusAsync` (extension `ContextImplementations/DurableClient.cs` lines
938-1041): event types become names, a completion absorbs its `TaskScheduled` / `SubOrchestrationInstanceCreated`
(which then disappears), `OrchestratorStarted`/`OrchestratorCompleted` are dropped, results only with
`showHistoryOutput`, inputs only with `showInput`.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from devhost.history import EventType

_SCHEDULED_BY = {EventType.TASK_COMPLETED: EventType.TASK_SCHEDULED,
                 EventType.TASK_FAILED: EventType.TASK_SCHEDULED,
                 EventType.SUB_ORCHESTRATION_INSTANCE_COMPLETED: EventType.SUB_ORCHESTRATION_INSTANCE_CREATED,
                 EventType.SUB_ORCHESTRATION_INSTANCE_FAILED: EventType.SUB_ORCHESTRATION_INSTANCE_CREATED}
_WITH_RESULT = {EventType.TASK_COMPLETED, EventType.SUB_ORCHESTRATION_INSTANCE_COMPLETED}


def history_view(events: list[dict[str, Any]], show_output: bool, show_input: bool) -> list[dict[str, Any]]:
    """The events as `GET instances/{id}?showHistory=true` lists them."""
    items: list[dict[str, Any]] = [dict(e) for e in events]
    scheduled: dict[tuple[EventType, int], int] = {}
    drop: set[int] = set()
    for index, item in enumerate(items):
        kind = EventType(item["EventType"])
        item["EventType"] = _pascal(kind.name)
        if kind in (EventType.TASK_SCHEDULED, EventType.SUB_ORCHESTRATION_INSTANCE_CREATED):
            scheduled[(kind, int(item.get("EventId", -1)))] = index
            item.pop("Version", None)
        elif kind in _SCHEDULED_BY:
            source = scheduled.get((_SCHEDULED_BY[kind], int(item.get("TaskScheduledId", -1))))
            if source is not None:
                origin = events[source]
                item["ScheduledTime"] = origin.get("Timestamp")
                item["FunctionName"] = origin.get("Name")
                if show_input:
                    item["Input"] = origin.get("Input")
                drop.add(source)
            item.pop("TaskScheduledId", None)
            _result(item, show_output and kind in _WITH_RESULT)
        elif kind == EventType.EXECUTION_STARTED:
            item["FunctionName"] = item.pop("Name", None)
            for key in ("OrchestrationInstance", "ParentInstance", "Version", "Tags"):
                item.pop(key, None)
        elif kind == EventType.EXECUTION_COMPLETED:
            _result(item, show_output)
        elif kind == EventType.TIMER_FIRED:
            item.pop("TimerId", None)
        elif kind in (EventType.ORCHESTRATOR_STARTED, EventType.ORCHESTRATOR_COMPLETED):
            drop.add(index)
        if not show_input:
            item.pop("Input", None)
        item.pop("EventId", None)
        item.pop("IsPlayed", None)
    return [item for index, item in enumerate(items) if index not in drop]


def _result(item: dict[str, Any], shown: bool) -> None:
    """Without output the result goes; with it, a JSON result is shown parsed (`ConvertOutputToJToken`)."""
    if not shown:
        item.pop("Result", None)
        return
    raw = item.get("Result")
    if isinstance(raw, str):
        with contextlib.suppress(json.JSONDecodeError):
            item["Result"] = json.loads(raw)


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))
