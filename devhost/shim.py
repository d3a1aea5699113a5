"""The extension side of one replay: the out-of-process shim and the parts of its orchestration context it uses.

Models Azure/azure-functions-durable-extension (commit a7c6d694) `src/WebJobs.Extensions.DurableTask/`:
`Listener/OutOfProcOrchestrationShim.cs` (each action the Python SDK returned is invoked and awaited in order),
`Listener/TaskOrchestrationShim.cs` (how the run ends) and `ContextImplementations/DurableOrchestrationContext.cs`
(external events, timers, the checks made before scheduling). The DTFx side is `devhost/dtfx.py`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any

from devhost.dtfx import DEFAULT_MAX_RETRY_INTERVAL, Node, Outcome, ReplayState, Retry, RetryPolicy
from devhost.history import parse_iso

# Azure Storage limits (extension `AzureStorageDurabilityProvider.cs` lines 68-70, 178-186).
MAXIMUM_DELAY = timedelta(days=6)
LONG_TIMER_INTERVAL = timedelta(days=3)


class ActionType(IntEnum):
    """`AsyncActionType` (OutOfProcOrchestrationShim.cs lines 44-59)."""

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
    SCHEDULED_SIGNAL_ENTITY = 10
    WHEN_ANY = 11
    WHEN_ALL = 12


UNSUPPORTED = {ActionType.CALL_ENTITY, ActionType.CALL_HTTP, ActionType.SIGNAL_ENTITY,
               ActionType.SCHEDULED_SIGNAL_ENTITY}


class ApiError(Exception):
    """An exception `InvokeAPIFromAction` lets through (an `ArgumentException` of the extension, mostly)."""


@dataclass(frozen=True)
class Functions:
    """The function names the extension knows, compared ignoring case like WebJobs `FunctionName`."""

    activities: frozenset[str]
    orchestrators: frozenset[str]

    @classmethod
    def of(cls, activities: list[str], orchestrators: list[str]) -> Functions:
        return cls(frozenset(a.upper() for a in activities), frozenset(o.upper() for o in orchestrators))

    def check(self, name: str, orchestrator: bool, known: list[str]) -> None:
        """`ThrowIfFunctionDoesNotExist` (DurableTaskExtension.cs lines 1325-1381).

        Raises:
            ApiError: the function is not registered.
        """
        names = self.orchestrators if orchestrator else self.activities
        if name.upper() in names:
            return
        kind = "orchestrator" if orchestrator else "activity"
        message = f"The function '{name}' doesn't exist, is disabled, or is not an {kind} function. Additional info: "
        listed = "', '".join(known)
        message += (f"The following are the known {kind} functions: '{listed}'." if known
                    else f"No {kind} functions are currently registered!")
        raise ApiError(message)


class ExtensionContext:
    """The `DurableOrchestrationContext` methods the shim calls."""

    def __init__(self, state: ReplayState, functions: Functions, known: dict[bool, list[str]]):
        self.state, self.functions, self.known = state, functions, known

    # -- external events (lines 849-972) ---------------------------------------------------------------
    def wait_for_event(self, name: str) -> Node:
        """A new waiter goes on top of the name's stack; a buffered event is handed to it at once."""
        key = name.upper()  # both dictionaries use StringComparer.OrdinalIgnoreCase (lines 32-36)
        node = Node()
        self.state.waiters.setdefault(key, []).append(node)
        queue = self.state.buffered.get(key)
        if queue:
            raw = queue.popleft()
            if not queue:
                del self.state.buffered[key]
            self.raise_event(name, raw)
        return node

    def raise_event(self, name: str, input_json: str | None) -> None:
        """The newest waiter for the name gets the event; with no waiter it is buffered (in memory only)."""
        key = name.upper()
        stack = self.state.waiters.get(key)
        if stack:
            node = stack.pop()
            if not stack:
                del self.state.waiters[key]
            node.settle(Outcome.OK)
        else:
            self.state.buffered.setdefault(key, deque()).append(input_json)

    # -- timers (lines 339-410) ------------------------------------------------------------------------
    def create_timer(self, fire_at: datetime, canceled: bool) -> Node:
        """A durable timer; past the provider's maximum delay the extension loops over 3-day intervals."""
        state = self.state
        if fire_at - state.now <= MAXIMUM_DELAY:
            return state.create_timer(fire_at, cancel_at_once=canceled)
        result = Node()

        def next_interval(_: Node | None = None) -> None:
            remaining = fire_at - state.now
            if remaining <= timedelta(0):
                result.settle(Outcome.OK)
                return
            step = remaining if remaining < LONG_TIMER_INTERVAL else LONG_TIMER_INTERVAL
            timer = state.create_timer(state.now + step, cancel_at_once=canceled)
            # A canceled interval ends the wrapper with TaskCanceledException (the shim ignores which).
            timer.then(lambda t: result.settle(Outcome.CANCELED) if t.outcome is Outcome.CANCELED else next_interval())

        next_interval()
        return result

    # -- activities and sub-orchestrations (CallDurableTaskFunctionAsync, lines 536-650) -----------------------
    def call(self, name: str, orchestrator: bool, instance_id: str | None, input_json: str | None,
             retry: RetryPolicy | None) -> Node:
        """Schedule an activity or sub-orchestration, or return a faulted task when a check refuses it.

        The checks run inside the `async` method, so their exception faults the returned task instead of being
        thrown, and the shim swallows it: nothing is scheduled and the SDK waits for a result that never comes
        (azure-functions-durable-python issue #132, still open).
        """
        try:
            if retry is not None:
                for interval in (retry.max_interval, retry.first_interval):
                    if interval > MAXIMUM_DELAY:
                        raise ApiError(f"The Azure Storage provider supports a maximum of {MAXIMUM_DELAY.days} "
                                       "days for time-based delays")
            self.functions.check(name, orchestrator, self.known[orchestrator])
            if orchestrator:
                _check_child_id(instance_id, self.state)
        except ApiError as exc:
            self.state.refusals.append(str(exc))
            return Node(outcome=Outcome.FAILED)
        state = self.state
        if orchestrator:
            def attempt() -> Node:
                return state.create_child(name, instance_id, input_json)
        else:
            def attempt() -> Node:
                return state.schedule_task(name, input_json)
        if retry is None:
            return attempt()
        return Retry(state, retry, attempt).start()


