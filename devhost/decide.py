"""Turn one episode (new message + orchestrator decision) into history events and work, as DTFx would."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any

from devhost.episode import Decision
from devhost.history import EventType, event, iso, parse_iso


class ActionType(IntEnum):
    """`azure/durable_functions/models/actions/ActionType.py`."""

    CALL_ACTIVITY = 0
    CALL_ACTIVITY_WITH_RETRY = 1
    CALL_SUB_ORCHESTRATOR = 2
    CALL_SUB_ORCHESTRATOR_WITH_RETRY = 3
    CONTINUE_AS_NEW = 4
    CREATE_TIMER = 5
    WAIT_FOR_EXTERNAL_EVENT = 6
    CALL_ENTITY = 7
    CALL_HTTP = 8
    SIGNAL_ENTITY = 9
    WHEN_ANY = 11
    WHEN_ALL = 12


ACTIVITY_TYPES = {ActionType.CALL_ACTIVITY, ActionType.CALL_ACTIVITY_WITH_RETRY}
SUB_TYPES = {ActionType.CALL_SUB_ORCHESTRATOR, ActionType.CALL_SUB_ORCHESTRATOR_WITH_RETRY}
RETRY_TYPES = {ActionType.CALL_ACTIVITY_WITH_RETRY, ActionType.CALL_SUB_ORCHESTRATOR_WITH_RETRY}
SUPPORTED = ACTIVITY_TYPES | SUB_TYPES | {ActionType.CONTINUE_AS_NEW, ActionType.CREATE_TIMER,
                                          ActionType.WAIT_FOR_EXTERNAL_EVENT}
_KIND = {ActionType.CALL_ACTIVITY: "an activity task", ActionType.CALL_ACTIVITY_WITH_RETRY: "an activity task",
         ActionType.CALL_SUB_ORCHESTRATOR: "a sub-orchestration", ActionType.CREATE_TIMER: "a durable timer",
         ActionType.CALL_SUB_ORCHESTRATOR_WITH_RETRY: "a sub-orchestration",
         ActionType.WAIT_FOR_EXTERNAL_EVENT: "an external event wait", ActionType.CONTINUE_AS_NEW: "continue-as-new"}


class OrchestrationError(Exception):
    """The episode cannot continue (non-determinism, unsupported action); fails the instance."""


@dataclass
class Work:
    """Everything one episode adds: history events and the work that follows from them."""

    engine: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)
    activities: list[tuple[int, str, str | None]] = field(default_factory=list)
    timers: list[tuple[int, datetime]] = field(default_factory=list)
    cancelled_timers: list[int] = field(default_factory=list)
    children: list[dict[str, Any]] = field(default_factory=list)


def new_engine_state() -> dict[str, Any]:
    """Per-execution bookkeeping that mirrors the SDK's task sequence numbers."""
    return {"next_id": 0, "seen": [], "ids": [], "groups": {}, "retry_of": {}, "retry_timers": {}}


