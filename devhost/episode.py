"""Run one orchestration episode through the SDK's own replay entry point and read its decision."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import azure.functions as func
from azure.functions.durable_functions import OrchestrationTriggerConverter
from azure.functions.meta import Datum

# The extension sends these (OrchestrationTriggerAttributeBindingProvider.cs); with schema V3 and the
# Azure Storage timer limits (AzureStorageDurabilityProvider.cs) the SDK splits timers over 6 days.
UPPER_SCHEMA_VERSION = 2
MAXIMUM_SHORT_TIMER_DURATION = "6.00:00:00"
LONG_RUNNING_TIMER_INTERVAL = "3.00:00:00"
_ERROR_LABEL = "$OutOfProcData$:"


@dataclass
class Decision:
    """What the orchestrator returned for one episode."""

    is_done: bool
    actions: list[dict[str, Any]]
    output: Any = None
    error: str | None = None
    custom_status: Any = None
    crashed: bool = False
    raw: dict[str, Any] = field(default_factory=dict)


def build_context(instance_id: str, history: list[dict[str, Any]], input_json: str | None,
                  parent_instance_id: str | None) -> str:
    """The orchestration trigger payload the extension sends to an out-of-process worker."""
    return json.dumps({
        "history": history,
        "instanceId": instance_id,
        "isReplaying": any(e.get("IsPlayed") for e in history),
        "parentInstanceId": parent_instance_id,
        "input": input_json,
        "upperSchemaVersion": UPPER_SCHEMA_VERSION,
        "upperSchemaVersionNew": UPPER_SCHEMA_VERSION,
        "maximumShortTimerDuration": MAXIMUM_SHORT_TIMER_DURATION,
        "longRunningTimerIntervalDuration": LONG_RUNNING_TIMER_INTERVAL,
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


def _from_state(state: dict[str, Any], crashed: bool = False) -> Decision:
    action_groups = state.get("actions") or []
    actions = [a for group in action_groups for a in group]
    return Decision(is_done=bool(state.get("isDone")), actions=actions, output=state.get("output"),
                    error=state.get("error"), custom_status=state.get("customStatus"), crashed=crashed,
                    raw=state)


def _from_error(message: str) -> Decision:
    head, sep, tail = message.partition(_ERROR_LABEL)
    if sep:
        try:
            state = json.loads(tail)
        except json.JSONDecodeError:
            state = {}
        decision = _from_state(state, crashed=True)
        decision.error = state.get("error") or head.strip()
        return decision
    return Decision(is_done=False, actions=[], error=message, crashed=True)


def is_orchestration_context(value: object) -> bool:
    """True for the azure-functions orchestration context type (kept for callers' type checks)."""
    return isinstance(value, func.OrchestrationContext)
