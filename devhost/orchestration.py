"""Process one message of one orchestration instance: replay, decide, and commit atomically.

As DTFx's `TaskOrchestrationDispatcher.OnProcessWorkItemAsync` (lines 325-720): the episode's history is
`OrchestratorStarted`, the new message, the decisions in sequence-ID order, then `OrchestratorCompleted`; a
continue-as-new starts the next execution in the same work item and runs its first episode at once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from devhost import control
from devhost.dtfx import NewAction, NewTask, NewTimer
from devhost.episode import Decision, build_context, run_episode
from devhost.history import EventType, compact_json, event, iso
from devhost.replay import Completion, EpisodeResult, ReplayInput, replay
from devhost.rows import Instance, Message, ParentRef, RuntimeStatus
from devhost.shim import Functions
from devhost.store import Store, Tx

log = logging.getLogger("devhost.orchestration")


class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass(frozen=True)
class Orchestrators:
    """What episodes need of the app: its orchestrator functions and the names the extension knows."""

    handles: dict[str, Callable[..., Any]]
    activities: list[str]
    execution_ids: control.ExecutionIds = control.new_execution_id

    @property
    def functions(self) -> Functions:
        return Functions.of(self.activities, list(self.handles))

    def find(self, name: str) -> Callable[..., Any] | None:
        return self.handles.get(name) or next((h for n, h in self.handles.items() if n.upper() == name.upper()), None)


@dataclass
class Step:
    """One episode of one execution, computed before anything is written."""

    inst: Instance
    new_events: list[dict[str, Any]]
    decision: Decision | None
    result: EpisodeResult
    fresh: bool = False
    carried_status: str | None = None


def process_next(store: Store, clock: Clock, app: Orchestrators, instance_id: str) -> bool:
    """Run the instance's oldest message through one episode; False when there was nothing to do."""
    msg = store.first_message(instance_id)
    if msg is None:
        return False
    inst = store.instance(instance_id)
    if inst is None or _stale(inst, msg):
        # Azure Storage discards messages for missing, finished or replaced executions (IsExecutableInstanceAsync,
        # AzureStorageOrchestrationService.cs lines 1066-1126).
        with store.tx() as tx:
            tx.delete_message(msg.id)
        return True
    now = clock.now()
    starting = msg.event["EventType"] == EventType.EXECUTION_STARTED
    past = [] if starting else store.history(instance_id)
    steps = [_episode(app, inst, past, [event(EventType.ORCHESTRATOR_STARTED, now), dict(msg.event)])]
    steps[0].fresh = starting
    while (done := steps[-1].result.completion) is not None and done.status == RuntimeStatus.CONTINUED_AS_NEW:
        steps.append(_next_execution(app, steps[-1], done, clock.now()))
    with store.tx() as tx:
        tx.delete_message(msg.id)
        current = tx.instance(instance_id)
        if current is None or current.execution_id != inst.execution_id or current.status in control.TERMINAL:
            return True  # terminated or replaced while the episode ran
        for step in steps:
            _commit(tx, step, now, app)
    for step in steps:
        _log(step, msg)
    return True


def _stale(inst: Instance, msg: Message) -> bool:
    if msg.execution_id is not None and msg.execution_id != inst.execution_id:
        return True
    return inst.status in control.TERMINAL


def _episode(app: Orchestrators, inst: Instance, past: list[dict[str, Any]],
             new_events: list[dict[str, Any]]) -> Step:
    handle = app.find(inst.name)
    if handle is None:  # an orchestration whose function is gone fails (DurableTaskExtension.cs lines 752-765)
        known = "', '".join(app.handles)
        reason = (f"The function '{inst.name}' doesn't exist, is disabled, or is not an orchestrator function. "
                  f"Additional info: The following are the known orchestrator functions: '{known}'.")
        return Step(inst, new_events, None, EpisodeResult([], Completion(0, RuntimeStatus.FAILED, reason)))
    played = [{**e, "IsPlayed": True} for e in past]
    history = played + new_events
    # The context carries the input as a JSON value (GetInputAsJson, DurableOrchestrationContext.cs 161-164).
    input_value = None if inst.input is None else json.loads(inst.input)
    decision = run_episode(handle, build_context(inst.instance_id, history, input_value,
                                                 inst.parent.instance_id if inst.parent else None))
    result = replay(ReplayInput(
        instance_id=inst.instance_id, execution_id=inst.execution_id,
        parent_instance_id=inst.parent.instance_id if inst.parent else None, name=inst.name, history=history,
        decision=decision, functions=app.functions,
        known={False: list(app.activities), True: list(app.handles)}))
    return Step(inst, new_events, decision, result)


