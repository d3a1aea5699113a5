"""The DurableTask.Core side of one replay: sequence IDs, pending actions, open tasks, timers and retries.

A model of `TaskOrchestrationContext` and `RetryInterceptor` (Azure/durabletask `src/DurableTask.Core/`, commit
52170329). The extension's context and shim (`devhost/shim.py`) call into it while `devhost/replay.py` feeds it
the history, exactly as the .NET orchestrator thread does. Continuations run inline, in registration order: DTFx
runs orchestrator code on a `SynchronousTaskScheduler` (`TaskOrchestrationExecutor.cs` lines 93, 144).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

# The extension's RetryOptions default MaxRetryInterval (extension `RetryOptions.cs`, `DefaultMaxRetryinterval`).
DEFAULT_MAX_RETRY_INTERVAL = timedelta(days=6)


class Outcome(Enum):
    """How a .NET task ended."""

    OK = "ok"
    FAILED = "failed"
    CANCELED = "canceled"


@dataclass(eq=False)
class Node:
    """A .NET `Task` the orchestrator code awaits: pending, then settled once; continuations run inline."""

    outcome: Outcome | None = None
    _then: list[Callable[[Node], None]] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.outcome is not None

    def then(self, callback: Callable[[Node], None]) -> None:
        """Run `callback` when the task settles (at once if it already has, like `await` on a finished task)."""
        if self.outcome is not None:
            callback(self)
        else:
            self._then.append(callback)

    def settle(self, outcome: Outcome) -> None:
        if self.outcome is not None:
            return
        self.outcome = outcome
        callbacks, self._then = self._then, []
        for callback in callbacks:
            callback(self)


@dataclass(frozen=True)
class NewTask:
    """`ScheduleTaskOrchestratorAction`: becomes `TaskScheduled` plus an activity work item."""

    id: int
    name: str
    input: str | None


@dataclass(frozen=True)
class NewTimer:
    """`CreateTimerOrchestratorAction`: becomes `TimerCreated` plus a delayed `TimerFired` message."""

    id: int
    fire_at: datetime


@dataclass(frozen=True)
class NewChild:
    """`CreateSubOrchestrationAction`: becomes `SubOrchestrationInstanceCreated` plus the child's start message."""

    id: int
    name: str
    instance_id: str
    input: str | None


NewAction = NewTask | NewTimer | NewChild


@dataclass(frozen=True)
class RetryPolicy:
    """DTFx `RetryOptions` as the extension's `RetryOptionsConverter.cs` reads them from the SDK's JSON."""

    first_interval: timedelta
    max_attempts: int
    backoff: float = 1.0
    max_interval: timedelta = DEFAULT_MAX_RETRY_INTERVAL
    timeout: timedelta | None = None


class NonDeterminismError(Exception):
    """`NonDeterministicOrchestrationException`: history names an action this replay did not produce."""

    def __init__(self, details: str):
        super().__init__("Non-Deterministic workflow detected: " + details)  # its constructor's prefix


