"""Dispatchers: orchestration episodes, activity work items (bounded pool) and durable timers."""

from __future__ import annotations

import asyncio
import inspect
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
from devhost.orchestration import Orchestrators, process_next
from devhost.registry import Registry, call_kwargs
from devhost.rows import ActivityItem
from devhost.store import Store

log = logging.getLogger("devhost.engine")
IDLE_WAIT = 0.5


class Engine:
    """Runs persisted work: every dispatcher reads SQLite, so a restart resumes where the last run stopped."""

    def __init__(self, store: Store, clock: ScaledClock, registry: Registry, activity_workers: int = 16,
                 orchestration_workers: int = 8, execution_ids: control.ExecutionIds = control.new_execution_id,
                 client_json: str | None = None):
        self.store, self.clock, self.registry = store, clock, registry
        self.client_json = client_json  # the durableClient binding handed to activities that declare one
        self.loop: asyncio.AbstractEventLoop | None = None  # the server's loop: async activities run on it
        self.app = orchestrators_of(registry, execution_ids)
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
            process_next(self.store, self.clock, self.app, instance_id)
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
        for item in self.store.pending_activities(busy, free):
            with self._lock:
                self._busy_activities.add(item.id)
            self._activity_pool.submit(self._run_activity, item)
        return IDLE_WAIT

    def _run_activity(self, item: ActivityItem) -> None:
        extra = {"instance_id": item.instance_id, "activity": item.name, "task_id": item.task_id}
        try:
            log.info("activity.started", extra=extra)
            message = invoke_activity(self.registry, item, self.clock, self.client_json, self.loop)
            complete_activity(self.store, item, message)
            failed = message["EventType"] == EventType.TASK_FAILED
            log.log(logging.WARNING if failed else logging.INFO,
                    "activity.failed" if failed else "activity.completed", extra=extra)
        except Exception:
            log.exception("activity.dispatch_error", extra=extra)
        finally:
            with self._lock:
                self._busy_activities.discard(item.id)
            self.notify()

    # -- timers ------------------------------------------------------------------------------------------
    def _timer_loop(self) -> float:
        if fire_due_timers(self.store, self.clock):
            self.notify("orchestrations")
        next_at = self.store.next_timer_at()
        if next_at is None:
            return IDLE_WAIT
        return max(0.001, min(IDLE_WAIT, self.clock.wall_seconds_until(next_at)))

    # -- client operations -------------------------------------------------------------------------------
    def start_instance(self, name: str, instance_id: str, input_json: str | None) -> None:
        """Raises: control.InstanceExistsError while an instance with that ID is pending or running."""
        with self.store.tx() as tx:
            control.start_instance(tx, instance_id, name, input_json, self.clock.now(), self.app.execution_ids)
        log.info("orchestration.scheduled", extra={"instance_id": instance_id, "orchestrator": name})
        self.notify("orchestrations")

    def raise_event(self, instance_id: str, name: str, input_json: str) -> int:
        with self.store.tx() as tx:
            status = control.raise_event(tx, instance_id, name, input_json, self.clock.now())
        log.info("orchestration.event_raised", extra={"instance_id": instance_id, "event": name, "status": status})
        self.notify("orchestrations")
        return status

    def terminate(self, instance_id: str, reason: str) -> int:
        with self.store.tx() as tx:
            status = control.terminate(tx, instance_id, reason, self.clock.now())
        log.info("orchestration.terminated", extra={"instance_id": instance_id, "status": status})
        self.notify("orchestrations")
        return status

    def purge(self, instance_ids: list[str]) -> int:
        with self.store.tx() as tx:
            return control.purge(tx, instance_ids)

    def now_text(self) -> str:
        return iso(self.clock.now())


def orchestrators_of(registry: Registry,
                     execution_ids: control.ExecutionIds = control.new_execution_id) -> Orchestrators:
    """The part of the app's index that episodes use."""
    return Orchestrators(handles=dict(registry.orchestrators), activities=sorted(registry.activities),
                         execution_ids=execution_ids)


def invoke_activity(registry: Registry, item: ActivityItem, clock: ScaledClock, client_json: str | None = None,
                    loop: asyncio.AbstractEventLoop | None = None) -> dict[str, Any]:
    """Run one activity work item the way the Python worker does; its TaskCompleted or TaskFailed message."""
    # WebJobs function names compare ignoring case; the extension has already refused unknown names.
    found = registry.activities.get(item.name) or next(
        (f for n, f in registry.activities.items() if n.upper() == item.name.upper()), None)
    if found is None:
        return event(EventType.TASK_FAILED, clock.now(), -1, TaskScheduledId=item.task_id,
                     Reason=f"The function '{item.name}' doesn't exist, is disabled, or is not an activity function.",
                     Details="")
    func, arg_name = found
    client_arg = registry.activity_clients.get(item.name) or next(
        (c for n, c in registry.activity_clients.items() if n.upper() == item.name.upper()), None)
    try:
        value = ActivityTriggerConverter.decode(Datum(item.input or "null", "json"), trigger_metadata=None)
        values: dict[str, Any] = {arg_name: value}
        if client_arg:
            if client_json is None:
                raise RuntimeError(f"activity {item.name} takes a durable client and this host has none")
            values[client_arg] = client_json
        result = func(**call_kwargs(func, values, item.name))
        if inspect.isawaitable(result):
            # On the host's own loop, as the Python worker runs every async function on its one loop: what the app's
            # libraries cache across calls stays usable (the durable SDK keeps one aiohttp session bound to the loop
            # it was made on, azure/durable_functions/models/utils/http_utils.py).
            result = asyncio.run_coroutine_threadsafe(_await(result), loop).result() if loop is not None \
                else asyncio.run(_await(result))
        encoded = ActivityTriggerConverter.encode(result, expected_type=None)
    except Exception as exc:  # the activity's own failure becomes TaskFailed, as on Azure
        return event(EventType.TASK_FAILED, clock.now(), -1, TaskScheduledId=item.task_id,
                     Reason=f"Activity function '{item.name}' failed: {type(exc).__name__}: {exc}",
                     Details="".join(traceback.format_exception(exc)))
    return event(EventType.TASK_COMPLETED, clock.now(), -1, TaskScheduledId=item.task_id, Result=encoded.value)


def complete_activity(store: Store, item: ActivityItem, message: dict[str, Any]) -> bool:
    """Consume the work item and send its result to the orchestration; False if it was already consumed."""
    with store.tx() as tx:
        if not tx.take_activity(item.id):
            return False
        tx.post(item.instance_id, item.execution_id, message)
    return True


def fire_due_timers(store: Store, clock: ScaledClock) -> int:
    """Turn every timer whose time has come into its TimerFired message; how many fired."""
    due = store.due_timers(clock.now_epoch())
    if not due:
        return 0
    with store.tx() as tx:
        for timer in due:
            if tx.take_timer(timer.id):
                tx.post(timer.instance_id, timer.execution_id, event(
                    EventType.TIMER_FIRED, clock.now(), -1, TimerId=timer.timer_id, FireAt=timer.fire_at_text))
    log.debug("timer.fired", extra={"count": len(due)})
    return len(due)


async def _await(awaitable: Any) -> Any:
    return await awaitable