def _next_execution(app: Orchestrators, previous: Step, done: Completion, now: datetime) -> Step:
    """The next execution's first episode: [OrchestratorStarted, ExecutionStarted, carried events, Completed]."""
    old = previous.inst
    new_input = None if done.result is None else compact_json(done.result)
    inst = old.with_(execution_id=app.execution_ids(), input=new_input, status=RuntimeStatus.RUNNING, output=None)
    started = control.started_event(inst.instance_id, inst.execution_id, inst.name, new_input, now, inst.parent)
    prefix = [event(EventType.ORCHESTRATOR_STARTED, now), started, *done.carryover,
              event(EventType.ORCHESTRATOR_COMPLETED, now)]
    step = _episode(app, inst, [], prefix)
    step.fresh = True
    # The new execution keeps the old custom status if it sets none (TaskOrchestrationDispatcher.cs 653, 707).
    step.carried_status = _custom_status(previous)
    return step


def _custom_status(step: Step) -> str | None:
    """What the SDK sent this episode, or null (AzureTableTrackingStore.cs line 941 writes "null")."""
    value = step.decision.custom_status if step.decision else None
    return None if value is None else json.dumps(value)


def _commit(tx: Tx, step: Step, now: datetime, app: Orchestrators) -> None:
    inst, done = step.inst, step.result.completion
    if step.fresh:
        tx.clear_history(inst.instance_id)
    events = list(step.new_events)
    events += [_decision_event(action, now) for action in step.result.actions]
    if done is not None and done.status != RuntimeStatus.CONTINUED_AS_NEW:
        events.append(_completed_event(done, now))
    if done is None or done.status != RuntimeStatus.CONTINUED_AS_NEW:
        events.append(event(EventType.ORCHESTRATOR_COMPLETED, now))
        tx.append_history(inst.instance_id, events)
    for action in step.result.actions:
        _schedule(tx, inst, action, now, app)
    status = RuntimeStatus.RUNNING if done is None else done.status
    custom = _custom_status(step) or step.carried_status
    output = None
    if done is not None and done.status == RuntimeStatus.COMPLETED:
        output = done.result
    elif done is not None and done.status == RuntimeStatus.FAILED:
        output = json.dumps(done.result)
    tx.put_instance(inst.with_(status=status, output=output, custom_status=custom, last_updated_time=iso(now)))
    if done is not None and done.status in (RuntimeStatus.COMPLETED, RuntimeStatus.FAILED):
        tx.delete_timers(inst.instance_id)
        control.notify_parent(tx, inst, failed=done.status == RuntimeStatus.FAILED, result=done.result, now=now)


def _decision_event(action: NewAction, at: datetime) -> dict[str, Any]:
    """The history event each decision adds (TaskOrchestrationDispatcher.cs lines 1178-1310)."""
    if isinstance(action, NewTask):
        return event(EventType.TASK_SCHEDULED, at, action.id, Name=action.name, Version="", Input=action.input)
    if isinstance(action, NewTimer):
        return event(EventType.TIMER_CREATED, at, action.id, FireAt=iso(action.fire_at))
    return event(EventType.SUB_ORCHESTRATION_INSTANCE_CREATED, at, action.id, Name=action.name, Version="",
                 InstanceId=action.instance_id, Input=action.input)


def _completed_event(done: Completion, at: datetime) -> dict[str, Any]:
    return event(EventType.EXECUTION_COMPLETED, at, done.id,
                 OrchestrationStatus=done.status.value, Result=done.result)


def _schedule(tx: Tx, inst: Instance, action: NewAction, now: datetime, app: Orchestrators) -> None:
    if isinstance(action, NewTask):
        tx.add_activity(inst.instance_id, inst.execution_id, action.id, action.name, action.input)
    elif isinstance(action, NewTimer):
        tx.add_timer(inst.instance_id, inst.execution_id, action.id, action.fire_at.timestamp(), iso(action.fire_at))
    else:
        parent = ParentRef(instance_id=inst.instance_id, execution_id=inst.execution_id, task_id=action.id,
                           name=inst.name)
        child_input = None if action.input is None else compact_json(action.input)
        control.start_child(tx, action.instance_id, action.name, child_input, now, parent, app.execution_ids)


def _log(step: Step, msg: Message) -> None:
    inst, done = step.inst, step.result.completion
    extra = {"instance_id": inst.instance_id, "orchestrator": inst.name,
             "trigger": EventType(msg.event["EventType"]).name}
    for refusal in step.result.refusals:  # swallowed on Azure too: the orchestration will wait forever
        log.warning("orchestration.call_refused", extra={**extra, "error": refusal})
    if done is None:
        log.debug("orchestration.episode", extra=extra)
    elif done.status == RuntimeStatus.FAILED:
        log.warning("orchestration.failed", extra={**extra, "error": done.result})
    else:
        log.info(f"orchestration.{done.status.value.lower()}", extra=extra)
