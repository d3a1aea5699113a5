"""The Python worker's side of an orchestration call: the context JSON in, the SDK's state out."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from azure.functions.durable_functions import OrchestrationTriggerConverter
from azure.functions.meta import Datum

_LABEL = "$OutOfProcData$:"


class Functions:
    """The functions an app module registers, read through azure-functions as the Functions host indexes them."""

    def __init__(self, functions: tuple[Any, ...]) -> None:
        self.orchestrators: dict[str, Callable[..., Any]] = {}
        self.activities: set[str] = set()
        for function in functions:
            bindings = [b.get_dict_repr() for b in function.get_bindings()]
            trigger = next((b for b in bindings if str(b["type"]).endswith("Trigger")), None)
            if trigger is None:
                continue
            if trigger["type"] == "orchestrationTrigger":
                self.orchestrators[trigger.get("orchestration") or function.get_function_name()] = \
                    function.get_user_function()
            elif trigger["type"] == "activityTrigger":
                self.activities.add(trigger.get("activity") or function.get_function_name())


def context_json(history: list[dict[str, Any]], input_value: Any, instance_id: str,
                 parent_instance_id: str | None) -> str:
    """`OrchestrationContextToString` (extension OrchestrationTriggerAttributeBindingProvider.cs lines 219-242)."""
    started = next(e for e in history if e["EventType"] == 0)
    return json.dumps({
        "history": history,
        "input": input_value,
        "instanceId": instance_id,
        "isReplaying": started["IsPlayed"],
        "parentInstanceId": parent_instance_id,
        "upperSchemaVersion": 1,  # SchemaVersion.V2
        "upperSchemaVersionNew": 2,  # SchemaVersion.V3
        "longRunningTimerIntervalDuration": "3.00:00:00",  # AzureStorageDurabilityProvider.cs line 70
        "maximumShortTimerDuration": "6.00:00:00",  # line 68
        "defaultHttpAsyncRequestSleepTimeMillseconds": 30000,
    })


def invoke(handle: Callable[..., Any], payload: str) -> tuple[dict[str, Any] | None, str | None]:
    """Run the orchestrator: (state, None) when it returned, (state or None, message) when it raised."""
    context = OrchestrationTriggerConverter.decode(Datum(payload, "string"), trigger_metadata=None)
    try:
        result = handle(context)
    except Exception as exc:  # the SDK raises with the state JSON after a label (TaskOrchestrationExecutor.py)
        text = str(exc)
        if _LABEL in text:
            return json.loads(text.split(_LABEL, 1)[1]), text
        return None, text
    return json.loads(OrchestrationTriggerConverter.encode(result, expected_type=None).value), None