def flatten(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Atomic actions in the order the SDK numbers them (compound `WhenAny`/`WhenAll` opened depth-first)."""
    flat: list[dict[str, Any]] = []
    for action in actions:
        if "compoundActions" in action:
            flat.extend(flatten(action["compoundActions"]))
        else:
            flat.append(action)
    return flat


def on_message(work: Work, message: dict[str, Any], now: datetime) -> None:
    """Mirror the SDK's retry bookkeeping: a failed retried task waits on a timer, a fired one reschedules."""
    eng = work.engine
    kind = message.get("EventType")
    if kind in (EventType.TASK_FAILED, EventType.SUB_ORCHESTRATION_INSTANCE_FAILED):
        group_key = eng["retry_of"].get(str(message.get("TaskScheduledId")))
        if group_key is None:
            return
        group = eng["groups"][group_key]
        timer_id = _allocate(eng)
        fire_at = now + timedelta(milliseconds=group["interval_ms"])
        eng["retry_timers"][str(timer_id)] = group_key
        work.events.append(event(EventType.TIMER_CREATED, now, timer_id, FireAt=iso(fire_at)))
        work.timers.append((timer_id, fire_at))
    elif kind == EventType.TIMER_FIRED:
        group_key = eng["retry_timers"].get(str(message.get("TimerId")))
        if group_key is None:
            return
        group = eng["groups"][group_key]
        if group["attempts"] >= group["max_attempts"]:
            return
        group["attempts"] += 1
        task_id = _allocate(eng)
        eng["retry_of"][str(task_id)] = group_key
        _schedule(work, group["action"], task_id, now)


def apply_decision(work: Work, decision: Decision, instance_id: str, now: datetime) -> None:
    """Check the decision against what earlier episodes scheduled, then schedule what is new.

    Raises:
        OrchestrationError: the actions do not match history (non-determinism) or are unsupported.
    """
    eng = work.engine
    flat = flatten(decision.actions)
    _check_replay(eng, flat, decision)
    for index, action in enumerate(flat):
        atype = ActionType(action["actionType"])
        if index >= len(eng["seen"]):
            if atype not in SUPPORTED:
                raise OrchestrationError(f"The local host does not support action type {atype.name}.")
            task_id = None if atype == ActionType.WAIT_FOR_EXTERNAL_EVENT else _allocate(eng)
            eng["seen"].append([int(atype), _name(action)])
            eng["ids"].append(task_id)
            if task_id is not None and atype != ActionType.CONTINUE_AS_NEW:
                _schedule_new(work, action, atype, task_id, instance_id, now)
        if atype == ActionType.CREATE_TIMER and action.get("isCanceled") and eng["ids"][index] is not None:
            work.cancelled_timers.append(eng["ids"][index])


def _check_replay(eng: dict[str, Any], flat: list[dict[str, Any]], decision: Decision) -> None:
    for index, (atype, name) in enumerate(eng["seen"]):
        if index >= len(flat):
            if decision.crashed:
                return
            raise OrchestrationError(_mismatch(ActionType(atype), name, eng["ids"][index]))
        got = flat[index]
        if got["actionType"] != atype or _name(got) != name:
            raise OrchestrationError(_mismatch(ActionType(atype), name, eng["ids"][index]))


def _mismatch(atype: ActionType, name: str | None, task_id: int | None) -> str:
    what = _KIND.get(atype, atype.name)
    named = f" and name '{name}'" if name else ""
    return ("Non-Deterministic workflow detected: A previous execution of this orchestration scheduled "
            f"{what} with sequence ID {task_id}{named}, but the current replay execution hasn't (yet?) "
            "scheduled this task. Was a change made to the orchestrator code after this instance had "
            "already started running?")


def _schedule_new(work: Work, action: dict[str, Any], atype: ActionType, task_id: int, instance_id: str,
                  now: datetime) -> None:
    if atype in SUB_TYPES and not action.get("instanceId"):
        action = {**action, "instanceId": f"{instance_id}:{task_id:04d}"}
    if atype in RETRY_TYPES:
        options = action.get("retryOptions") or {}
        group_key = str(task_id)
        work.engine["groups"][group_key] = {
            "action": action, "attempts": 1,
            "interval_ms": int(options.get("firstRetryIntervalInMilliseconds", 1000)),
            "max_attempts": int(options.get("maxNumberOfAttempts", 1))}
        work.engine["retry_of"][str(task_id)] = group_key
    _schedule(work, action, task_id, now)


def _schedule(work: Work, action: dict[str, Any], task_id: int, now: datetime) -> None:
    atype = ActionType(action["actionType"])
    if atype in ACTIVITY_TYPES:
        work.events.append(event(EventType.TASK_SCHEDULED, now, task_id, Name=action["functionName"],
                                 Version="", Input=action.get("input")))
        work.activities.append((task_id, action["functionName"], action.get("input")))
    elif atype in SUB_TYPES:
        work.events.append(event(EventType.SUB_ORCHESTRATION_INSTANCE_CREATED, now, task_id,
                                 Name=action["functionName"], Version=action.get("version") or "",
                                 InstanceId=action["instanceId"], Input=action.get("input")))
        work.children.append({"instance_id": action["instanceId"], "name": action["functionName"],
                              "input": action.get("input"), "parent_event_id": task_id})
    elif atype == ActionType.CREATE_TIMER:
        fire_at = parse_iso(action["fireAt"])
        work.events.append(event(EventType.TIMER_CREATED, now, task_id, FireAt=iso(fire_at)))
        if not action.get("isCanceled"):
            work.timers.append((task_id, fire_at))


def continue_as_new_input(decision: Decision) -> tuple[bool, str | None]:
    """Whether the episode ended with `continue_as_new`, and the new input (JSON text)."""
    for action in flatten(decision.actions):
        if action["actionType"] == ActionType.CONTINUE_AS_NEW:
            return True, action.get("input")
    return False, None


def _allocate(eng: dict[str, Any]) -> int:
    task_id = int(eng["next_id"])
    eng["next_id"] = task_id + 1
    return task_id


def _name(action: dict[str, Any]) -> str | None:
    return action.get("functionName") or action.get("externalEventName")


def dumps_output(value: Any) -> str:
    return json.dumps(value)
