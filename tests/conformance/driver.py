"""Drive the host and the model with the same messages, in the same order, and fail on the first difference.

One step at a time: process the oldest queued message (one episode on each side), else let the scenario act
(raise an event), else complete the oldest activity work item with the scenario's fake result, else advance the
clock to the next durable timer and fire it. After every step both sides must show the same queue, work items,
timers and, for the instance that ran, the same new history events and status.
"""

from __future__ import annotations

import difflib
import json
import pprint
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.conformance.sides import FakeClock, HostSide, ModelSide, PendingTimer, Work

START = datetime(2030, 1, 1, tzinfo=UTC)
MAX_STEPS = 3000


class Mismatch(AssertionError):
    """The host and the model disagree; the message is a readable diff."""


@dataclass
class View:
    """What a scenario sees when it may act: the run so far, as both sides agree on it."""

    step: int
    pending: list[Work]
    completed: list[str]
    timers: list[PendingTimer]
    statuses: dict[str, tuple[int, dict[str, Any]]]
    now: datetime


@dataclass
class RaiseEvent:
    instance_id: str
    name: str
    data: Any = field(default_factory=dict)
    content_type: str = "application/json"


@dataclass
class Start:
    name: str
    instance_id: str
    data: Any = None


@dataclass
class Release:
    """Let held activities of this name complete (a scenario holds some to keep them in flight)."""

    name: str


Stimulus = RaiseEvent | Start | Release
Fake = Callable[[str, Any], tuple[Any, str | None]]


@dataclass
class Run:
    """What one scenario run recorded: every episode and every API answer, with the final statuses."""

    episodes: list[dict[str, Any]] = field(default_factory=list)
    answers: list[tuple[str, int]] = field(default_factory=list)
    final: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)


def _same(what: str, host: Any, model: Any) -> None:
    if host == model:
        return
    left = pprint.pformat(model, width=110).splitlines()
    right = pprint.pformat(host, width=110).splitlines()
    diff = "\n".join(difflib.unified_diff(left, right, "model (the extension)", "host (devhost)", lineterm=""))
    raise Mismatch(f"host and model differ on {what}:\n{diff}")


class Driver:
    """One scenario, run on both sides at once."""

    def __init__(self, app: str, workdir: Path, make_fake: Callable[[], Fake], held: set[str] | None = None) -> None:
        self.held = set(held or ())
        self.clock = FakeClock(START)
        self.host, self.model = HostSide(app, self.clock, workdir), ModelSide(app, self.clock)
        self.fakes = {"host": make_fake(), "model": make_fake()}
        self.run = Run()
        self.completed: list[str] = []
        self.known: list[str] = []

    def close(self) -> None:
        self.host.close()
        self.model.close()

    def apply(self, stimulus: Stimulus) -> int:
        if isinstance(stimulus, Release):
            self.held.discard(stimulus.name)
            return 0
        body = b"" if stimulus.data is None else json.dumps(stimulus.data).encode()
        if isinstance(stimulus, Start):
            codes = [s.start(stimulus.name, stimulus.instance_id, body) for s in (self.host, self.model)]
            if stimulus.instance_id not in self.known:
                self.known.append(stimulus.instance_id)
        else:
            codes = [s.raise_event(stimulus.instance_id, stimulus.name, body, stimulus.content_type)
                     for s in (self.host, self.model)]
        _same(f"the HTTP status of {stimulus}", codes[0], codes[1])
        self.run.answers.append((repr(stimulus), codes[0]))
        return codes[0]

    def until_idle(self, act: Callable[[View], list[Stimulus]] | None = None) -> Run:
        """Run until nothing is queued, pending or due; `act` may add stimuli whenever no message is queued."""
        for step in range(MAX_STEPS):
            if self._step(step, act):
                continue
            self.run.final = {i: self._status(i) for i in self.known}
            return self.run
        raise Mismatch(f"no end after {MAX_STEPS} steps (both sides agree; the scenario loops)")

    def _step(self, step: int, act: Callable[[View], list[Stimulus]] | None) -> bool:
        queued = self.model.queued()
        _same(f"the queued messages at step {step}", self.host.queued(), queued)
        if queued:
            self._episode(queued[0][0])
            return True
        if act is not None:
            stimuli = act(self.view(step))
            for stimulus in stimuli:
                self.apply(stimulus)
            if stimuli:
                return True
        work = self.model.work()
        _same(f"the activity work items at step {step}", self.host.work(), work)
        ready = [w for w in work if w.name not in self.held]
        if ready:
            item = ready[0]
            for side in (self.host, self.model):
                value, error = self.fakes[side.label](item.name, item.input)
                side.complete(item, value, error)
            self.completed.append(item.name)
            return True
        timers = sorted(self.model.timers(), key=_timer_key)
        _same(f"the durable timers at step {step}", sorted(self.host.timers(), key=_timer_key), timers)
        if timers:
            self.clock.current = max(self.clock.current, timers[0].fire_at)
            self.host.fire_timers()
            self.model.fire_timers()
            return True
        if work:  # only held activities remain: let them report
            self.held.clear()
            return True
        return False

    def _episode(self, instance_id: str) -> None:
        before = {s.label: s.history(instance_id) for s in (self.host, self.model)}
        self.host.process(instance_id)
        self.model.process(instance_id)
        record = {}
        for side in (self.host, self.model):
            old_execution, old_events = before[side.label]
            execution, events = side.history(instance_id)
            fresh = execution != old_execution or events[:len(old_events)] != old_events
            record[side.label] = {"instance": instance_id, "newExecution": fresh,
                                  "events": events if fresh else events[len(old_events):],
                                  "status": side.status(instance_id)}
        _same(f"episode {len(self.run.episodes) + 1} of {instance_id}", record["host"], record["model"])
        self.run.episodes.append(record["model"])
        if instance_id not in self.known:
            self.known.append(instance_id)

    def view(self, step: int) -> View:
        return View(step=step, pending=self.model.work(), completed=list(self.completed),
                    timers=sorted(self.model.timers(), key=_timer_key),
                    statuses={i: self._status(i) for i in self.known}, now=self.clock.current)

    def _status(self, instance_id: str) -> tuple[int, dict[str, Any]]:
        answers = [s.status(instance_id) for s in (self.host, self.model)]
        _same(f"the status of {instance_id}", answers[0], answers[1])
        return answers[1]


def _timer_key(timer: PendingTimer) -> tuple[datetime, str, int]:
    return (timer.fire_at, timer.instance_id, timer.timer_id)


def scheduled(run: Run, instance_id: str | None = None) -> list[tuple[str, Any]]:
    """The decisions of a run, in order: (event type name, name or fire time), for readable assertions."""
    names = {4: "TaskScheduled", 7: "SubOrchestrationInstanceCreated", 10: "TimerCreated", 1: "ExecutionCompleted"}
    out = []
    for episode in run.episodes:
        if instance_id is not None and episode["instance"] != instance_id:
            continue
        for evt in episode["events"]:
            kind = names.get(evt["EventType"])
            if kind:
                out.append((kind, evt.get("Name") or evt.get("FireAt") or evt.get("OrchestrationStatus")))
    return out
