"""Timer triggers on the host's (time-scaled) clock, with the schedule monitor's past-due rule.

What the Functions host does, and this host follows (Azure/azure-webjobs-sdk-extensions
`src/WebJobs.Extensions/Extensions/Timers/Listener/TimerListener.cs`, `Scheduling/ScheduleMonitor.cs`; MS Learn
"Timer trigger for Azure Functions"):
- the schedule is NCRONTAB with six fields, seconds first (`{second} {minute} {hour} {day} {month} {day-of-week}`),
  in UTC unless `WEBSITE_TIME_ZONE` says otherwise (this host: UTC only); the TimeSpan form (`hh:mm:ss`, App
  Service plan only) is not served, the function is reported unsupported;
- each invocation gets `TimerInfo` whose `ScheduleStatus` is the status before it (`Last` = the previous
  invocation, `Next` = this occurrence); afterwards `Last` = the invocation time (moved forward to `Next` when the
  timer fired early), `Next` = the occurrence after it, stored (`useMonitor`, default on);
- at start, when the stored `Next` has passed (`CheckPastDueAsync`), the function runs once at once with
  `IsPastDue = true`, then the regular schedule resumes: missed occurrences are not run one by one;
- `runOnStartup` runs it once at start (when not past due).
Occurrences are computed and awaited on the host's scaled clock (`devhost/clock.py`): at `--time-scale 600` a
5-minute schedule fires every half second of wall time, and the times the function sees are service times.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any

from azure.functions.timer import TimerRequest

from devhost.binding import client_binding
from devhost.clock import ScaledClock
from devhost.config import HostConfig
from devhost.http_triggers import invoke
from devhost.ncrontab import next_occurrence
from devhost.registry import TimerFunction
from devhost.store import Store

log = logging.getLogger("devhost.timers")
META_PREFIX = "timer."


def _iso(value: datetime) -> str:
    return value.isoformat()


class TimerListener:
    """One asyncio task per timer function, for the application's lifespan."""

    def __init__(self, functions: list[TimerFunction], clock: ScaledClock, store: Store, config: HostConfig):
        self.functions, self.clock, self.store, self.config = functions, clock, store, config
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._run(f), name=f"timer:{f.name}") for f in self.functions]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _status(self, function: TimerFunction) -> dict[str, str]:
        return self.store.meta(f"{META_PREFIX}{function.name}.") if function.use_monitor else {}

    def _save(self, function: TimerFunction, status: dict[str, str]) -> None:
        if function.use_monitor:
            self.store.set_meta(f"{META_PREFIX}{function.name}.", status)

    async def _run(self, function: TimerFunction) -> None:
        now = self.clock.now()
        status = self._status(function) or {"Last": "", "Next": _iso(next_occurrence(function.schedule, now)),
                                            "LastUpdated": ""}
        if datetime.fromisoformat(status["Next"]) < now:
            log.info("timer.past_due", extra={"function": function.name, "missed": status["Next"]})
            status = await self._invoke(function, status, now, past_due=True)
        elif function.run_on_startup:
            status = await self._invoke(function, status, now, past_due=False)
        while True:
            due = datetime.fromisoformat(status["Next"])
            await asyncio.sleep(self.clock.wall_seconds_until(due.timestamp()))
            status = await self._invoke(function, status, self.clock.now(), past_due=False)

    async def _invoke(self, function: TimerFunction, status: dict[str, str], now: datetime,
                      past_due: bool) -> dict[str, str]:
        shown = {k: v for k, v in status.items() if v} if function.use_monitor else None
        values: dict[str, Any] = {function.arg_name: TimerRequest(past_due=past_due, schedule_status=shown,
                                                                  schedule={"AdjustForDST": True})}
        if function.client_arg:
            values[function.client_arg] = client_binding(self.config)
        try:
            await invoke(function.func, values, function.name)
            log.info("timer.invoked", extra={"function": function.name, "past_due": past_due})
        except Exception:  # as the listener: a failed invocation is logged and the schedule goes on
            log.exception("timer.function_failed", extra={"function": function.name})
        scheduled = datetime.fromisoformat(status["Next"])
        invoked = scheduled if not past_due and scheduled > now else now
        updated = {"Last": _iso(invoked), "Next": _iso(next_occurrence(function.schedule, invoked)),
                   "LastUpdated": _iso(invoked)}
        self._save(function, updated)
        return updated
