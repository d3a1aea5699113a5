"""Dispatchers: orchestration episodes, activity work items (bounded pool) and durable timers."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from azure.functions.durable_functions import ActivityTriggerConverter
from azure.functions.meta import Datum

from devhost import control
from devhost.clock import ScaledClock
from devhost.history import EventType, event, iso
from devhost.orchestration import process_next
from devhost.registry import Registry, call_kwargs
from devhost.store import Store, post

log = logging.getLogger("devhost.engine")
IDLE_WAIT = 0.5


class Engine:
    """Runs persisted work: every dispatcher reads SQLite, so a restart resumes where the last run stopped."""

    def __init__(self, store: Store, clock: ScaledClock, registry: Registry, activity_workers: int = 16,
                 orchestration_workers: int = 8):
        self.store, self.clock, self.registry = store, clock, registry
        self._activity_pool = ThreadPoolExecutor(activity_workers, thread_name_prefix="activity")
        self._orch_pool = ThreadPoolExecutor(orchestration_workers, thread_name_prefix="orchestration")
        self._activity_slots, self._orch_slots = activity_workers, orchestration_workers
        self._busy_instances: set[str] = set()
        self._busy_activities: set[int] = set()
        self._lock = threading.Lock()
        self._wake = {name: threading.Event() for name in ("orchestrations", "activities", "timers")}
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> None:
        loops = {"orchestrations": self._orchestration_loop, "activities": self._activity_loop,
                 "timers": self._timer_loop}
        for name, target in loops.items():
            thread = threading.Thread(target=self._guard, args=(name, target), name=f"dispatch-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stopping.set()
        for wake in self._wake.values():
            wake.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._orch_pool.shutdown(wait=False, cancel_futures=True)
        self._activity_pool.shutdown(wait=False, cancel_futures=True)

    def notify(self, *names: str) -> None:
        for name in names or tuple(self._wake):
            self._wake[name].set()

    def _guard(self, name: str, target: Callable[[], float]) -> None:
        while not self._stopping.is_set():
            wait = IDLE_WAIT
            try:
                wait = target() or IDLE_WAIT
            except Exception:  # a dispatcher must survive one bad item; log and keep going
                log.exception("dispatcher.error", extra={"dispatcher": name})
            self._wake[name].wait(wait)
            self._wake[name].clear()

    # -- orchestrations ----------------------------------------------------------------------------------
    def _orchestration_loop(self) -> float:
        with self._lock:
            free = self._orch_slots - len(self._busy_instances)
            busy = set(self._busy_instances)
        if free <= 0:
            return IDLE_WAIT
        for instance_id in self.store.ready_instances(busy, free):
            with self._lock:
                self._busy_instances.add(instance_id)
            self._orch_pool.submit(self._run_episode, instance_id)
        return IDLE_WAIT

    def _run_episode(self, instance_id: str) -> None:
        try:
            process_next(self.store, self.clock, self.registry.orchestrators, instance_id)
        except Exception:
            log.exception("orchestration.episode_error", extra={"instance_id": instance_id})
        finally:
            with self._lock:
                self._busy_instances.discard(instance_id)
            self.notify()

    # -- activities --------------------------------------------------------------------------------------
    def _activity_loop(self) -> float:
        with self._lock:
            free = self._activity_slots - len(self._busy_activities)
            busy = set(self._busy_activities)
        if free <= 0:
            return IDLE_WAIT
        for row in self.store.pending_activities(busy, free):
            with self._lock:
                self._busy_activities.add(row["id"])
            self._activity_pool.submit(self._run_activity, dict(row))
        return IDLE_WAIT

    def _run_activity(self, item: dict[str, Any]) -> None:
        extra = {"instance_id": item["instance_id"], "activity": item["name"], "task_id": item["event_id"]}
        try:
            log.info("activity.started", extra=extra)
            message = self._invoke_activity(item)
            with self.store.tx() as db:
                still_pending = db.execute("SELECT 1 FROM activities WHERE id = ?", (item["id"],)).fetchone()
                if still_pending:
                    db.execute("DELETE FROM activities WHERE id = ?", (item["id"],))
                    post(db, item["instance_id"], item["execution_id"], message)
            failed = message["EventType"] == EventType.TASK_FAILED
            log.log(logging.WARNING if failed else logging.INFO,
                    "activity.failed" if failed else "activity.completed", extra=extra)
        except Exception:
            log.exception("activity.dispatch_error", extra=extra)
        finally:
            with self._lock:
                self._busy_activities.discard(item["id"])
            self.notify()

    def _invoke_activity(self, item: dict[str, Any]) -> dict[str, Any]:
        found = self.registry.activities.get(item["name"])
        now = self.clock.now()
        if found is None:
            return event(EventType.TASK_FAILED, now, -1, TaskScheduledId=item["event_id"],
                         Reason=f"The function '{item['name']}' doesn't exist, is disabled, or is not an "
                                "activity function.", Details="")
        func, arg_name = found
        try:
            value = ActivityTriggerConverter.decode(Datum(item["input"] or "null", "json"), trigger_metadata=None)
            result = func(**call_kwargs(func, {arg_name: value}, item["name"]))
            if inspect.isawaitable(result):
                result = asyncio.run(_await(result))
            encoded = ActivityTriggerConverter.encode(result, expected_type=None)
        except Exception as exc:  # the activity's own failure becomes TaskFailed, as on Azure
            return event(EventType.TASK_FAILED, self.clock.now(), -1, TaskScheduledId=item["event_id"],
                         Reason=f"Activity function '{item['name']}' failed: {type(exc).__name__}: {exc}",
                         Details="".join(traceback.format_exception(exc)))
        return event(EventType.TASK_COMPLETED, self.clock.now(), -1, TaskScheduledId=item["event_id"],
                     Result=encoded.value)

    # -- timers ------------------------------------------------------------------------------------------
    def _timer_loop(self) -> float:
        due = self.store.due_timers(self.clock.now_epoch())
        if due:
            with self.store.tx() as db:
                for row in due:
                    db.execute("DELETE FROM timers WHERE id = ?", (row["id"],))
                    post(db, row["instance_id"], row["execution_id"], event(
                        EventType.TIMER_FIRED, self.clock.now(), -1, TimerId=row["timer_id"],
                        FireAt=row["fire_at_text"]))
            log.debug("timer.fired", extra={"count": len(due)})
            self.notify("orchestrations")
        next_at = self.store.next_timer_at()
        if next_at is None:
            return IDLE_WAIT
        return max(0.001, min(IDLE_WAIT, self.clock.wall_seconds_until(next_at)))

    # -- client operations -------------------------------------------------------------------------------
    def start_instance(self, name: str, instance_id: str, input_json: str | None) -> None:
        """Raises: control.InstanceExistsError while an instance with that ID is pending or running."""
        with self.store.tx() as db:
            control.create_instance(db, instance_id, name, input_json, self.clock.now())
        log.info("orchestration.scheduled", extra={"instance_id": instance_id, "orchestrator": name})
        self.notify("orchestrations")

    def raise_event(self, instance_id: str, name: str, input_json: str | None) -> int:
        with self.store.tx() as db:
            status = control.raise_event(db, instance_id, name, input_json, self.clock.now())
        log.info("orchestration.event_raised", extra={"instance_id": instance_id, "event": name, "status": status})
        self.notify("orchestrations")
        return status

    def terminate(self, instance_id: str, reason: str) -> int:
        with self.store.tx() as db:
            status = control.terminate(db, instance_id, reason, self.clock.now())
        log.info("orchestration.terminated", extra={"instance_id": instance_id, "status": status})
        self.notify("orchestrations")
        return status

    def purge(self, instance_ids: list[str]) -> int:
        with self.store.tx() as db:
            return control.purge(db, instance_ids)

    def now_text(self) -> str:
        return iso(self.clock.now())


async def _await(awaitable: Any) -> Any:
    return await awaitable


def dumps(value: Any) -> str:
    return json.dumps(value)