@dataclass
class ReplayState:
    """Everything one replay builds up, from an empty start (DTFx replays each episode from the whole history)."""

    instance_id: str
    execution_id: str
    parent_instance_id: str | None
    now: datetime
    next_id: int = 0
    pending: dict[int, NewAction] = field(default_factory=dict)
    open_tasks: dict[int, Node] = field(default_factory=dict)
    waiters: dict[str, list[Node]] = field(default_factory=dict)
    buffered: dict[str, deque[str | None]] = field(default_factory=dict)
    continue_as_new: bool = False
    continue_as_new_input: str | None = None
    carryover: list[dict[str, object]] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)

    def allocate(self) -> int:
        """`idCounter++`: one counter for tasks, timers, sub-orchestrations and the completion action."""
        task_id = self.next_id
        self.next_id += 1
        return task_id

    # -- TaskOrchestrationContext (lines 126-325) ------------------------------------------------------
    def schedule_task(self, name: str, input_json: str | None) -> Node:
        task_id = self.allocate()
        self.pending[task_id] = NewTask(task_id, name, input_json)
        return self._open(task_id)

    def create_child(self, name: str, instance_id: str | None, input_json: str | None) -> Node:
        task_id = self.allocate()
        # An empty instance ID becomes "{ExecutionId}:{id}" (TaskOrchestrationContext.cs lines 195-199).
        actual = instance_id if instance_id and instance_id.strip() else f"{self.execution_id}:{task_id}"
        self.pending[task_id] = NewChild(task_id, name, actual, input_json)
        return self._open(task_id)

    def create_timer(self, fire_at: datetime, cancel_at_once: bool = False) -> Node:
        task_id = self.allocate()
        self.pending[task_id] = NewTimer(task_id, fire_at)
        node = self._open(task_id)
        if cancel_at_once:
            # The cancellation callback drops the open task but keeps the action: TimerCreated is still written
            # and the timer still fires later, as a duplicate nobody awaits (lines 310-320, 575-588).
            del self.open_tasks[task_id]
            node.settle(Outcome.CANCELED)
        return node

    def _open(self, task_id: int) -> Node:
        node = Node()
        self.open_tasks[task_id] = node
        return node

    # -- history handlers (lines 327-588) ----------------------------------------------------------------
    def match_scheduled(self, event: dict[str, object]) -> None:
        """`Handle{TaskScheduled,TimerCreated,SubOrchestrationInstanceCreated}Event`: the replay produced it.

        Raises:
            NonDeterminismError: no action with that ID, another kind, or another name (ordinal, ignoring case).
        """
        kind = _KIND_OF[int(str(event["EventType"]))]
        event_id = int(str(event["EventId"]))
        action = self.pending.get(event_id)
        if action is None:
            raise NonDeterminismError(_missing(kind, event))
        if not isinstance(action, kind):
            raise NonDeterminismError(_other_kind(kind, event, _DTFX_NAME[type(action)]))
        if not isinstance(action, NewTimer) and action.name.upper() != str(event.get("Name")).upper():
            raise NonDeterminismError(_other_name(kind, event, action.name))
        del self.pending[event_id]

    def resolve(self, task_id: int, outcome: Outcome) -> None:
        """A completion event: settles the open task, or is logged as a duplicate and ignored."""
        node = self.open_tasks.pop(task_id, None)
        if node is not None:
            node.settle(outcome)


# TaskScheduled = 4, SubOrchestrationInstanceCreated = 7, TimerCreated = 10 (DurableTask.Core `EventType`).
_KIND_OF: dict[int, type[NewAction]] = {4: NewTask, 7: NewChild, 10: NewTimer}
_DTFX_NAME: dict[type[NewAction], str] = {NewTask: "ScheduleTaskOrchestratorAction",
                                          NewTimer: "CreateTimerOrchestratorAction",
                                          NewChild: "CreateSubOrchestrationAction"}
_CHANGED = "Was a change made to the orchestrator code after this instance had already started running?"


def _missing(kind: type[NewAction], e: dict[str, object]) -> str:
    """The texts of TaskOrchestrationContext.cs lines 333-336, 373-375 and 397-400."""
    ident, name = e["EventId"], e.get("Name")
    if kind is NewTask:
        return (f"A previous execution of this orchestration scheduled an activity task with sequence ID {ident} "
                f"and name '{name}' (version ''), but the current replay execution hasn't (yet?) scheduled this "
                f"task. {_CHANGED}")
    if kind is NewTimer:
        return (f"A previous execution of this orchestration scheduled a timer task with sequence number {ident} "
                f"but the current replay execution hasn't (yet?) scheduled this task. {_CHANGED}")
    return (f"A previous execution of this orchestration scheduled a sub-orchestration task with sequence ID {ident} "
            f"and name '{name}' (version '', instance ID '{e.get('InstanceId')}'), but the current replay execution "
            f"hasn't (yet?) scheduled this task. {_CHANGED}")


