"""Process one message of one orchestration instance: replay, decide, and commit atomically."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import Any

from devhost import control
from devhost.clock import ScaledClock
from devhost.decide import (
    OrchestrationError,
    Work,
    apply_decision,
    continue_as_new_input,
    new_engine_state,
    on_message,
)
from devhost.episode import Decision, build_context, run_episode
from devhost.history import EventType, as_json_text, event, iso
from devhost.store import Store, append_history, clear_instance_work, post

log = logging.getLogger("devhost.orchestration")


class Outcome:
    """How the episode ended: running, completed, failed or continued as new."""

    def __init__(self, status: str, output: str | None = None, error: str | None = None,
                 new_input: str | None = None):
        self.status = status
        self.output = output
        self.error = error
        self.new_input = new_input


def process_next(store: Store, clock: ScaledClock, orchestrators: dict[str, Callable[..., Any]],
                 instance_id: str) -> bool:
    """Run the instance's oldest message through one episode; False when there was nothing to do."""
    msg_row = store.first_message(instance_id)
    if msg_row is None:
        return False
    inst = store.instance(instance_id)
    message = json.loads(msg_row["body"])
    if inst is None or msg_row["execution_id"] != inst["execution_id"] or \
            inst["runtime_status"] in control.TERMINAL_STATES:
        with store.tx() as db:
            db.execute("DELETE FROM inbox WHERE id = ?", (msg_row["id"],))
        return True
    now = clock.now()
    starting = message["EventType"] == EventType.EXECUTION_STARTED
    history = [] if starting else store.history(instance_id)
    engine = new_engine_state() if starting else (json.loads(inst["engine"]) or new_engine_state())
    work = Work(engine=engine)
    new_events = [event(EventType.ORCHESTRATOR_STARTED, now), dict(message)]
    on_message(work, message, now)
    outcome = _replay(orchestrators.get(inst["name"]), inst, history, new_events, work, now)
    with store.tx() as db:
        current = db.execute("SELECT runtime_status, execution_id FROM instances WHERE instance_id = ?",
                             (instance_id,)).fetchone()
        db.execute("DELETE FROM inbox WHERE id = ?", (msg_row["id"],))
        if current is None or current["execution_id"] != inst["execution_id"] or \
                current["runtime_status"] in control.TERMINAL_STATES:
            return True
        _commit(db, inst, new_events, work, outcome, now)
    _log(inst, outcome, message)
    return True


def _replay(handle: Callable[..., Any] | None, inst: dict[str, Any], history: list[dict[str, Any]],
            new_events: list[dict[str, Any]], work: Work, now: datetime) -> Outcome:
    name = inst["name"]
    if handle is None:
        return Outcome("Failed", error=f"The function '{name}' doesn't exist, is disabled, or is not an "
                                       "orchestrator function.")
    played = [{**e, "IsPlayed": True} for e in history]
    input_text = None if inst["input"] is None else as_json_text(json.loads(inst["input"]))
    context = build_context(inst["instance_id"], played + new_events, input_text, inst["parent_instance_id"])
    decision = run_episode(handle, context)
    try:
        apply_decision(work, decision, inst["instance_id"], now)
    except OrchestrationError as exc:
        return Outcome("Failed", error=str(exc))
    if decision.crashed:
        return Outcome("Failed", error=decision.error or "orchestrator function failed")
    _keep_custom_status(work, decision)
    if decision.is_done:
        is_new, new_input = continue_as_new_input(decision)
        if is_new:
            return Outcome("ContinuedAsNew", new_input=None if new_input is None else json.dumps(new_input))
        return Outcome("Completed", output=json.dumps(decision.output))
    return Outcome("Running")


def _keep_custom_status(work: Work, decision: Decision) -> None:
    if decision.custom_status is not None:
        work.engine["custom_status"] = json.dumps(decision.custom_status)


