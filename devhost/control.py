"""Instance lifecycle changes made inside one store transaction: start, raise, terminate, purge, notify."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from devhost.history import EventType, as_json_text, event, iso
from devhost.store import append_history, clear_instance_work, post, put_instance

RUNNING_STATES = {"Pending", "Running", "ContinuedAsNew", "Suspended"}
TERMINAL_STATES = {"Completed", "Failed", "Terminated", "Canceled"}


class InstanceExistsError(Exception):
    """start_new on an instance that is still pending or running (the extension's default refuses it)."""


def create_instance(db: sqlite3.Connection, instance_id: str, name: str, input_json: str | None, now: datetime,
                    parent: dict[str, Any] | None = None) -> None:
    """Create (or replace a finished) instance and queue its ExecutionStarted message.

    Raises:
        InstanceExistsError: an instance with this ID is pending or running.
    """
    row = db.execute("SELECT runtime_status, execution_id FROM instances WHERE instance_id = ?",
                     (instance_id,)).fetchone()
    if row is not None and row["runtime_status"] in RUNNING_STATES:
        raise InstanceExistsError(f"An Orchestration instance with the status {row['runtime_status']} "
                                  "already exists.")
    execution_id = (row["execution_id"] + 1) if row is not None else 0
    clear_instance_work(db, instance_id, history_too=True)
    parent = parent or {}
    put_instance(db, {
        "instance_id": instance_id, "name": name, "runtime_status": "Pending", "input": input_json,
        "output": None, "custom_status": None, "created_time": iso(now), "last_updated_time": iso(now),
        "execution_id": execution_id, "parent_instance_id": parent.get("instance_id"),
        "parent_event_id": parent.get("event_id"), "parent_execution_id": parent.get("execution_id"),
        "engine": "{}"})
    post(db, instance_id, execution_id, started_event(instance_id, name, input_json, now, parent))


def started_event(instance_id: str, name: str, input_json: str | None, now: datetime,
                  parent: dict[str, Any] | None) -> dict[str, Any]:
    parent_instance = None
    if parent and parent.get("instance_id"):
        parent_instance = {"Name": parent.get("name"), "TaskScheduleId": parent.get("event_id"),
                           "OrchestrationInstance": {"InstanceId": parent["instance_id"]}}
    return event(EventType.EXECUTION_STARTED, now, -1, Name=name, Version="", Input=input_json,
                 OrchestrationInstance={"InstanceId": instance_id}, ParentInstance=parent_instance,
                 Tags=None, ScheduledStartTime=None)


def raise_event(db: sqlite3.Connection, instance_id: str, name: str, input_json: str | None,
                now: datetime) -> int:
    """Queue an EventRaised message; returns the HTTP status the extension answers (202, 404, 410)."""
    row = db.execute("SELECT runtime_status, execution_id FROM instances WHERE instance_id = ?",
                     (instance_id,)).fetchone()
    if row is None:
        return 404
    if row["runtime_status"] not in RUNNING_STATES:
        return 410
    text = None if input_json is None else as_json_text(json.loads(input_json))
    post(db, instance_id, row["execution_id"], event(EventType.EVENT_RAISED, now, -1, Name=name, Input=text))
    return 202


def terminate(db: sqlite3.Connection, instance_id: str, reason: str, now: datetime) -> int:
    """Terminate a pending or running instance; returns 202, 404 or 410 like the extension."""
    row = db.execute("SELECT * FROM instances WHERE instance_id = ?", (instance_id,)).fetchone()
    if row is None:
        return 404
    if row["runtime_status"] not in RUNNING_STATES:
        return 410
    clear_instance_work(db, instance_id, history_too=False)
    append_history(db, instance_id, [event(EventType.EXECUTION_TERMINATED, now, -1, Input=reason)])
    db.execute("UPDATE instances SET runtime_status = 'Terminated', output = ?, last_updated_time = ? "
               "WHERE instance_id = ?", (json.dumps(reason), iso(now), instance_id))
    notify_parent(db, dict(row), failed=True, result=None, reason=f"Orchestration terminated: {reason}",
                  details="", now=now)
    return 202


def purge(db: sqlite3.Connection, instance_ids: list[str]) -> int:
    for instance_id in instance_ids:
        clear_instance_work(db, instance_id, history_too=True)
        db.execute("DELETE FROM instances WHERE instance_id = ?", (instance_id,))
    return len(instance_ids)


def notify_parent(db: sqlite3.Connection, child: dict[str, Any], failed: bool, result: str | None,
                  reason: str, details: str, now: datetime) -> None:
    """Tell the parent orchestration that its sub-orchestration completed or failed."""
    parent_id = child.get("parent_instance_id")
    if not parent_id:
        return
    task_id = child["parent_event_id"]
    if failed:
        message = event(EventType.SUB_ORCHESTRATION_INSTANCE_FAILED, now, -1, TaskScheduledId=task_id,
                        Reason=reason, Details=details)
    else:
        message = event(EventType.SUB_ORCHESTRATION_INSTANCE_COMPLETED, now, -1, TaskScheduledId=task_id,
                        Result=result)
    post(db, parent_id, child["parent_execution_id"], message)
