"""Replay one execution's history against the SDK's decision, as the extension and DTFx do, and say what's new.

The extension first calls the Python worker with the whole history (`DurableTaskExtension.cs`
`OrchestrationMiddleware`, lines 726-838; the call blocks, `TaskOrchestrationShim.cs` lines 145-150), then lets
DTFx replay that history event by event (`TaskOrchestrationExecutor.ExecuteCore`, lines 138-222): at
`ExecutionStarted` the shim starts awaiting the returned actions one by one, and each later event settles what it
names. The actions nobody had scheduled before are this episode's decisions, in sequence-ID order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from devhost.dtfx import NewAction, NonDeterminismError, Outcome, ReplayState
from devhost.episode import Decision
from devhost.history import EventType, parse_iso
from devhost.rows import RuntimeStatus
from devhost.shim import ApiError, ExtensionContext, Functions, Shim

_SETTLES = {EventType.TASK_COMPLETED: ("TaskScheduledId", Outcome.OK),
            EventType.TASK_FAILED: ("TaskScheduledId", Outcome.FAILED),
            EventType.SUB_ORCHESTRATION_INSTANCE_COMPLETED: ("TaskScheduledId", Outcome.OK),
            EventType.SUB_ORCHESTRATION_INSTANCE_FAILED: ("TaskScheduledId", Outcome.FAILED),
            EventType.TIMER_FIRED: ("TimerId", Outcome.OK)}
_SCHEDULES = {EventType.TASK_SCHEDULED, EventType.TIMER_CREATED, EventType.SUB_ORCHESTRATION_INSTANCE_CREATED}


@dataclass(frozen=True)
class Completion:
    """`OrchestrationCompleteOrchestratorAction`: how the execution ends, with its sequence ID.

    `result` is the output JSON (Completed), the failure reason (Failed) or the new input (ContinuedAsNew).
    """

    id: int
    status: RuntimeStatus
    result: str | None
    carryover: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class ReplayInput:
    """One execution and the decision the SDK made over its history."""

    instance_id: str
    execution_id: str
    parent_instance_id: str | None
    name: str
    history: list[dict[str, Any]]
    decision: Decision
    functions: Functions
    known: dict[bool, list[str]]


@dataclass(frozen=True)
class EpisodeResult:
    actions: list[NewAction]
    completion: Completion | None
    refusals: list[str] = field(default_factory=list)


class Execution:
    """`TaskOrchestrationShim.Execute` for an out-of-process orchestrator: settles only when the run ends."""

    def __init__(self, inp: ReplayInput, state: ReplayState):
        self.inp, self.state = inp, state
        self.ended = False
        self.failure: str | None = None

    def start(self) -> None:
        """`InvokeUserCodeAndHandleResults` + `ScheduleDurableTaskEvents` (OutOfProcOrchestrationShim.cs 75-101)."""
        decision, prefix = self.inp.decision, f"Orchestrator function '{self.inp.name}' failed: "
        if not decision.has_state:  # no state to replay: fails at once (TaskOrchestrationShim.cs lines 192-206)
            self._end(prefix + (decision.error or ""))
            return
        groups = decision.action_groups
        if len(groups) != 1:  # ReplayOOProcOrchestration, lines 232-240
            self._end(prefix + "With OOProc schema V3, expected actions array to be of length 1 in outer layer "
                      f"but got size: {len(groups)}")
            return
        ctx = ExtensionContext(self.state, self.inp.functions, self.inp.known)
        Shim(ctx).run(groups[0], self._after_actions)

    def _after_actions(self, error: ApiError | None) -> None:
        decision, prefix = self.inp.decision, f"Orchestrator function '{self.inp.name}' failed: "
        if error is not None:
            # After a Python error the replay runs inside a catch that lets other exceptions out unwrapped.
            self._end(str(error) if decision.error else prefix + str(error))
        elif decision.error:
            self._end(prefix + decision.error)
        elif decision.is_done:
            self._end(None)
        # Otherwise `Task.Delay(Timeout.Infinite)`: the run never ends in this replay (lines 63-73).

    def _end(self, failure: str | None) -> None:
        self.ended, self.failure = True, failure


def replay(inp: ReplayInput) -> EpisodeResult:
    """Replay the history; return the new actions and, when the execution ends, how."""
    state = ReplayState(instance_id=inp.instance_id, execution_id=inp.execution_id,
                        parent_instance_id=inp.parent_instance_id, now=datetime.min)
    execution = Execution(inp, state)
    ctx = ExtensionContext(state, inp.functions, inp.known)
    try:
        for event in inp.history:
            _process(event, state, execution, ctx)
    except NonDeterminismError as exc:  # ExecuteCore lines 206-209: fail at once, whatever is still open
        return _result(state, Completion(state.allocate(), RuntimeStatus.FAILED, str(exc)))
    completion = None
    # Only when no task is open does a finished run complete the orchestration (lines 179-204).
    if execution.ended and not state.open_tasks:
        completion = _completion(state, execution, inp.decision)
    return _result(state, completion)


def _process(event: dict[str, Any], state: ReplayState, execution: Execution, ctx: ExtensionContext) -> None:
    kind = EventType(event["EventType"])
    if kind == EventType.ORCHESTRATOR_STARTED:
        state.now = parse_iso(event["Timestamp"])  # CurrentUtcDateTime (line 157)
    elif kind == EventType.EXECUTION_STARTED:
        execution.start()
    elif kind in _SCHEDULES:
        state.match_scheduled(event)
    elif kind in _SETTLES:
        key, outcome = _SETTLES[kind]
        state.resolve(int(event[key]), outcome)
    elif kind == EventType.EVENT_RAISED:
        # Events processed after continue-as-new go to the next execution (HandleEventRaisedEvent, lines 464-474;
        # Azure Storage's default is Carryover, AzureStorageOrchestrationServiceSettings.cs line 202).
        if state.continue_as_new:
            state.carryover.append(event)
        else:
            ctx.raise_event(str(event.get("Name")), event.get("Input"))


def _completion(state: ReplayState, execution: Execution, decision: Decision) -> Completion:
    completion_id = state.allocate()  # CompleteOrchestration takes the next sequence ID (lines 714-746)
    if execution.failure is not None:
        return Completion(completion_id, RuntimeStatus.FAILED, execution.failure)
    if state.continue_as_new:
        return Completion(completion_id, RuntimeStatus.CONTINUED_AS_NEW, state.continue_as_new_input,
                          list(state.carryover))
    return Completion(completion_id, RuntimeStatus.COMPLETED, json.dumps(decision.output))


def _result(state: ReplayState, completion: Completion | None) -> EpisodeResult:
    # orchestratorActionsMap is a SortedDictionary: decisions come out in sequence-ID order (line 61).
    return EpisodeResult(actions=[state.pending[k] for k in sorted(state.pending)], completion=completion,
                         refusals=list(state.refusals))
