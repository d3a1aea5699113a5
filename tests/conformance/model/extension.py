"""The Durable Functions extension as the model needs it: the orchestration context, the out-of-process shim.

Transcribed from Azure/azure-functions-durable-extension `src/WebJobs.Extensions.DurableTask/` (commit a7c6d694):
`ContextImplementations/DurableOrchestrationContext.cs`, `Listener/OutOfProcOrchestrationShim.cs` and
`Listener/TaskOrchestrationShim.cs`. C# `async` methods are generators; a check that throws inside one faults
the task it returns instead of reaching the caller, exactly as the C# compiler builds async methods.
"""

from __future__ import annotations

import contextlib
import json
from collections import deque
from datetime import timedelta
from typing import Any

from tests.conformance.model.dotnet import (
    ArgumentError,
    AsyncMethod,
    CancellationTokenSource,
    DotNetError,
    Task,
    TaskCompletionSource,
    run_async,
    when_all,
    when_any,
)
from tests.conformance.model.dtfx import RetryInterceptor, RetryOptions, TaskOrchestrationContext
from tests.conformance.model.history import parse_time

MAXIMUM_DELAY = timedelta(days=6)  # AzureStorageDurabilityProvider.cs line 68
LONG_RUNNING_INTERVAL = timedelta(days=3)  # line 70
DEFAULT_MAX_RETRY_INTERVAL = timedelta(days=6)  # extension RetryOptions.cs


class OrchestrationFailureError(DotNetError):
    type_name = "DurableTask.Core.Exceptions.OrchestrationFailureException"


class DurableOrchestrationContext:
    """The per-work-item context the shim talks to."""

    def __init__(self, inner: TaskOrchestrationContext, name: str, parent_instance_id: str | None,
                 activities: set[str], orchestrators: set[str]) -> None:
        self.inner, self.name, self.parent_instance_id = inner, name, parent_instance_id
        self.activities, self.orchestrators = activities, orchestrators
        # Stacks of waiters and queues of early events, both keyed ignoring case (lines 32-36).
        self.pending_external_events: dict[str, list[TaskCompletionSource]] = {}
        self.buffered_external_events: dict[str, deque[Any]] = {}
        self.custom_status: Any = None
        self.output: Any = None

    # -- external events (lines 849-972) -------------------------------------------------------------------
    def wait_for_external_event(self, name: str) -> Task:
        key = name.upper()
        tcs = TaskCompletionSource()
        self.pending_external_events.setdefault(key, []).append(tcs)  # the new one goes on top of the stack
        queue = self.buffered_external_events.get(key)
        if queue is not None:
            raw = queue.popleft()
            if not queue:
                del self.buffered_external_events[key]
            self.raise_event(name, raw)
        return tcs.task

    def raise_event(self, name: str, raw_input: Any) -> None:
        key = name.upper()
        stack = self.pending_external_events.get(key)
        if stack:
            tcs = stack.pop()
            if not stack:
                del self.pending_external_events[key]
            tcs.set_result(raw_input)
        else:
            self.buffered_external_events.setdefault(key, deque()).append(raw_input)

    # -- timers (lines 339-410) ----------------------------------------------------------------------------
    def create_timer(self, fire_at: Any, cancel: CancellationTokenSource) -> AsyncMethod:
        inner = self.inner
        interval_fire_at = fire_at
        long_running = fire_at - inner.current_utc_datetime > MAXIMUM_DELAY
        if long_running:
            interval_fire_at = inner.current_utc_datetime + LONG_RUNNING_INTERVAL
        if not long_running:
            yield run_async(inner.create_timer(fire_at, cancel))
            return None
        while inner.current_utc_datetime < fire_at and not cancel.is_cancellation_requested:
            yield run_async(inner.create_timer(interval_fire_at, cancel))
            remaining = fire_at - inner.current_utc_datetime
            if remaining <= timedelta(0):
                break
            step = remaining if remaining < LONG_RUNNING_INTERVAL else LONG_RUNNING_INTERVAL
            interval_fire_at = inner.current_utc_datetime + step
        return None

    # -- CallDurableTaskFunctionAsync (lines 536-650) -------------------------------------------------------
    def call_durable_task_function(self, name: str, orchestrator: bool, instance_id: str | None,
                                   retry: RetryOptions | None, input_: Any) -> AsyncMethod:
        if retry is not None:
            for interval in (retry.max_retry_interval, retry.first_retry_interval):
                if interval > MAXIMUM_DELAY:
                    raise ArgumentError("The Azure Storage provider supports a maximum of 6 days for time-based "
                                        "delays")
        self._throw_if_function_does_not_exist(name, orchestrator)
        inner = self.inner
        if orchestrator:
            same = instance_id is not None and (instance_id.upper() == inner.instance_id.upper() or (
                self.parent_instance_id is not None and instance_id.upper() == self.parent_instance_id.upper()))
            if same:
                raise ArgumentError("The instance ID of a sub-orchestration must be different than the instance ID "
                                    "of a parent orchestration.")
            if instance_id is not None and instance_id.startswith("@"):
                raise ArgumentError("instanceId (Parameter 'Orchestration instance ids must not start with @')")

            def call() -> AsyncMethod:
                return inner.create_sub_orchestration_instance(name, instance_id, input_)
        else:
            def call() -> AsyncMethod:
                return inner.schedule_task(name, input_)
        call_task = run_async(call() if retry is None else RetryInterceptor(inner, retry, call).invoke())
        return (yield call_task)

    def _throw_if_function_does_not_exist(self, name: str, orchestrator: bool) -> None:
        """DurableTaskExtension.cs lines 1325-1346 (WebJobs function names ignore case)."""
        known = self.orchestrators if orchestrator else self.activities
        if name.upper() not in {k.upper() for k in known}:
            kind = "orchestrator" if orchestrator else "activity"
            raise ArgumentError(f"The function '{name}' doesn't exist, is disabled, or is not an {kind} function.")


