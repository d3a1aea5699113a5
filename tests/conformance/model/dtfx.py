"""DurableTask.Core as the model needs it: `TaskOrchestrationContext`, `RetryInterceptor`, `TaskOrchestrationExecutor`.

Transcribed from Azure/durabletask `src/DurableTask.Core/` (commit 52170329); methods keep their C# names in
snake_case and cite the lines they follow. `async` methods are generators driven by `dotnet.run_async`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tests.conformance.model.dotnet import (
    AsyncMethod,
    CancellationTokenSource,
    DotNetError,
    Task,
    TaskCompletionSource,
    run_async,
)
from tests.conformance.model.history import EV, parse_time


class NonDeterministicOrchestrationError(DotNetError):
    type_name = "DurableTask.Core.Exceptions.NonDeterministicOrchestrationException"

    def __init__(self, event_id: int, details: str) -> None:
        super().__init__("Non-Deterministic workflow detected: " + details)  # its constructor (line 58)
        self.event_id = event_id


class TaskFailedError(DotNetError):
    type_name = "DurableTask.Core.Exceptions.TaskFailedException"


class SubOrchestrationFailedError(DotNetError):
    type_name = "DurableTask.Core.Exceptions.SubOrchestrationFailedException"


@dataclass
class Action:
    """An `OrchestratorAction`: kind is ScheduleTask, CreateTimer, CreateSubOrchestration or Complete."""

    kind: str
    id: int
    name: str | None = None
    input: Any = None
    fire_at: datetime | None = None
    instance_id: str | None = None
    status: str | None = None
    result: Any = None
    carryover: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RetryOptions:
    first_retry_interval: timedelta
    max_number_of_attempts: int
    backoff_coefficient: float = 1.0
    max_retry_interval: timedelta = timedelta.max
    retry_timeout: timedelta = timedelta.max


class TaskOrchestrationContext:
    """The DTFx context: one id counter, the actions map and the open tasks (TaskOrchestrationContext.cs)."""

    def __init__(self, instance_id: str, execution_id: str) -> None:
        self.instance_id, self.execution_id = instance_id, execution_id
        self.open_tasks: dict[int, TaskCompletionSource] = {}
        self.orchestrator_actions_map: dict[int, Action] = {}
        self.id_counter = 0
        self.current_utc_datetime = datetime.min
        self.continue_as_new: Action | None = None
        self.execution_completed_or_terminated = False

    def _next_id(self) -> int:
        value = self.id_counter
        self.id_counter += 1
        return value

    def schedule_task(self, name: str, input_: Any) -> AsyncMethod:
        """ScheduleTaskInternal, lines 126-149."""
        task_id = self._next_id()
        self.orchestrator_actions_map[task_id] = Action("ScheduleTask", task_id, name=name, input=input_)
        tcs = TaskCompletionSource()
        self.open_tasks[task_id] = tcs
        return (yield tcs.task)

    def create_sub_orchestration_instance(self, name: str, instance_id: str | None, input_: Any) -> AsyncMethod:
        """CreateSubOrchestrationInstanceCore, lines 185-227."""
        task_id = self._next_id()
        actual = instance_id
        if actual is None or not actual.strip():
            actual = f"{self.execution_id}:{task_id}"
        self.orchestrator_actions_map[task_id] = Action("CreateSubOrchestration", task_id, name=name, input=input_,
                                                        instance_id=actual)
        tcs = TaskCompletionSource()
        self.open_tasks[task_id] = tcs
        return (yield tcs.task)

    def create_timer(self, fire_at: datetime, cancel: CancellationTokenSource | None = None) -> AsyncMethod:
        """CreateTimer, lines 289-325: a cancellation drops the open task and keeps the action."""
        task_id = self._next_id()
        self.orchestrator_actions_map[task_id] = Action("CreateTimer", task_id, fire_at=fire_at)
        tcs = TaskCompletionSource()
        self.open_tasks[task_id] = tcs
        if cancel is not None:
            def on_cancel() -> None:
                if tcs.try_set_canceled():
                    self.open_tasks.pop(task_id, None)
            cancel.register(on_cancel)
        yield tcs.task
        return None

    def continue_as_new_core(self, input_: Any) -> None:
        """ContinueAsNewCore, lines 271-282."""
        self.continue_as_new = Action("Complete", -1, status="ContinuedAsNew", result=input_)

    # -- history (lines 327-588) ---------------------------------------------------------------------------
    def handle_scheduled(self, event: dict[str, Any], wanted: str, what: str) -> None:
        task_id = event["EventId"]
        action = self.orchestrator_actions_map.get(task_id)
        if action is None:
            raise NonDeterministicOrchestrationError(task_id, _missing(what, event))
        if action.kind != wanted:
            raise NonDeterministicOrchestrationError(task_id, _wrong_kind(what, event, action.kind))
        if wanted != "CreateTimer" and (action.name or "").upper() != (event.get("Name") or "").upper():
            raise NonDeterministicOrchestrationError(task_id, _wrong_name(what, event, action.name or ""))
        del self.orchestrator_actions_map[task_id]

    def handle_completed(self, task_id: int, result: Any) -> None:
        tcs = self.open_tasks.pop(task_id, None)
        if tcs is not None:  # else LogDuplicateEvent
            tcs.set_result(result)

    def handle_failed(self, task_id: int, error: DotNetError) -> None:
        tcs = self.open_tasks.pop(task_id, None)
        if tcs is not None:
            tcs.set_exception(error)

    def complete_orchestration(self, result: Any, status: str) -> None:
        """CompleteOrchestration, lines 714-746."""
        task_id = self._next_id()
        if status == "Completed" and self.continue_as_new is not None:
            action = self.continue_as_new
        else:
            if self.execution_completed_or_terminated:
                return
            self.execution_completed_or_terminated = True
            action = Action("Complete", task_id, status=status, result=result)
        action.id = task_id
        self.orchestrator_actions_map[task_id] = action


_CHANGED = "Was a change made to the orchestrator code after this instance had already started running?"


def _missing(what: str, e: dict[str, Any]) -> str:
    if what == "activity":
        return (f"A previous execution of this orchestration scheduled an activity task with sequence ID "
                f"{e['EventId']} and name '{e.get('Name')}' (version ''), but the current replay execution "
                f"hasn't (yet?) scheduled this task. {_CHANGED}")
    if what == "timer":
        return (f"A previous execution of this orchestration scheduled a timer task with sequence number "
                f"{e['EventId']} but the current replay execution hasn't (yet?) scheduled this task. {_CHANGED}")
    return (f"A previous execution of this orchestration scheduled a sub-orchestration task with sequence ID "
            f"{e['EventId']} and name '{e.get('Name')}' (version '', instance ID '{e.get('InstanceId')}'), but the "
            f"current replay execution hasn't (yet?) scheduled this task. {_CHANGED}")


_CLR = {"ScheduleTask": "ScheduleTaskOrchestratorAction", "CreateTimer": "CreateTimerOrchestratorAction",
        "CreateSubOrchestration": "CreateSubOrchestrationAction", "Complete": "OrchestrationCompleteOrchestratorAction"}


def _wrong_kind(what: str, e: dict[str, Any], kind: str) -> str:
    produced = _CLR[kind]
    if what == "activity":
        return (f"A previous execution of this orchestration scheduled an activity task with sequence number "
                f"{e['EventId']} named '{e.get('Name')}', but the current orchestration replay instead produced a "
                f"{produced} action with this sequence number. {_CHANGED}")
    if what == "timer":
        return (f"A previous execution of this orchestration scheduled a timer task with sequence number "
                f"{e['EventId']} named but the current orchestration replay instead produced a {produced} action "
                f"with this sequence number. {_CHANGED}")
    return (f"A previous execution of this orchestration scheduled a sub-orchestration task with sequence ID "
            f"{e['EventId']} and name '{e.get('Name')}' (version '', instance ID '{e.get('InstanceId')}'), but the "
            f"current orchestration replay instead produced a {produced} action at this sequence number. {_CHANGED}")


def _wrong_name(what: str, e: dict[str, Any], name: str) -> str:
    if what == "activity":
        return (f"A previous execution of this orchestration scheduled an activity task with sequence number "
                f"{e['EventId']} named '{e.get('Name')}', but the current orchestration replay instead scheduled an "
                f"activity task named '{name}' with this sequence number.  {_CHANGED}")
    return (f"A previous execution of this orchestration scheduled a sub-orchestration task with sequence ID "
            f"{e['EventId']} and name '{e.get('Name')}' (version '', instance ID '{e.get('InstanceId')}'), but the "
            f"current orchestration replay instead scheduled a sub-orchestration task with name {name} at this "
            f"sequence number. {_CHANGED}")


class RetryInterceptor:
    """RetryInterceptor.cs lines 52-130."""

    def __init__(self, context: TaskOrchestrationContext, options: RetryOptions, retry_call: Any) -> None:
        self.context, self.options, self.retry_call = context, options, retry_call

    def invoke(self) -> AsyncMethod:
        last: BaseException | None = None
        first_attempt = self.context.current_utc_datetime
        retry_count = 0
        while retry_count < self.options.max_number_of_attempts:
            try:
                return (yield run_async(self.retry_call()))
            except DotNetError as exc:
                last = exc
            if retry_count + 1 == self.options.max_number_of_attempts:
                yield run_async(self.context.create_timer(self.context.current_utc_datetime))  # back-compat timer
                break
            delay = self._compute_next_delay(retry_count, first_attempt)
            if delay == timedelta(0):
                break
            yield run_async(self.context.create_timer(self.context.current_utc_datetime + delay))
            retry_count += 1
        if last is not None:
            raise last
        return None

    def _compute_next_delay(self, attempt: int, first_attempt: datetime) -> timedelta:
        options = self.options
        if options.retry_timeout != timedelta.max and self.context.current_utc_datetime >= first_attempt + \
                options.retry_timeout:
            return timedelta(0)
        millis = options.first_retry_interval.total_seconds() * 1000 * options.backoff_coefficient ** attempt
        cap = options.max_retry_interval.total_seconds() * 1000
        return timedelta(milliseconds=millis) if millis < cap else options.max_retry_interval


class TaskOrchestrationExecutor:
    """ExecuteCore (TaskOrchestrationExecutor.cs lines 138-282) over a history and an orchestration object."""

    def __init__(self, context: TaskOrchestrationContext, orchestration: Any) -> None:
        self.context, self.orchestration = context, orchestration
        self.result: Task | None = None

    def execute(self, events: list[dict[str, Any]]) -> list[Action]:
        ctx = self.context
        try:
            for event in events:
                if event["EventType"] == EV.OrchestratorStarted:
                    ctx.current_utc_datetime = parse_time(event["Timestamp"])
                    continue
                self._process_event(event)
            if not ctx.open_tasks and self.result is not None and self.result.is_completed:
                if self.result.state == "RanToCompletion":
                    ctx.complete_orchestration(self.result.result, "Completed")
                else:
                    ctx.complete_orchestration(str(self.result.exception), "Failed")
        except NonDeterministicOrchestrationError as exc:
            ctx.complete_orchestration(str(exc), "Failed")
        return [ctx.orchestrator_actions_map[k] for k in sorted(ctx.orchestrator_actions_map)]

    def _process_event(self, event: dict[str, Any]) -> None:
        ctx, kind = self.context, event["EventType"]
        if kind == EV.ExecutionStarted:
            self.result = self.orchestration.execute(ctx, event.get("Input"))
        elif kind == EV.TaskScheduled:
            ctx.handle_scheduled(event, "ScheduleTask", "activity")
        elif kind == EV.TimerCreated:
            ctx.handle_scheduled(event, "CreateTimer", "timer")
        elif kind == EV.SubOrchestrationInstanceCreated:
            ctx.handle_scheduled(event, "CreateSubOrchestration", "sub")
        elif kind in (EV.TaskCompleted, EV.SubOrchestrationInstanceCompleted):
            ctx.handle_completed(event["TaskScheduledId"], event.get("Result"))
        elif kind == EV.TimerFired:
            ctx.handle_completed(event["TimerId"], str(event["TimerId"]))
        elif kind == EV.TaskFailed:
            ctx.handle_failed(event["TaskScheduledId"], TaskFailedError(event.get("Reason") or ""))
        elif kind == EV.SubOrchestrationInstanceFailed:
            ctx.handle_failed(event["TaskScheduledId"], SubOrchestrationFailedError(event.get("Reason") or ""))
        elif kind == EV.EventRaised:
            # HandleEventRaisedEvent, lines 464-474, with Azure Storage's Carryover behaviour.
            if ctx.continue_as_new is None:
                self.orchestration.raise_event(ctx, event.get("Name"), event.get("Input"))
            else:
                ctx.continue_as_new.carryover.append(event)
