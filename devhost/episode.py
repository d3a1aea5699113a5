"""Run one orchestration episode through the SDK's own replay entry point and read its decision."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from azure.functions.durable_functions import OrchestrationTriggerConverter
from azure.functions.meta import Datum

# The context the extension sends (OrchestrationTriggerAttributeBindingProvider.cs lines 219-242): the old field
# says V2 (1), the new one V3 (2), and with the Azure Storage timer limits (AzureStorageDurabilityProvider.cs
# lines 68-70) the SDK splits timers longer than 6 days into 3-day intervals.
UPPER_SCHEMA_VERSION = 1
UPPER_SCHEMA_VERSION_NEW = 2
MAXIMUM_SHORT_TIMER_DURATION = "6.00:00:00"
LONG_RUNNING_TIMER_INTERVAL = "3.00:00:00"
_ERROR_LABEL = "$OutOfProcData$:"


@dataclass
class Decision:
    """What the orchestrator returned for one episode (the SDK's `OrchestratorState`)."""

    is_done: bool
    action_groups: list[list[dict[str, Any]]]
    output: Any = None
    error: str | None = None
    custom_status: Any = None
    has_state: bool = True
    raw: dict[str, Any] = field(default_factory=dict)


def build_context(instance_id: str, history: list[dict[str, Any]], input_value: Any,
                  parent_instance_id: str | None) -> str:
    """The orchestration trigger payload the extension sends to an out-of-process worker."""
    started = next((e for e in history if e.get("EventType") == 0), {})
    return json.dumps({
        "history": history,
        "input": input_value,
        "instanceId": instance_id,
        "isReplaying": bool(started.get("IsPlayed")),  # ExecutionStartedEvent.IsPlayed (DurableTaskExtension.cs)
        "parentInstanceId": parent_instance_id,
        "upperSchemaVersion": UPPER_SCHEMA_VERSION,
        "upperSchemaVersionNew": UPPER_SCHEMA_VERSION_NEW,
        "longRunningTimerIntervalDuration": LONG_RUNNING_TIMER_INTERVAL,
        "maximumShortTimerDuration": MAXIMUM_SHORT_TIMER_DURATION,
        "defaultHttpAsyncRequestSleepTimeMillseconds": 30000,
    })


def run_episode(handle: Callable[..., Any], context_json: str) -> Decision:
    """Call the registered orchestrator function with the context and parse the state it returns."""
    context = OrchestrationTriggerConverter.decode(Datum(context_json, "string"), trigger_metadata=None)
    try:
        result = handle(context)
    except Exception as exc:  # the SDK reports orchestrator errors as an exception carrying the state
        return _from_error(str(exc))
    encoded = OrchestrationTriggerConverter.encode(result, expected_type=None)
    return _from_state(json.loads(encoded.value))


def _from_state(state: dict[str, Any]) -> Decision:
    return Decision(is_done=bool(state.get("isDone")), action_groups=state.get("actions") or [],
                    output=state.get("output"), error=state.get("error"), custom_status=state.get("customStatus"),
                    raw=state)


def _from_error(message: str) -> Decision:
    """`OutOfProcExceptionHelpers.TryExtractOutOfProcStateJson`: the state after the label, if any."""
    head, sep, tail = message.partition(_ERROR_LABEL)
    if sep:
        try:
            state = json.loads(tail)
        except json.JSONDecodeError:
            state = None
        if isinstance(state, dict):
            decision = _from_state(state)
            decision.error = state.get("error") or head.strip()
            return decision
    return Decision(is_done=False, action_groups=[], error=message, has_state=False)
