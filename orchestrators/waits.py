"""Generator helpers for the orchestrations: activity calls with transient retries, durable sleeps, cancel races.

Use them with `yield from`. They only schedule tasks on the context; every wait is a durable timer.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from datetime import timedelta
from typing import Any

import azure.durable_functions as df

from azbackup.errors import ErrorInfo
from orchestrators.policy import MAX_TRANSIENT_ATTEMPTS, TRANSIENT_BUDGET_SECONDS, transient_delay
from restore.contract import Activity, Phase
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


def cancel_arrived(cancel: Any | None) -> bool:
    """Whether the `cancel` external event has been received."""
    return cancel is not None and bool(cancel.is_completed)


def race(ctx: df.DurableOrchestrationContext, task: Any, cancel: Any | None, stop_on_cancel: bool = True,
         on_cancel: Callable[[], None] | None = None) -> Steps:
    """Wait for `task` and return its result, racing the `cancel` event.

    With `stop_on_cancel`, a cancel that comes first raises `Stop(cancelled=True)`; without, it is only noted (the
    cancel task completes, see `cancel_arrived`; `on_cancel` runs) and the wait goes on. Racing also registers
    the cancel task early, so an event that arrives while nothing races it is still seen.
    """
    if cancel is None or cancel_arrived(cancel):
        if cancel is not None and stop_on_cancel:
            raise Stop(cancelled=True)
        return (yield task)
    winner = yield ctx.task_any([task, cancel])
    if winner is cancel and stop_on_cancel:
        if hasattr(task, "cancel") and not task.is_completed:
            task.cancel()  # a timer; activities cannot be cancelled
        raise Stop(cancelled=True)
    if winner is cancel and on_cancel is not None:
        on_cancel()
    return (yield task)  # completed: resumes at once with its value (or raises its error); or still waiting


def sleep(ctx: df.DurableOrchestrationContext, seconds: int, cancel: Any | None = None,
          stop_on_cancel: bool = True, on_cancel: Callable[[], None] | None = None) -> Steps:
    """A durable timer of `seconds`, raced against `cancel` like `race`."""
    timer = ctx.create_timer(ctx.current_utc_datetime + timedelta(seconds=seconds))
    yield from race(ctx, timer, cancel, stop_on_cancel, on_cancel)
    return None


def _activity_crash(name: Activity, exc: Exception) -> ErrorInfo:
    # The SDK flattens an activity's exception into "Reason \n Details"; keep it short, it is a bug report.
    return ErrorInfo(code="ActivityFailed", message=f"activity {name} raised: {str(exc)[:500]}")


def call(ctx: df.DurableOrchestrationContext, name: Activity, payload: dict[str, Any], settings: RestoreSettings,
         cancel: Any | None = None, stop_on_cancel: bool = True, attempts: int = MAX_TRANSIENT_ATTEMPTS,
         on_cancel: Callable[[], None] | None = None) -> Steps:
    """Call activity `name`; retry transient errors on durable timers (Retry-After is a floor); return the result.

    Raises:
        Stop: cancelled, with `stop_on_cancel`, when `cancel` arrives before the call (or a retry wait) ends.
    """
    result = ActivityResult()
    waited = 0  # only our own retry waits count: an activity may itself run long (azure-identity's retries)
    for attempt in range(1, attempts + 1):
        try:
            raw = yield from race(ctx, ctx.call_activity(name, payload, expected_type=dict), cancel, stop_on_cancel,
                                  on_cancel)
            result = ActivityResult.model_validate(raw)
        except Stop:
            raise
        except Exception as exc:  # an activity bug reaches us as a plain Exception (DURABLE-NOTES §11)
            return ActivityResult(error=_activity_crash(name, exc))
        if result.error is None or not result.error.transient or attempt == attempts:
            return result
        delay = transient_delay(result.error.retry_after, attempt, settings)
        waited += delay
        if waited > TRANSIENT_BUDGET_SECONDS:
            return result
        yield from sleep(ctx, delay, cancel, stop_on_cancel, on_cancel)
    return result