def _commit(db: sqlite3.Connection, inst: dict[str, Any], new_events: list[dict[str, Any]], work: Work,
            outcome: Outcome, now: datetime) -> None:
    instance_id = inst["instance_id"]
    custom_status = work.engine.get("custom_status", inst["custom_status"])
    if outcome.status == "ContinuedAsNew":
        clear_instance_work(db, instance_id, history_too=True)
        execution_id = inst["execution_id"] + 1
        post(db, instance_id, execution_id, control.started_event(instance_id, inst["name"], outcome.new_input,
                                                                   now, None))
        db.execute("UPDATE instances SET runtime_status = 'Running', input = ?, execution_id = ?, engine = '{}', "
                   "custom_status = ?, last_updated_time = ? WHERE instance_id = ?",
                   (outcome.new_input, execution_id, custom_status, iso(now), instance_id))
        return
    events = new_events + work.events + [event(EventType.ORCHESTRATOR_COMPLETED, now)]
    if outcome.status in ("Completed", "Failed"):
        events.append(_final_event(inst["name"], outcome, now))
        clear_instance_work(db, instance_id, history_too=False)
    else:
        _schedule(db, inst, work, now)
    append_history(db, instance_id, events)
    output = outcome.output if outcome.status == "Completed" else \
        json.dumps(failure_text(inst["name"], outcome.error)) if outcome.status == "Failed" else None
    db.execute("UPDATE instances SET runtime_status = ?, output = ?, custom_status = ?, engine = ?, "
               "last_updated_time = ? WHERE instance_id = ?",
               (outcome.status, output, custom_status, json.dumps(work.engine), iso(now), instance_id))
    if outcome.status in ("Completed", "Failed"):
        control.notify_parent(db, inst, failed=outcome.status == "Failed", result=outcome.output,
                              reason=failure_text(inst["name"], outcome.error), details="",
                              now=now)


def failure_text(name: str, error: str | None) -> str:
    """The output the extension records for a failed orchestration."""
    return f"Orchestrator function '{name}' failed: {error}"


def _final_event(name: str, outcome: Outcome, now: datetime) -> dict[str, Any]:
    if outcome.status == "Completed":
        return event(EventType.EXECUTION_COMPLETED, now, -1, OrchestrationStatus="Completed", Result=outcome.output)
    return event(EventType.EXECUTION_COMPLETED, now, -1, OrchestrationStatus="Failed",
                 Result=failure_text(name, outcome.error),
                 FailureDetails={"ErrorType": "OrchestrationFailure", "ErrorMessage": outcome.error})


def _schedule(db: sqlite3.Connection, inst: dict[str, Any], work: Work, now: datetime) -> None:
    instance_id, execution_id = inst["instance_id"], inst["execution_id"]
    if inst["runtime_status"] == "Pending":
        db.execute("UPDATE instances SET runtime_status = 'Running' WHERE instance_id = ?", (instance_id,))
    for task_id, name, input_json in work.activities:
        db.execute("INSERT INTO activities (instance_id, execution_id, event_id, name, input) VALUES (?, ?, ?, ?, ?)",
                   (instance_id, execution_id, task_id, name, input_json))
    for timer_id, fire_at in work.timers:
        db.execute("INSERT INTO timers (instance_id, execution_id, timer_id, fire_at, fire_at_text) "
                   "VALUES (?, ?, ?, ?, ?)", (instance_id, execution_id, timer_id, fire_at.timestamp(), iso(fire_at)))
    for timer_id in work.cancelled_timers:
        db.execute("DELETE FROM timers WHERE instance_id = ? AND execution_id = ? AND timer_id = ?",
                   (instance_id, execution_id, timer_id))
    for child in work.children:
        parent = {"instance_id": instance_id, "event_id": child["parent_event_id"], "execution_id": execution_id,
                  "name": inst["name"]}
        try:
            child_input = None if child["input"] is None else json.dumps(child["input"])
            control.create_instance(db, child["instance_id"], child["name"], child_input, now, parent)
        except control.InstanceExistsError as exc:
            post(db, instance_id, execution_id, event(
                EventType.SUB_ORCHESTRATION_INSTANCE_FAILED, now, -1, TaskScheduledId=child["parent_event_id"],
                Reason=str(exc), Details=""))


def _log(inst: dict[str, Any], outcome: Outcome, message: dict[str, Any]) -> None:
    extra = {"instance_id": inst["instance_id"], "orchestrator": inst["name"],
             "trigger": EventType(message["EventType"]).name}
    if outcome.status == "Failed":
        log.warning("orchestration.failed", extra={**extra, "error": outcome.error})
    elif outcome.status in ("Completed", "ContinuedAsNew"):
        log.info(f"orchestration.{outcome.status.lower()}", extra=extra)
    else:
        log.debug("orchestration.episode", extra=extra)
