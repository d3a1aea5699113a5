"""History events as DurableTask.Core serialises them for the out-of-process worker (`EventType` numbers)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


class EV:
    """DurableTask.Core `History/EventType.cs`."""

    ExecutionStarted = 0
    ExecutionCompleted = 1
    ExecutionTerminated = 3
    TaskScheduled = 4
    TaskCompleted = 5
    TaskFailed = 6
    SubOrchestrationInstanceCreated = 7
    SubOrchestrationInstanceCompleted = 8
    SubOrchestrationInstanceFailed = 9
    TimerCreated = 10
    TimerFired = 11
    OrchestratorStarted = 12
    OrchestratorCompleted = 13
    EventRaised = 15


def dotnet_time(moment: datetime) -> str:
    """A UTC `DateTime` as Json.NET writes it (seven fractional digits)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def parse_time(text: str) -> datetime:
    """An ISO-8601 instant (up to seven fractional digits, `Z` or an offset) as aware UTC."""
    value = text.strip().replace("Z", "+00:00")
    if "." in value:
        head, tail = value.split(".", 1)
        digits = "".join(ch for ch in tail if ch.isdigit())
        value = f"{head}.{digits[:6].ljust(6, '0')}{tail[len(digits):]}"
    parsed = datetime.fromisoformat(value)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def history_event(kind: int, at: datetime, event_id: int = -1, **fields: Any) -> dict[str, Any]:
    """`EventType`, `EventId`, `IsPlayed`, `Timestamp` and the event's own properties."""
    return {"EventType": kind, "EventId": event_id, "IsPlayed": False, "Timestamp": dotnet_time(at), **fields}
