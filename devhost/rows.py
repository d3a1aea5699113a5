"""Typed rows of the host's store: instances, queued messages, activity work items, durable timers."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any


class RuntimeStatus(StrEnum):
    """`OrchestrationRuntimeStatus` names, as the status API shows them."""

    PENDING = "Pending"
    RUNNING = "Running"
    COMPLETED = "Completed"
    CONTINUED_AS_NEW = "ContinuedAsNew"
    FAILED = "Failed"
    CANCELED = "Canceled"
    TERMINATED = "Terminated"
    SUSPENDED = "Suspended"

    @property
    def is_running(self) -> bool:
        """The states `NonRunningStates` refuses to overwrite (extension `OverridableStates.cs` lines 35-41)."""
        return self in _RUNNING


_RUNNING = frozenset({RuntimeStatus.PENDING, RuntimeStatus.RUNNING, RuntimeStatus.CONTINUED_AS_NEW,
                      RuntimeStatus.SUSPENDED})


@dataclass(frozen=True)
class ParentRef:
    """Who started a sub-orchestration: the parent execution and the task ID to report back to."""

    instance_id: str
    execution_id: str
    task_id: int
    name: str


@dataclass(frozen=True)
class Instance:
    """One row of the instances table (the Azure Storage `Instances` table's role)."""

    instance_id: str
    name: str
    status: RuntimeStatus
    execution_id: str
    created_time: str
    last_updated_time: str
    input: str | None = None
    output: str | None = None
    custom_status: str | None = None
    parent: ParentRef | None = None

    def with_(self, **changes: Any) -> Instance:
        return replace(self, **changes)


@dataclass(frozen=True)
class Message:
    """A queued message for one instance; `execution_id` None targets whichever execution is current.

    Azure Storage delivers messages without an execution ID (raise event, terminate) to the current session
    (DurableTask.AzureStorage `OrchestrationSessionManager.cs` lines 433-436).
    """

    id: int
    instance_id: str
    execution_id: str | None
    event: dict[str, Any]


@dataclass(frozen=True)
class ActivityItem:
    """An activity work item (the work-item queue message of DTFx)."""

    id: int
    instance_id: str
    execution_id: str
    task_id: int
    name: str
    input: str | None


@dataclass(frozen=True)
class TimerItem:
    """A durable timer: a delayed `TimerFired` message."""

    id: int
    instance_id: str
    execution_id: str
    timer_id: int
    fire_at: float
    fire_at_text: str


@dataclass(frozen=True)
class InstanceQuery:
    """The filters of `GET instances/` (`OrchestrationStatusQueryCondition.cs`)."""

    created_from: str | None = None
    created_to: str | None = None
    statuses: tuple[str, ...] = ()
    id_prefix: str | None = None
