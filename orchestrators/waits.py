"""Generator helpers for the orchestrations: activity calls with transient retries, durable sleeps, cancel races.

Use them with `yield from`. They only schedule tasks on the context; every wait is a durable timer.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from datetime import timedelta
from typing import Any

import azure.durable_functions as df

from azbackup.errors import ErrorInfo
from orchestrators.policy import (
    MAX_TRANSIENT_ATTEMPTS,
    TRANSIENT_BUDGET_SECONDS,
    is_throttled,
    throttle_delay,
    timer_seconds,
    transient_delay,
)
from restore.contract import CANCEL_EVENT, Activity, Phase
from restore.payloads import RestoreSettings, ValidationIssue
from restore.values import ActivityResult

Steps = Generator[Any, Any, Any]


class Stop(Exception):
    """Ends the runbook early: failed with `error`, or cancelled (internal control flow; never crosses an activity).

    `phase` is where the run stopped; None means the phase it was in (a cancel raised by a race here).
    """

    def __init__(self, phase: Phase | None = None, error: ErrorInfo | None = None, cancelled: bool = False,
                 validation: Sequence[ValidationIssue] = ()) -> None:
        super().__init__(error.code if error else "cancelled")
        self.phase = phase
        self.error = error
        self.cancelled = cancelled
        self.validation = list(validation)


class CancelWatch:
    """The `cancel` external event of one run, waited for afresh in every race.

    The extension awaits an episode's actions one after another (Azure/azure-functions-durable-extension
    `Listener/OutOfProcOrchestrationShim.cs`, `ProcessAsyncActionsV2`), and the SDK leaves an already-scheduled task
    out of a later `task_any` (`azure/durable_functions/models/Task.py`, `CompoundTask.__init__`): one wait reused
    in every race would be awaited only in the first, and a cancel during any later race would change nothing
    until that race ended by itself. So each race gets its own wait; the extension hands the event to the newest
    one (`ContextImplementations/DurableOrchestrationContext.cs`, `RaiseEvent`), the SDK too (`task_list.pop()`).
    Once a cancel has arrived no new wait starts: the SDK keeps an event that finds no waiter in `deferred_tasks`
    and completes every later wait for that name with it (`DurableOrchestrationContext._add_to_open_tasks`).
    """

    def __init__(self, ctx: df.DurableOrchestrationContext) -> None:
        self._ctx = ctx
        self._waits: list[Any] = []

    @property
    def arrived(self) -> bool:
        """Whether a `cancel` event has been received (by any of the waits, also one whose race is over)."""
        return any(wait.is_completed for wait in self._waits)

    @property
    def latest(self) -> Any:
        """The newest wait (the one a `cancel` goes to), or None before the first."""
        return self._waits[-1] if self._waits else None

    def fresh_wait(self) -> Any:
        """A new wait for `cancel`, to race once."""
        wait = self._ctx.wait_for_external_event(CANCEL_EVENT, expected_type=object)
        self._waits.append(wait)
        return wait


def race(ctx: df.DurableOrchestrationContext, task: Any, cancel: CancelWatch | None, stop_on_cancel: bool = True,
         on_cancel: Callable[[], None] | None = None) -> Steps:
    """Wait for `task` and return its result, racing a fresh wait for the `cancel` event.

    With `stop_on_cancel`, a cancel that comes first raises `Stop(cancelled=True)`; without, it is only noted (see
    `CancelWatch.arrived`; `on_cancel` runs) and the wait for `task` goes on.
    """
    if cancel is None or cancel.arrived:
        if cancel is not None and stop_on_cancel:
            raise Stop(cancelled=True)
        return (yield task)
    wait = cancel.fresh_wait()
    winner = yield ctx.task_any([task, wait])
    if winner is wait and stop_on_cancel:
        if hasattr(task, "cancel") and not task.is_completed:
            task.cancel()  # a timer; activities cannot be cancelled
        raise Stop(cancelled=True)
    if winner is wait and on_cancel is not None:
        on_cancel()
    return (yield task)  # completed: resumes at once with its value (or raises its error); or still waiting


def sleep(ctx: df.DurableOrchestrationContext, seconds: int, cancel: CancelWatch | None = None,
          stop_on_cancel: bool = True, on_cancel: Callable[[], None] | None = None) -> Steps:
    """A durable timer of `seconds`, raced against `cancel` like `race`."""
    timer = ctx.create_timer(ctx.current_utc_datetime + timedelta(seconds=timer_seconds(seconds)))
    yield from race(ctx, timer, cancel, stop_on_cancel, on_cancel)
    return None


def _activity_crash(name: Activity, exc: Exception) -> ErrorInfo:
    # The SDK flattens an activity's exception into "Reason \n Details"; keep it short, it is a bug report.
    return ErrorInfo(code="ActivityFailed", message=f"activity {name} raised: {str(exc)[:500]}")


def call(ctx: df.DurableOrchestrationContext, name: Activity, payload: dict[str, Any], settings: RestoreSettings,
         cancel: CancelWatch | None = None, stop_on_cancel: bool = True, attempts: int = MAX_TRANSIENT_ATTEMPTS,
         on_cancel: Callable[[], None] | None = None, throttle_counts: bool = False) -> Steps:
    """Call activity `name`; retry transient errors on durable timers (Retry-After is a floor); return the result.

    A throttled answer is retried while the retry waits fit in `TRANSIENT_BUDGET_SECONDS`; any other transient error
    at most `attempts` times in all (within the same budget). With `throttle_counts` (a call that is not to Azure),
    a throttled answer counts as one of the `attempts` like any other.

    Raises:
        Stop: cancelled, with `stop_on_cancel`, when `cancel` arrives before the call (or a retry wait) ends.
    """
    waited = 0  # only our own retry waits count: an activity may itself run long (azure-identity's retries)
    failures = 0  # transient failures other than throttling
    while True:
        try:
            raw = yield from race(ctx, ctx.call_activity(name, payload, expected_type=dict), cancel, stop_on_cancel,
                                  on_cancel)
            result = ActivityResult.model_validate(raw)
        except Stop:
            raise
        except Exception as exc:  # an activity bug reaches us as a plain Exception (DURABLE-NOTES §11)
            return ActivityResult(error=_activity_crash(name, exc))
        error = result.error
        if error is None or not error.transient:
            return result
        if is_throttled(error) and not throttle_counts:
            delay = throttle_delay(error.retry_after, settings)
        else:
            failures += 1
            if failures >= attempts:
                return result
            delay = transient_delay(error.retry_after, failures, settings)
        waited += delay
        if waited > TRANSIENT_BUDGET_SECONDS:
            return result
        yield from sleep(ctx, delay, cancel, stop_on_cancel, on_cancel)
