"""History events as the Durable Functions extension writes them (DurableTask.Core event types)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any


class EventType(IntEnum):
    """`azure/durable_functions/models/history/HistoryEventType.py`."""

    EXECUTION_STARTED = 0
    EXECUTION_COMPLETED = 1
    EXECUTION_FAILED = 2
    EXECUTION_TERMINATED = 3
    TASK_SCHEDULED = 4
    TASK_COMPLETED = 5
    TASK_FAILED = 6
    SUB_ORCHESTRATION_INSTANCE_CREATED = 7
    SUB_ORCHESTRATION_INSTANCE_COMPLETED = 8
    SUB_ORCHESTRATION_INSTANCE_FAILED = 9
    TIMER_CREATED = 10
    TIMER_FIRED = 11
    ORCHESTRATOR_STARTED = 12
    ORCHESTRATOR_COMPLETED = 13
    EVENT_SENT = 14
    EVENT_RAISED = 15
    CONTINUE_AS_NEW = 16
    GENERIC_EVENT = 17
    HISTORY_STATE = 18
    EXECUTION_SUSPENDED = 19
    EXECUTION_RESUMED = 20


def iso(moment: datetime) -> str:
    """Timestamps as the extension serialises them (UTC, 7 fractional digits like .NET)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def parse_iso(text: str) -> datetime:
    """Parse an ISO-8601 timestamp (with `Z` or an offset, up to 7 fractional digits) as aware UTC."""
    value = text.strip().replace("Z", "+00:00")
    if "." in value:
        head, tail = value.split(".", 1)
        digits = "".join(ch for ch in tail if ch.isdigit())
        zone = tail[len(digits):]
        value = f"{head}.{digits[:6].ljust(6, '0')}{zone}"
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def compact_json(value: Any) -> str:
    """A JSON value as Json.NET writes a `JToken` (`ToString(Formatting.None)`, MessagePayloadDataConverter.cs)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def event(kind: EventType, at: datetime, event_id: int = -1, **fields: Any) -> dict[str, Any]:
    """One history event: `EventType`, `EventId`, `IsPlayed`, `Timestamp` plus the event's own fields."""
    return {"EventType": int(kind), "EventId": event_id, "IsPlayed": False, "Timestamp": iso(at), **fields}