def _other_kind(kind: type[NewAction], e: dict[str, object], produced: str) -> str:
    """Lines 343-346, 382-385 and 407-410."""
    ident, name = e["EventId"], e.get("Name")
    if kind is NewTask:
        return (f"A previous execution of this orchestration scheduled an activity task with sequence number "
                f"{ident} named '{name}', but the current orchestration replay instead produced a {produced} "
                f"action with this sequence number. {_CHANGED}")
    if kind is NewTimer:
        return (f"A previous execution of this orchestration scheduled a timer task with sequence number {ident} "
                f"named but the current orchestration replay instead produced a {produced} action with this "
                f"sequence number. {_CHANGED}")
    return (f"A previous execution of this orchestration scheduled a sub-orchestration task with sequence ID {ident} "
            f"and name '{name}' (version '', instance ID '{e.get('InstanceId')}'), but the current orchestration "
            f"replay instead produced a {produced} action at this sequence number. {_CHANGED}")


def _other_name(kind: type[NewAction], e: dict[str, object], produced: str) -> str:
    """Lines 352-355 and 417-421."""
    ident, name = e["EventId"], e.get("Name")
    if kind is NewTask:
        return (f"A previous execution of this orchestration scheduled an activity task with sequence number "
                f"{ident} named '{name}', but the current orchestration replay instead scheduled an activity task "
                f"named '{produced}' with this sequence number.  {_CHANGED}")
    return (f"A previous execution of this orchestration scheduled a sub-orchestration task with sequence ID {ident} "
            f"and name '{name}' (version '', instance ID '{e.get('InstanceId')}'), but the current orchestration "
            f"replay instead scheduled a sub-orchestration task with name {produced} at this sequence number. "
            f"{_CHANGED}")


class Retry:
    """`RetryInterceptor.Invoke` (RetryInterceptor.cs lines 52-101) as a state machine over `attempt`."""

    def __init__(self, state: ReplayState, policy: RetryPolicy, attempt: Callable[[], Node]):
        self.state, self.policy, self.attempt = state, policy, attempt
        self.node = Node()
        self.first_attempt = state.now
        self.count = 0

    def start(self) -> Node:
        if self.policy.max_attempts <= 0:
            self.node.settle(Outcome.OK)  # the loop never runs and no exception was caught: default(T)
        else:
            self.attempt().then(self._after_attempt)
        return self.node

    def _after_attempt(self, child: Node) -> None:
        if child.outcome is Outcome.OK:
            self.node.settle(Outcome.OK)
            return
        if self.count + 1 == self.policy.max_attempts:
            # The back-compat "dummy" timer after the last attempt fires at once (lines 73-82).
            self.state.create_timer(self.state.now).then(lambda _: self.node.settle(Outcome.FAILED))
            return
        delay = self._next_delay()
        if delay <= timedelta(0):
            self.node.settle(Outcome.FAILED)
            return
        self.state.create_timer(self.state.now + delay).then(self._after_wait)

    def _after_wait(self, _: Node) -> None:
        self.count += 1
        if self.count < self.policy.max_attempts:
            self.attempt().then(self._after_attempt)
        else:
            self.node.settle(Outcome.FAILED)

    def _next_delay(self) -> timedelta:
        """`ComputeNextDelay` (lines 103-130): backoff from the first interval, capped, within the timeout."""
        policy = self.policy
        if policy.timeout is not None and self.state.now >= self.first_attempt + policy.timeout:
            return timedelta(0)
        millis = policy.first_interval / timedelta(milliseconds=1) * policy.backoff ** self.count
        cap = policy.max_interval / timedelta(milliseconds=1)
        return timedelta(milliseconds=millis) if millis < cap else policy.max_interval
