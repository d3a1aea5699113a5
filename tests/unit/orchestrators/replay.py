"""A small replay harness: runs an orchestrator through the real `azure-functions-durable` replay.

It plays the Durable Task engine's part: it keeps the history (ExecutionStarted, TaskScheduled/TaskCompleted,
TimerCreated/TimerFired, EventRaised, SubOrchestrationInstanceCreated/Completed, ContinueAsNew generations),
builds the context JSON the host would send, calls the function the blueprint registered, and reads back the
actions, custom status, output or failure. Tests feed results to pending tasks step by step, or `drive` the run
with fake activity handlers.

It schedules what the SDK returns the way the Durable extension does, not all at once:
- The out-of-process shim awaits the episode's actions one after another and schedules nothing past the first one
  that has not completed (Azure/azure-functions-durable-extension `Listener/OutOfProcOrchestrationShim.cs`,
  `ProcessAsyncActionsV2`); a `WhenAny` / `WhenAll` schedules all its children and completes when any / all of
  them have (`InvokeAPIFromAction`); a timer with `isCanceled` completes at once (its `CancellationTokenSource`
  is cancelled there) and is never fired by this harness.
- An external event goes to the newest waiter for its name that has not had one; with no waiter it is buffered
  and taken by the next wait (`ContextImplementations/DurableOrchestrationContext.cs`, `WaitForExternalEvent`:
  a stack of `EventTaskCompletionSource`, `RaiseEvent`: the top one; `bufferedExternalEvents`).
Task IDs follow the order of the actions, one counter for activities, timers and sub-orchestrations.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from azure.durable_functions.models.history.HistoryEventType import HistoryEventType as H

from orchestrators.blueprint import bp

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
ACTIVITY, SUB, TIMER, CONTINUE, EVENT = 0, 2, 5, 4, 6
WHEN_ANY, WHEN_ALL = 11, 12
COMPOUND = (WHEN_ANY, WHEN_ALL)
_ERROR_LABEL = "\n\n$OutOfProcData$:"


@cache
def orchestrator(name: str) -> Callable[[str], str]:
    """The handle the DFApp registers for orchestrator `name` (what the Functions host would call)."""
    functions = {f.get_function_name(): f.get_user_function() for f in (b.build() for b in bp._function_builders)}
    return functions[name]  # type: ignore[no-any-return]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class Pending:
    """A task the orchestrator scheduled: an activity, a timer or a sub-orchestration."""

    id: int
    kind: int
    name: str | None = None
    input: Any = None
    fire_at: datetime | None = None
    instance_id: str | None = None
    cancelled: bool = False
    done: bool = False


@dataclass
class Waiter:
    """One `WaitForExternalEvent` the extension has registered (the n-th such action of the cumulative list)."""

    name: str
    received: bool = False


@dataclass
class Replay:
    """One orchestration instance and its history, driven by the test."""

    name: str
    input: Any
    instance_id: str = "restore-1"
    parent_instance_id: str | None = None
    now: datetime = T0
    history: list[dict[str, Any]] = field(default_factory=list)
    tasks: dict[int, Pending] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    failure: str | None = None
    generations: int = 1
    history_sizes: list[int] = field(default_factory=list)
    statuses: list[Any] = field(default_factory=list)
    executions: int = 0
    waiters: list[Waiter] = field(default_factory=list)
    buffered: dict[str, int] = field(default_factory=dict)
    episodes: list[list[dict[str, Any]]] = field(default_factory=list)  # actions newly scheduled, per episode
    ended: bool = False

    # --- engine side -------------------------------------------------------------------------------------------
    def _event(self, kind: H, **fields: Any) -> dict[str, Any]:
        return {"EventType": int(kind), "EventId": -1, "IsPlayed": False, "Timestamp": iso(self.now), **fields}

    def start(self) -> Replay:
        self.history = [self._event(H.ORCHESTRATOR_STARTED),
                        self._event(H.EXECUTION_STARTED, Name=self.name, Version="",
                                                    Input=json.dumps(self.input))]
        self.tasks = {}
        self.waiters = []
        self.buffered = {}  # Python has no preserveUnprocessedEvents: continue-as-new drops them (DURABLE-NOTES §3)
        self._run()
        return self

    def _context(self) -> str:
        last_start = max(i for i, e in enumerate(self.history) if e["EventType"] == H.ORCHESTRATOR_STARTED)
        history = [{**e, "IsPlayed": i < last_start} for i, e in enumerate(self.history)]
        return json.dumps({"history": history, "input": json.dumps(self.input), "instanceId": self.instance_id,
                           "isReplaying": last_start > 0, "parentInstanceId": self.parent_instance_id,
                           "upperSchemaVersion": 2})

    def _run(self) -> None:
        self.executions += 1
        try:
            self.state, self.failure = json.loads(orchestrator(self.name)(self._context())), None
        except Exception as exc:  # the SDK raises "<message>\n\n$OutOfProcData$:<state>" when the orchestrator fails
            message, _, state = str(exc).partition(_ERROR_LABEL)
            assert state, f"orchestrator crashed outside the replay protocol: {exc}"
            self.state, self.failure = json.loads(state), message
        self.statuses.append(self.state.get("customStatus"))
        self.episodes.append([])
        # The shim sets the output or the failure only once it got through every action (ScheduleDurableTaskEvents).
        self.ended = self._schedule() and (bool(self.state.get("isDone")) or self.failure is not None)
        self.history.append(self._event(H.ORCHESTRATOR_COMPLETED))
        continued = [a for a in self._flat_actions() if a["actionType"] == CONTINUE]
        if self.ended and continued and self.failure is None:
            self.history_sizes.append(len(self.history))
            self.input = json.loads(continued[0]["input"])
            self.generations += 1
            self.start()
        elif self.is_done:
            self.history_sizes.append(len(self.history))

    def top_actions(self) -> list[dict[str, Any]]:
        """The cumulative actions the SDK returned last (compound actions unflattened)."""
        return list((self.state.get("actions") or [[]])[0])

    def _flat_actions(self) -> list[dict[str, Any]]:
        flat: list[dict[str, Any]] = []

        def walk(action: dict[str, Any]) -> None:
            if action["actionType"] in COMPOUND:
                for child in action["compoundActions"]:
                    walk(child)
            else:
                flat.append(action)

        for action in (self.state.get("actions") or [[]])[0]:
            walk(action)
        return flat

    def _schedule(self) -> bool:
        """Await the actions in order, as the extension's shim does; False at the first one not completed."""
        counters = {"task": 0, "wait": 0}
        return all(self._await(action, counters) for action in self.top_actions())

    def _await(self, action: dict[str, Any], counters: dict[str, int]) -> bool:
        """Schedule `action` (and its children) unless already scheduled; True when it has completed."""
        kind = action["actionType"]
        if kind in COMPOUND:
            done = [self._await(child, counters) for child in action["compoundActions"]]
            return any(done) if kind == WHEN_ANY else all(done)
        if kind == EVENT:
            index = counters["wait"]
            counters["wait"] += 1
            if index == len(self.waiters):
                self.waiters.append(self._register(action["externalEventName"]))
                self.episodes[-1].append(action)
            return self.waiters[index].received
        if kind not in (ACTIVITY, SUB, TIMER):
            return True  # continue-as-new: fire and forget
        task_id = counters["task"]
        counters["task"] += 1
        task = self.tasks.get(task_id)
        if task is None:
            task = Pending(id=task_id, kind=kind, name=action.get("functionName"),
                           input=json.loads(action["input"]) if action.get("input") else None,
                           fire_at=parse_time(action["fireAt"]) if kind == TIMER else None,
                           instance_id=action.get("instanceId"))
            self.tasks[task_id] = task
            self.history.append(self._scheduled_event(task))
            self.episodes[-1].append(action)
        task.cancelled = bool(action.get("isCanceled"))
        return task.done or task.cancelled

    def _register(self, name: str) -> Waiter:
        waiter = Waiter(name)
        if self.buffered.get(name):
            self.buffered[name] -= 1
            waiter.received = True
        return waiter

    def _scheduled_event(self, task: Pending) -> dict[str, Any]:
        if task.kind == TIMER:
            return self._event(H.TIMER_CREATED, EventId=task.id, FireAt=iso(task.fire_at or self.now))
        if task.kind == SUB:
            return self._event(H.SUB_ORCHESTRATION_INSTANCE_CREATED, EventId=task.id, Name=task.name,
                               InstanceId=task.instance_id)
        return self._event(H.TASK_SCHEDULED, EventId=task.id, Name=task.name)

    def _deliver(self, event: dict[str, Any]) -> Replay:
        assert not self.is_done, "the orchestration already ended"
        self.history += [self._event(H.ORCHESTRATOR_STARTED), event]
        self._run()
        return self

    # --- test side ---------------------------------------------------------------------------------------------
    @property
    def is_done(self) -> bool:
        """The instance ended: the SDK said done (or failed) and the extension got through every action."""
        return self.ended

    @property
    def output(self) -> Any:
        return self.state.get("output")

    @property
    def custom_status(self) -> Any:
        return self.state.get("customStatus")

    def pending(self, kind: int | None = None) -> list[Pending]:
        return [t for t in self.tasks.values() if not t.done and not t.cancelled and kind in (None, t.kind)]

    def activity(self, name: str | None = None) -> Pending:
        """The oldest pending activity call (named `name`, if given)."""
        found = [t for t in self.pending(ACTIVITY) if name in (None, t.name)]
        assert found, f"no pending activity {name or ''}; pending: {[(t.kind, t.name) for t in self.pending()]}"
        return found[0]

    def timer(self) -> Pending:
        found = self.pending(TIMER)
        assert len(found) == 1, f"expected one pending timer, got {found}"
        return found[0]

    def complete(self, task: Pending | str, result: Any) -> Replay:
        task = self.activity(task) if isinstance(task, str) else task
        task.done = True
        kind = H.SUB_ORCHESTRATION_INSTANCE_COMPLETED if task.kind == SUB else H.TASK_COMPLETED
        return self._deliver(self._event(kind, TaskScheduledId=task.id, Result=json.dumps(result)))

    def fail(self, task: Pending | str, reason: str, details: str = "") -> Replay:
        task = self.activity(task) if isinstance(task, str) else task
        task.done = True
        kind = H.SUB_ORCHESTRATION_INSTANCE_FAILED if task.kind == SUB else H.TASK_FAILED
        return self._deliver(self._event(kind, TaskScheduledId=task.id, Reason=reason, Details=details))

    def fire(self, timer: Pending | None = None) -> Replay:
        timer = timer or self.timer()
        timer.done = True
        self.now = max(self.now, timer.fire_at or self.now)
        return self._deliver(self._event(H.TIMER_FIRED, TimerId=timer.id, FireAt=iso(timer.fire_at or self.now)))

    def raise_event(self, name: str, data: Any = None) -> Replay:
        """Raise an external event: the newest waiter for `name` without one gets it, else it is buffered."""
        waiting = [w for w in self.waiters if w.name == name and not w.received]
        if waiting:
            waiting[-1].received = True
        else:
            self.buffered[name] = self.buffered.get(name, 0) + 1
        return self._deliver(self._event(H.EVENT_RAISED, Name=name, Input=json.dumps(data)))

    def new_actions(self, episode: int = -1) -> list[dict[str, Any]]:
        """The actions the extension scheduled in one episode (default: the last)."""
        return self.episodes[episode]

    def advance(self, seconds: float) -> Replay:
        self.now += timedelta(seconds=seconds)
        return self