def _check_child_id(instance_id: str | None, state: ReplayState) -> None:
    """The best-effort checks of lines 594-607 (the same ID as this orchestration or its parent; '@' prefix)."""
    if instance_id is not None:
        same = instance_id.upper() == state.instance_id.upper() or (
            state.parent_instance_id is not None and instance_id.upper() == state.parent_instance_id.upper())
        if same:
            raise ApiError("The instance ID of a sub-orchestration must be different than the instance ID of a "
                           "parent orchestration.")
        if instance_id.startswith("@"):
            # new ArgumentException(nameof(instanceId), "...") passes the text as the parameter name.
            raise ApiError("instanceId (Parameter 'Orchestration instance ids must not start with @')")


class Shim:
    """`OutOfProcOrchestrationShim`: `InvokeAPIFromAction` and `ProcessAsyncActionsV2`."""

    def __init__(self, ctx: ExtensionContext):
        self.ctx = ctx

    def run(self, actions: list[dict[str, Any]], on_end: Callable[[ApiError | None], None]) -> None:
        """Invoke and await each action in turn (lines 199-219); a later one waits for the earlier to settle."""
        def resume_after(index: int) -> Callable[[Node], None]:
            return lambda _: step(index + 1)

        def step(index: int) -> None:
            while index < len(actions):
                try:
                    node = self.invoke(actions[index])
                except ApiError as exc:  # surfaced, not swallowed like the awaited task's own exception
                    on_end(exc)
                    return
                if not node.done:
                    node.then(resume_after(index))
                    return
                index += 1
            on_end(None)

        step(0)

    def invoke(self, action: dict[str, Any]) -> Node:
        """One action to one .NET task (lines 109-191); compound actions invoke their children in order."""
        atype = ActionType(action["actionType"])
        ctx = self.ctx
        if atype in UNSUPPORTED:
            raise ApiError(f"The local host does not support the {atype.name} action (entities and durable HTTP "
                           "are not implemented, see docs/devhost.md).")
        if atype in (ActionType.CALL_ACTIVITY, ActionType.CALL_ACTIVITY_WITH_RETRY):
            return ctx.call(action["functionName"], False, None, action.get("input"), _retry(action))
        if atype in (ActionType.CALL_SUB_ORCHESTRATOR, ActionType.CALL_SUB_ORCHESTRATOR_WITH_RETRY):
            return ctx.call(action["functionName"], True, action.get("instanceId"), action.get("input"),
                            _retry(action))
        if atype == ActionType.CREATE_TIMER:
            return ctx.create_timer(parse_iso(action["fireAt"]), bool(action.get("isCanceled")))
        if atype == ActionType.WAIT_FOR_EXTERNAL_EVENT:
            return ctx.wait_for_event(action["externalEventName"])
        if atype == ActionType.CONTINUE_AS_NEW:
            ctx.state.continue_as_new, ctx.state.continue_as_new_input = True, action.get("input")
            return Node(outcome=Outcome.OK)
        children = [self.invoke(child) for child in action.get("compoundActions") or []]
        return when_all(children) if atype == ActionType.WHEN_ALL else when_any(children)


