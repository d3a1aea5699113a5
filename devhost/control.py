"""Instance lifecycle changes made inside one store transaction: start, sub-start, raise, terminate, purge."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from devhost.history import EventType, event, iso
from devhost.rows import Instance, ParentRef, RuntimeStatus
from devhost.store import Tx

TERMINAL = {RuntimeStatus.COMPLETED, RuntimeStatus.FAILED, RuntimeStatus.TERMINATED, RuntimeStatus.CANCELED}
ExecutionIds = Callable[[], str]


def new_execution_id() -> str:
    """A fresh execution ID, `Guid.NewGuid().ToString("N")` as DTFx makes them (TaskOrchestrationDispatcher.cs)."""
    return uuid.uuid4().hex


class InstanceExistsError(Exception):
    """`OrchestrationAlreadyExistsException`: start on an instance the default `NonRunningStates` protects."""


def start_instance(tx: Tx, instance_id: str, name: str, input_json: str | None, now: datetime,
                   execution_ids: ExecutionIds = new_execution_id) -> None:
    """A client start: refused while the ID is Pending/Running/ContinuedAsNew/Suspended, else (re)created.

    The extension's default `OverridableExistingInstanceStates` is `NonRunningStates` (DurableTaskOptions.cs line
    188, OverridableStates.cs lines 35-55); Azure Storage throws for a deduplicated status because the extension
    sets `ThrowExceptionOnInvalidDedupeStatus` (AzureStorageDurabilityProviderFactory.cs line 210;
    AzureStorageOrchestrationService.cs lines 1752-1761).

    Raises:
        InstanceExistsError: an instance with this ID is still running.
    """
    existing = tx.instance(instance_id)
    if existing is not None and existing.status.is_running:
        raise InstanceExistsError(f"An Orchestration instance with the status {existing.status.value} already "
                                  "exists.")
    create(tx, instance_id, name, input_json, now, None, execution_ids())


def start_child(tx: Tx, instance_id: str, name: str, input_json: str | None, now: datetime, parent: ParentRef,
                execution_ids: ExecutionIds = new_execution_id) -> None:
    """A sub-orchestration start: on Azure Storage it always begins a new execution, whatever runs under that ID.

    Start messages of sub-orchestrations are not deduplicated (OrchestrationSessionManager.cs lines 252-255), and a
    new execution ID loads no history of the old one (AzureTableTrackingStore.cs lines 164-202), so the new
    execution replaces it; the old one's pending messages are then discarded as another execution's.
    """
    create(tx, instance_id, name, input_json, now, parent, execution_ids())


def create(tx: Tx, instance_id: str, name: str, input_json: str | None, now: datetime, parent: ParentRef | None,
           execution_id: str) -> None:
    """Write a Pending instance with fresh history and queue its ExecutionStarted message."""
    tx.clear_history(instance_id)
    tx.delete_timers(instance_id)
    tx.put_instance(Instance(instance_id=instance_id, name=name, status=RuntimeStatus.PENDING,
                             execution_id=execution_id, created_time=iso(now), last_updated_time=iso(now),
                             input=input_json, parent=parent))
    tx.post(instance_id, execution_id, started_event(instance_id, execution_id, name, input_json, now, parent))


def started_event(instance_id: str, execution_id: str, name: str, input_json: str | None, now: datetime,
                  parent: ParentRef | None) -> dict[str, Any]:
    parent_instance = None
    if parent is not None:
        parent_instance = {"Name": parent.name, "TaskScheduleId": parent.task_id, "Version": "",
                           "OrchestrationInstance": {"InstanceId": parent.instance_id,
                                                     "ExecutionId": parent.execution_id}}
    return event(EventType.EXECUTION_STARTED, now, -1, Name=name, Version="", Input=input_json,
                 OrchestrationInstance={"InstanceId": instance_id, "ExecutionId": execution_id},
                 ParentInstance=parent_instance, Tags=None, ScheduledStartTime=None)


def raise_event(tx: Tx, instance_id: str, name: str, input_json: str, now: datetime) -> int:
    """Queue an EventRaised message; the HTTP status the extension answers (202, 404, 410).

    HttpApiHandler.cs lines 978-1019: 404 unknown, 410 Failed/Canceled/Terminated/Completed. The message carries no
    execution ID, so it reaches whichever execution is current when it is processed.
    """
    inst = tx.instance(instance_id)
    if inst is None:
        return 404
    if inst.status in TERMINAL:
        return 410
    # The body's JSON as it is: the extension does not unwrap the Python client's double encoding, so an event
    # it raises arrives as a JSON string (azure-functions-durable-python issue #295).
    tx.post(instance_id, None, event(EventType.EVENT_RAISED, now, -1, Name=name, Input=input_json))
    return 202


def terminate(tx: Tx, instance_id: str, reason: str, now: datetime) -> int:
    """Terminate a pending or running instance; 202, 404 or 410 (HttpApiHandler.cs lines 785-807)."""
    inst = tx.instance(instance_id)
    if inst is None:
        return 404
    if inst.status in TERMINAL:
        return 410
    tx.delete_timers(instance_id)
    tx.append_history(instance_id, [event(EventType.EXECUTION_TERMINATED, now, -1, Input=reason)])
    tx.put_instance(inst.with_(status=RuntimeStatus.TERMINATED, output=json.dumps(reason),
                               last_updated_time=iso(now)))
    notify_parent(tx, inst, failed=True, result=reason, now=now)
    return 202


def purge(tx: Tx, instance_ids: list[str]) -> int:
    for instance_id in instance_ids:
        tx.clear_history(instance_id)
        tx.delete_timers(instance_id)
        tx.delete_messages(instance_id)
        tx.delete_instance(instance_id)
    return len(instance_ids)


def notify_parent(tx: Tx, child: Instance, failed: bool, result: str | None, now: datetime) -> None:
    """Tell the parent execution that its sub-orchestration ended (TaskOrchestrationDispatcher.cs 1086-1110)."""
    parent = child.parent
    if parent is None:
        return
    if failed:
        message = event(EventType.SUB_ORCHESTRATION_INSTANCE_FAILED, now, -1, TaskScheduledId=parent.task_id,
                        Reason=result, Details=None)
    else:
        message = event(EventType.SUB_ORCHESTRATION_INSTANCE_COMPLETED, now, -1, TaskScheduledId=parent.task_id,
                        Result=result)
    tx.post(parent.instance_id, parent.execution_id, message)