Handler = Callable[[dict[str, Any]], dict[str, Any]]


def drive(replay: Replay, handlers: dict[str, Handler], max_steps: int = 5000,
          hook: Callable[[Replay], None] | None = None) -> Replay:
    """Run `replay` to its end: answer activities with `handlers`, run sub-orchestrations, fire timers in order.

    `hook(replay)` runs before every step (e.g. to raise an event at a chosen moment).
    """
    if not replay.history:
        replay.start()
    for _ in range(max_steps):
        if replay.is_done:
            return replay
        if hook is not None:
            hook(replay)
            if replay.is_done:
                return replay
        step(replay, handlers)
    raise AssertionError(f"{replay.name} did not finish in {max_steps} steps; pending {replay.pending()}")


def step(replay: Replay, handlers: dict[str, Handler]) -> None:
    """Resolve one pending task: an activity (by handler), a sub-orchestration (driven), else the next timer."""
    activities, subs, timers = replay.pending(ACTIVITY), replay.pending(SUB), replay.pending(TIMER)
    if activities:
        task = activities[0]
        assert task.name in handlers, f"no handler for activity {task.name}"
        replay.complete(task, handlers[task.name](task.input))
    elif subs:
        child = run_child(replay, subs[0], handlers)
        replay.now = max(replay.now, child.now)
        replay.complete(subs[0], child.output)
    elif timers:
        replay.fire(min(timers, key=lambda t: t.fire_at or replay.now))
    else:
        raise AssertionError(f"{replay.name} waits for nothing the harness can deliver (an event?)")


def run_child(parent: Replay, task: Pending, handlers: dict[str, Handler]) -> Replay:
    """Drive the sub-orchestration `task` of `parent` to its end."""
    assert task.name is not None and task.instance_id is not None
    child = Replay(task.name, task.input, instance_id=task.instance_id, parent_instance_id=parent.instance_id,
                   now=parent.now)
    return drive(child, handlers)