def _retry(action: dict[str, Any]) -> RetryPolicy | None:
    """`RetryOptionsConverter.ReadJson`: the two required fields, three optional ones."""
    if ActionType(action["actionType"]) not in (ActionType.CALL_ACTIVITY_WITH_RETRY,
                                                ActionType.CALL_SUB_ORCHESTRATOR_WITH_RETRY):
        return None
    raw = action.get("retryOptions") or {}
    timeout = raw.get("retryTimeoutInMilliseconds")
    max_interval = raw.get("maxRetryIntervalInMilliseconds")
    return RetryPolicy(
        first_interval=timedelta(milliseconds=int(raw["firstRetryIntervalInMilliseconds"])),
        max_attempts=int(raw["maxNumberOfAttempts"]), backoff=float(raw.get("backoffCoefficient", 1.0)),
        max_interval=DEFAULT_MAX_RETRY_INTERVAL if max_interval is None else timedelta(milliseconds=int(max_interval)),
        timeout=None if timeout is None else timedelta(milliseconds=int(timeout)))


def when_all(children: list[Node]) -> Node:
    """`Task.WhenAll`: settles once every child has (at once for none)."""
    node = Node()
    left = [c for c in children if not c.done]
    if not left:
        node.settle(_combined(children))
        return node
    remaining = {id(c) for c in left}

    def child_done(child: Node) -> None:
        remaining.discard(id(child))
        if not remaining:
            node.settle(_combined(children))

    for child in left:
        child.then(child_done)
    return node


def when_any(children: list[Node]) -> Node:
    """`Task.WhenAny`: settles with the first child to settle, whatever its outcome.

    Raises:
        ApiError: no children (`Task.WhenAny` throws ArgumentException for an empty list).
    """
    if not children:
        raise ApiError("The tasks argument contains no tasks. (Parameter 'tasks')")
    node = Node()
    for child in children:
        child.then(lambda _: node.settle(Outcome.OK))
    return node


def _combined(children: list[Node]) -> Outcome:
    outcomes = {c.outcome for c in children}
    if Outcome.FAILED in outcomes:
        return Outcome.FAILED
    return Outcome.CANCELED if Outcome.CANCELED in outcomes else Outcome.OK
