"""The two systems the suite drives with the same messages: the local host's real engine, and the model.

Both answer the same small interface, in plain values the driver can compare: queued messages, activity work
items, durable timers, histories, and the HTTP API's answers for start, raise event and status.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from azure.functions.durable_functions import ActivityTriggerConverter
from starlette.applications import Starlette

with warnings.catch_warnings():  # starlette 0.49 nags about httpx; the test client works all the same
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from devhost import registry as host_registry
from devhost.config import HostConfig
from devhost.engine import Engine, complete_activity, fire_due_timers
from devhost.history import EventType, event
from devhost.management import DurableApi
from devhost.orchestration import process_next
from devhost.store import Store
from tests.conformance.model import worker
from tests.conformance.model.backend import Backend
from tests.conformance.model.history import parse_time
from tests.support.app_functions import listed

BASE = "/runtime/webhooks/durabletask"
KEPT = ("EventType", "EventId", "Name", "InstanceId", "TaskScheduledId", "TimerId", "OrchestrationStatus", "Reason")


class FakeClock:
    """Service time that moves only when the driver says (both sides read the same instant)."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def now_epoch(self) -> float:
        return self.current.timestamp()

    def wall_seconds_until(self, service_epoch: float) -> float:
        return max(0.0, service_epoch - self.now_epoch())


class Ids:
    """Execution IDs as a counter, so that both sides name executions (and default child IDs) alike."""

    def __init__(self, prefix: str) -> None:
        self.prefix, self.count = prefix, 0

    def __call__(self) -> str:
        self.count += 1
        return f"{self.prefix}{self.count:04d}"


@dataclass(frozen=True)
class Work:
    instance_id: str
    task_id: int
    name: str
    input: Any


@dataclass(frozen=True)
class PendingTimer:
    instance_id: str
    timer_id: int
    fire_at: datetime


def decode(value: Any) -> Any:
    """A payload as the SDK would read it: JSON text parsed once."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def normal(evt: dict[str, Any]) -> dict[str, Any]:
    """The parts of a history event both sides must agree on (timestamps are the driver's, not compared)."""
    out = {k: evt[k] for k in KEPT if evt.get(k) is not None}
    for key in ("Input", "Result"):
        if evt.get(key) is not None:
            out[key] = decode(evt[key])
    if evt.get("FireAt"):
        out["FireAt"] = parse_time(evt["FireAt"]).isoformat()
    return out


class HostSide:
    """`devhost` in-process: its store, `process_next`, timer firing, and its HTTP API through a test client."""

    label = "host"

    def __init__(self, app: str, clock: FakeClock, workdir: Path) -> None:
        self.clock = clock
        self.store = Store(workdir / "host.db")
        registry = host_registry.index(listed(app))
        self.engine = Engine(self.store, clock, registry, execution_ids=Ids("exec-"))  # type: ignore[arg-type]
        self.client = TestClient(Starlette(routes=DurableApi(self.engine, HostConfig()).routes()))

    def close(self) -> None:
        self.client.close()
        self.engine.stop()
        self.store.close()

    def start(self, name: str, instance_id: str, body: bytes) -> int:
        return self.client.post(f"{BASE}/orchestrators/{name}/{instance_id}", content=body,
                                headers={"Content-Type": "application/json"}).status_code

    def raise_event(self, instance_id: str, name: str, body: bytes, content_type: str) -> int:
        return self.client.post(f"{BASE}/instances/{instance_id}/raiseEvent/{name}", content=body,
                                headers={"Content-Type": content_type}).status_code

    def status(self, instance_id: str) -> tuple[int, dict[str, Any]]:
        got = self.client.get(f"{BASE}/instances/{instance_id}")
        if got.status_code == 404:
            return 404, {}
        body = got.json()
        return got.status_code, {k: body[k] for k in ("runtimeStatus", "customStatus", "output")}

    def queued(self) -> list[tuple[str, dict[str, Any]]]:
        return [(m.instance_id, normal(m.event)) for m in self.store.messages()]

    def process(self, instance_id: str) -> None:
        process_next(self.store, self.clock, self.engine.app, instance_id)  # type: ignore[arg-type]

    def history(self, instance_id: str) -> tuple[str | None, list[dict[str, Any]]]:
        inst = self.store.instance(instance_id)
        return (inst.execution_id if inst else None), [normal(e) for e in self.store.history(instance_id)]

    def work(self) -> list[Work]:
        return [Work(a.instance_id, a.task_id, a.name, decode(a.input)) for a in self.store.pending_activities()]

    def complete(self, item: Work, value: Any, error: str | None) -> None:
        found = next(a for a in self.store.pending_activities()
                     if (a.instance_id, a.task_id) == (item.instance_id, item.task_id))
        if error is None:
            result = ActivityTriggerConverter.encode(value, expected_type=None).value
            message = event(EventType.TASK_COMPLETED, self.clock.now(), -1, TaskScheduledId=found.task_id,
                            Result=result)
        else:
            message = event(EventType.TASK_FAILED, self.clock.now(), -1, TaskScheduledId=found.task_id,
                            Reason=error, Details="")
        complete_activity(self.store, found, message)

    def timers(self) -> list[PendingTimer]:
        return [PendingTimer(t.instance_id, t.timer_id, datetime.fromtimestamp(t.fire_at, UTC))
                for t in self.store.timers()]

    def fire_timers(self) -> None:
        fire_due_timers(self.store, self.clock)  # type: ignore[arg-type]


class ModelSide:
    """The reference model (`tests/conformance/model/`), which imports nothing of `devhost`."""

    label = "model"

    def __init__(self, app: str, clock: FakeClock) -> None:
        self.backend = Backend(worker.Functions(listed(app)), clock.now, Ids("exec-"))

    def close(self) -> None:
        return None

    def start(self, name: str, instance_id: str, body: bytes) -> int:
        return self.backend.start(name, instance_id, body)[0]

    def raise_event(self, instance_id: str, name: str, body: bytes, content_type: str) -> int:
        return self.backend.raise_event(instance_id, name, body, content_type)

    def status(self, instance_id: str) -> tuple[int, dict[str, Any]]:
        return self.backend.status(instance_id)

    def queued(self) -> list[tuple[str, dict[str, Any]]]:
        return [(m.instance_id, normal(m.event)) for m in self.backend.messages]

    def process(self, instance_id: str) -> None:
        self.backend.process(instance_id)

    def history(self, instance_id: str) -> tuple[str | None, list[dict[str, Any]]]:
        inst = self.backend.instances.get(instance_id)
        return (inst.execution_id if inst else None), [normal(e) for e in (inst.history if inst else [])]

    def work(self) -> list[Work]:
        return [Work(w.instance_id, w.task_id, w.name, decode(w.input)) for w in self.backend.work_items]

    def complete(self, item: Work, value: Any, error: str | None) -> None:
        found = next(w for w in self.backend.work_items
                     if (w.instance_id, w.task_id) == (item.instance_id, item.task_id))
        self.backend.complete_work_item(found, value, error)

    def timers(self) -> list[PendingTimer]:
        return sorted((PendingTimer(t.instance_id, t.timer_id, t.fire_at) for t in self.backend.timers),
                      key=lambda t: (t.fire_at, t.instance_id, t.timer_id))

    def fire_timers(self) -> None:
        self.backend.fire_timers()
