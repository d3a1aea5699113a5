"""Azure Storage, the DTFx dispatcher and the HTTP API, as the model needs them: queues, instances, histories.

Sources: Azure/durabletask (commit 52170329) `DurableTask.Core/TaskOrchestrationDispatcher.cs`,
`DurableTask.AzureStorage/AzureStorageOrchestrationService.cs`, `OrchestrationSessionManager.cs`,
`Tracking/AzureTableTrackingStore.cs`; Azure/azure-functions-durable-extension (commit a7c6d694)
`HttpApiHandler.cs`, `ContextImplementations/DurableClient.cs`, `OverridableStates.cs`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tests.conformance.model import worker
from tests.conformance.model.dtfx import Action, TaskOrchestrationContext, TaskOrchestrationExecutor
from tests.conformance.model.extension import DurableOrchestrationContext, TaskOrchestrationShim
from tests.conformance.model.history import EV, dotnet_time, history_event

RUNNING = {"Pending", "Running", "ContinuedAsNew", "Suspended"}  # OverridableStates.cs lines 35-41
FINISHED = {"Completed", "Failed", "Terminated", "Canceled"}


@dataclass
class Instance:
    instance_id: str
    name: str
    status: str
    execution_id: str
    input: str | None
    created: str
    parent: dict[str, Any] | None = None
    output: str | None = None
    custom_status: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Message:
    instance_id: str
    execution_id: str | None
    event: dict[str, Any]


@dataclass
class WorkItem:
    instance_id: str
    execution_id: str
    task_id: int
    name: str
    input: Any


@dataclass
class Timer:
    instance_id: str
    execution_id: str
    timer_id: int
    fire_at: datetime


class Backend:
    """One task hub: the control queue, the work-item queue, the timers, the instances and their histories."""

    def __init__(self, app: worker.Functions, now: Callable[[], datetime], execution_ids: Callable[[], str]) -> None:
        self.app, self.now, self.execution_ids = app, now, execution_ids
        self.instances: dict[str, Instance] = {}
        self.messages: list[Message] = []
        self.work_items: list[WorkItem] = []
        self.timers: list[Timer] = []

    # -- HttpApiHandler (lines 857-899, 978-1020, 598-692) -------------------------------------------------
    def start(self, name: str, instance_id: str, body: bytes) -> tuple[int, dict[str, Any]]:
        try:
            value = json.loads(body) if body else None
        except json.JSONDecodeError:
            return 400, {"Message": "Invalid JSON content"}
        if name.upper() not in {o.upper() for o in self.app.orchestrators}:
            return 400, {"Message": "One or more of the arguments submitted is incorrect"}
        existing = self.instances.get(instance_id)
        if existing is not None and existing.status in RUNNING:  # NonRunningStates, DurableTaskOptions.cs 188
            return 500, {"Message": "Something went wrong while processing your request",
                         "ExceptionMessage": f"An Orchestration instance with the status {existing.status} already "
                                             "exists."}
        self._create(instance_id, name, None if value is None else _jtoken(value), None)
        return 202, {"id": instance_id}

    def raise_event(self, instance_id: str, name: str, body: bytes, content_type: str) -> int:
        inst = self.instances.get(instance_id)
        if inst is None:
            return 404
        if inst.status in FINISHED:
            return 410
        if content_type.lower() != "application/json":
            return 400
        try:
            value = json.loads(body)
        except json.JSONDecodeError:
            return 400
        # RaiseEventAsync sends to the instance without an execution ID (DurableClient.RaiseEventInternalAsync).
        self.messages.append(Message(instance_id, None, history_event(EV.EventRaised, self.now(), Name=name,
                                                                      Input=_jtoken(value))))
        return 202

    def status(self, instance_id: str) -> tuple[int, dict[str, Any]]:
        inst = self.instances.get(instance_id)
        if inst is None:
            return 404, {}
        body = {"runtimeStatus": inst.status, "customStatus": _load(inst.custom_status),
                "output": _load(inst.output)}
        return (202 if inst.status in RUNNING else 200), body

    def _create(self, instance_id: str, name: str, input_json: str | None, parent: dict[str, Any] | None) -> None:
        """A new execution: a fresh execution ID, no history of the old one (AzureTableTrackingStore.cs 164-202)."""
        execution_id = self.execution_ids()
        self.timers = [t for t in self.timers if t.instance_id != instance_id]  # the old execution's never count
        self.instances[instance_id] = Instance(instance_id, name, "Pending", execution_id, input_json,
                                               dotnet_time(self.now()), parent)
        started = history_event(EV.ExecutionStarted, self.now(), Name=name, Version="", Input=input_json, Tags=None,
                                OrchestrationInstance={"InstanceId": instance_id, "ExecutionId": execution_id},
                                ParentInstance=parent)
        self.messages.append(Message(instance_id, execution_id, started))

    # -- the orchestration dispatcher ---------------------------------------------------------------------
    def process(self, instance_id: str) -> None:
        """One work item for the instance's oldest message (TaskOrchestrationDispatcher.OnProcessWorkItemAsync)."""
        index = next(i for i, m in enumerate(self.messages) if m.instance_id == instance_id)
        msg = self.messages.pop(index)
        inst = self.instances.get(instance_id)
        if inst is None or inst.status in FINISHED or (msg.execution_id not in (None, inst.execution_id)):
            return  # IsExecutableInstanceAsync discards it (AzureStorageOrchestrationService.cs 1066-1126)
        starting = msg.event["EventType"] == EV.ExecutionStarted
        past = [] if starting else [dict(e, IsPlayed=True) for e in inst.history]
        new = [history_event(EV.OrchestratorStarted, self.now()), msg.event]
        carried_status: str | None = None
        while True:
            actions, context = self._execute(inst, past, new)
            custom = None if context.custom_status is None else json.dumps(context.custom_status)
            complete = next((a for a in actions if a.kind == "Complete"), None)
            history = ([] if starting else inst.history) + new
            history += [_decision_event(a, self.now()) for a in actions if a.kind != "Complete"]
            for action in actions:
                self._send(inst, action)
            if complete is None or complete.status != "ContinuedAsNew":
                if complete is not None:
                    history.append(history_event(EV.ExecutionCompleted, self.now(), complete.id,
                                                 OrchestrationStatus=complete.status, Result=complete.result))
                history.append(history_event(EV.OrchestratorCompleted, self.now()))
                inst.history = history
                inst.custom_status = custom if custom is not None else carried_status
                self._finish(inst, complete)
                return
            # ContinueAsNew: the next execution runs in the same work item (lines 627-677); it keeps this
            # episode's custom status unless it sets one (lines 653-654, 707, 829).
            carried_status = custom
            past, new, starting = [], self._next_execution(inst, complete), True

    def _next_execution(self, inst: Instance, complete: Action) -> list[dict[str, Any]]:
        """The new execution's opening events: [OrchestratorStarted, ExecutionStarted, carried..., Completed]."""
        inst.execution_id = self.execution_ids()
        inst.input = _jtoken(complete.result)
        inst.status = "Running"
        started = history_event(EV.ExecutionStarted, self.now(), Name=inst.name, Version="", Input=inst.input,
                                OrchestrationInstance={"InstanceId": inst.instance_id,
                                                       "ExecutionId": inst.execution_id},
                                ParentInstance=inst.parent)
        return [history_event(EV.OrchestratorStarted, self.now()), started, *complete.carryover,
                history_event(EV.OrchestratorCompleted, self.now())]

    def _execute(self, inst: Instance, past: list[dict[str, Any]],
                 new: list[dict[str, Any]]) -> tuple[list[Action], DurableOrchestrationContext]:
        inner = TaskOrchestrationContext(inst.instance_id, inst.execution_id)
        parent_id = inst.parent["OrchestrationInstance"]["InstanceId"] if inst.parent else None
        context = DurableOrchestrationContext(inner, inst.name, parent_id, self.app.activities,
                                              set(self.app.orchestrators))
        # The worker is called first, with the whole history (DurableTaskExtension.cs lines 726-790).
        handle = self.app.orchestrators[inst.name]
        input_value = None if inst.input is None else json.loads(inst.input)
        payload = worker.context_json(past + new, input_value, inst.instance_id, parent_id)
        shim = TaskOrchestrationShim(context, worker.invoke(handle, payload))
        return TaskOrchestrationExecutor(inner, shim).execute(past + new), context

    def _send(self, inst: Instance, action: Action) -> None:
        """The messages each decision sends (TaskOrchestrationDispatcher.cs lines 1178-1310)."""
        if action.kind == "ScheduleTask":
            self.work_items.append(WorkItem(inst.instance_id, inst.execution_id, action.id, action.name or "",
                                            action.input))
        elif action.kind == "CreateTimer" and action.fire_at is not None:
            self.timers.append(Timer(inst.instance_id, inst.execution_id, action.id, action.fire_at))
        elif action.kind == "CreateSubOrchestration" and action.instance_id is not None:
            parent = {"Name": inst.name, "TaskScheduleId": action.id,
                      "OrchestrationInstance": {"InstanceId": inst.instance_id, "ExecutionId": inst.execution_id}}
            # Sub-orchestration starts are not deduplicated (OrchestrationSessionManager.cs lines 252-255).
            self._create(action.instance_id, action.name or "",
                         None if action.input is None else _jtoken(action.input), parent)

    def _finish(self, inst: Instance, complete: Action | None) -> None:
        if complete is None:
            inst.status = "Running"
            return
        inst.status = complete.status or "Failed"
        inst.output = complete.result if inst.status == "Completed" else json.dumps(complete.result)
        self.timers = [t for t in self.timers if t.instance_id != inst.instance_id]
        parent = inst.parent
        if parent is None:
            return
        target = parent["OrchestrationInstance"]
        if inst.status == "Completed":
            event = history_event(EV.SubOrchestrationInstanceCompleted, self.now(),
                                  TaskScheduledId=parent["TaskScheduleId"], Result=complete.result)
        else:
            event = history_event(EV.SubOrchestrationInstanceFailed, self.now(),
                                  TaskScheduledId=parent["TaskScheduleId"], Reason=complete.result)
        self.messages.append(Message(target["InstanceId"], target["ExecutionId"], event))

    # -- activities and timers ----------------------------------------------------------------------------
    def complete_work_item(self, item: WorkItem, result: Any, error: str | None) -> None:
        self.work_items.remove(item)
        if error is None:
            event = history_event(EV.TaskCompleted, self.now(), TaskScheduledId=item.task_id, Result=json.dumps(result))
        else:
            event = history_event(EV.TaskFailed, self.now(), TaskScheduledId=item.task_id, Reason=error, Details="")
        self.messages.append(Message(item.instance_id, item.execution_id, event))

    def fire_timers(self) -> None:
        """Every timer due at the current time sends its TimerFired message, soonest first."""
        due = sorted((t for t in self.timers if t.fire_at <= self.now()), key=lambda t: t.fire_at)
        for timer in due:
            self.timers.remove(timer)
            self.messages.append(Message(timer.instance_id, timer.execution_id, history_event(
                EV.TimerFired, self.now(), TimerId=timer.timer_id, FireAt=dotnet_time(timer.fire_at))))


def _decision_event(action: Action, at: datetime) -> dict[str, Any]:
    if action.kind == "ScheduleTask":
        return history_event(EV.TaskScheduled, at, action.id, Name=action.name, Version="", Input=action.input)
    if action.kind == "CreateTimer" and action.fire_at is not None:
        return history_event(EV.TimerCreated, at, action.id, FireAt=dotnet_time(action.fire_at))
    return history_event(EV.SubOrchestrationInstanceCreated, at, action.id, Name=action.name, Version="",
                         InstanceId=action.instance_id, Input=action.input)


def _jtoken(value: Any) -> str:
    """How MessagePayloadDataConverter serialises a JToken: `ToString(Formatting.None)`."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)