class OutOfProcOrchestrationShim:
    """OutOfProcOrchestrationShim.cs."""

    def __init__(self, context: DurableOrchestrationContext) -> None:
        self.context = context

    def schedule_durable_task_events(self, state: dict[str, Any], error_text: str | None) -> AsyncMethod:
        """Lines 75-101: custom status first, then the actions, then the error or the output."""
        if state.get("customStatus") is not None:
            self.context.custom_status = state["customStatus"]
        actions = state.get("actions") or []
        if len(actions) != 1:  # ReplayOOProcOrchestration, lines 232-240
            raise ArgumentError(f"With OOProc schema V3, expected actions array to be of length 1 in outer layer "
                                f"but got size: {len(actions)}")
        yield run_async(self.process_async_actions_v2(actions[0]))
        if state.get("error"):
            raise OrchestrationFailureError(f"Orchestrator function '{self.context.name}' failed: {state['error']}")
        if state.get("isDone"):
            self.context.output = state.get("output")
            return False
        return True

    def process_async_actions_v2(self, actions: list[dict[str, Any]]) -> AsyncMethod:
        """Lines 199-219: each action invoked, then awaited, before the next one is even invoked."""
        for action in actions:
            durable_task = self.invoke_api_from_action(action)
            with contextlib.suppress(DotNetError):  # "Silently ignore exceptions thrown by user code"
                yield durable_task
        return None

    def invoke_api_from_action(self, action: dict[str, Any]) -> Task:
        """Lines 109-191."""
        ctx, kind = self.context, action["actionType"]
        if kind in (0, 1):  # CallActivity, CallActivityWithRetry
            return run_async(ctx.call_durable_task_function(action["functionName"], False, None,
                                                            _retry_options(action), action.get("input")))
        if kind in (2, 3):  # CallSubOrchestrator, CallSubOrchestratorWithRetry
            return run_async(ctx.call_durable_task_function(action["functionName"], True, action.get("instanceId"),
                                                            _retry_options(action), action.get("input")))
        if kind == 5:  # CreateTimer
            cancel = CancellationTokenSource()
            task = run_async(ctx.create_timer(parse_time(action["fireAt"]), cancel))
            if action.get("isCanceled"):
                cancel.cancel()
            return task
        if kind == 4:  # ContinueAsNew: ContinueAsNew(input, preserveUnprocessedEvents: false), line 1044
            ctx.inner.continue_as_new_core(action.get("input"))
            return Task.completed()
        if kind == 6:  # WaitForExternalEvent
            return ctx.wait_for_external_event(action["externalEventName"])
        if kind == 12:  # WhenAll
            return when_all(self.invoke_api_from_action(a) for a in action["compoundActions"])
        if kind == 11:  # WhenAny
            return when_any(self.invoke_api_from_action(a) for a in action["compoundActions"])
        raise ArgumentError(f"the model does not cover action type {kind}")


def _retry_options(action: dict[str, Any]) -> RetryOptions | None:
    """RetryOptionsConverter.cs; the extension's RetryOptions constructor sets MaxRetryInterval to 6 days."""
    if action["actionType"] not in (1, 3):
        return None
    raw = action["retryOptions"]
    options = RetryOptions(timedelta(milliseconds=raw["firstRetryIntervalInMilliseconds"]),
                           raw["maxNumberOfAttempts"], max_retry_interval=DEFAULT_MAX_RETRY_INTERVAL)
    if "backoffCoefficient" in raw:
        options.backoff_coefficient = float(raw["backoffCoefficient"])
    if "maxRetryIntervalInMilliseconds" in raw:
        options.max_retry_interval = timedelta(milliseconds=raw["maxRetryIntervalInMilliseconds"])
    if "retryTimeoutInMilliseconds" in raw:
        options.retry_timeout = timedelta(milliseconds=raw["retryTimeoutInMilliseconds"])
    return options


class TaskOrchestrationShim:
    """TaskOrchestrationShim.cs: `Execute` runs the worker's result through the shim; `RaiseEvent` forwards."""

    def __init__(self, context: DurableOrchestrationContext, worker_result: tuple[dict[str, Any] | None, str | None]):
        self.context = context
        self.state, self.error_text = worker_result  # computed before the replay (DurableTaskExtension.cs 769-790)

    def execute(self, inner: TaskOrchestrationContext, input_: Any) -> Task:
        return run_async(self._execute())

    def _execute(self) -> AsyncMethod:
        """InvokeUserCodeAndHandleResults (lines 139-213) and HandleDurableTaskReplay (lines 63-73)."""
        prefix = f"Orchestrator function '{self.context.name}' failed: "
        shim = OutOfProcOrchestrationShim(self.context)
        if self.error_text is None:
            try:
                more = yield run_async(shim.schedule_durable_task_events(self.state or {}, None))
            except DotNetError as exc:
                raise OrchestrationFailureError(prefix + str(exc)) from None
        elif self.state is None:
            raise OrchestrationFailureError(prefix + self.error_text)
        else:
            # Inside the catch: only OrchestrationFailureException is caught and rethrown as it is; any other
            # exception of the replay leaves unwrapped.
            more = yield run_async(shim.schedule_durable_task_events(self.state, self.error_text))
        if more:
            yield Task()  # Task.Delay(Timeout.Infinite)
        return json.dumps(self.context.output)

    def raise_event(self, inner: TaskOrchestrationContext, name: str, input_: Any) -> None:
        self.context.raise_event(name, input_)
