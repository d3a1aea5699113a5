"""`wait_for_restore_job`: polls one restore job on durable timers until it ends, with bounded history.

Runs as the sub-orchestration `{parent}:job`. Every `POLLS_PER_EPISODE` polls it continues as new, so its
history stays small however long the job runs. It publishes the job's progress in its own custom status and
returns `WaitJobResult` (`{value: JobInfo, error: null}` or `{value: last JobInfo?, error: ErrorInfo}`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import azure.durable_functions as df

from azbackup.errors import ErrorInfo
from orchestrators import waits
from orchestrators.policy import CRR_JOB_APPEAR_SECONDS, JOB_WAIT_STOPPED, POLLS_PER_EPISODE
from restore.contract import Activity, JobCustomStatus
from restore.payloads import JobInput, WaitJobInput, WaitJobResult
from restore.values import JobInfo


def _publish(ctx: df.DurableOrchestrationContext, order: WaitJobInput, job: JobInfo | None, polls: int,
             next_poll_at: datetime | None) -> None:
    status = JobCustomStatus(job_id=order.job_id, status=job.status if job else None,
                             progress=job.progress if job else None, polls=polls, next_poll_at=next_poll_at,
                             updated_at=ctx.current_utc_datetime)
    ctx.set_custom_status(status.dump())


def _not_there_yet(ctx: df.DurableOrchestrationContext, order: WaitJobInput, last: JobInfo | None,
                   error: ErrorInfo) -> bool:
    """A 404 for a cross-region job never seen yet, within `CRR_JOB_APPEAR_SECONDS` of the first one."""
    if not order.cross_region or last is not None or error.status != 404:
        return False
    since = order.missing_since or ctx.current_utc_datetime
    return bool(ctx.current_utc_datetime - since < timedelta(seconds=CRR_JOB_APPEAR_SECONDS))


def run_job_wait(ctx: df.DurableOrchestrationContext) -> waits.Steps:
    """One episode: up to `POLLS_PER_EPISODE` polls, then `continue_as_new` with the count carried over."""
    order = WaitJobInput.model_validate(ctx.get_input(expected_type=dict))
    polls, last = order.polls, order.last
    payload = JobInput(item=order.item, job_id=order.job_id, cross_region=order.cross_region).dump()
    # A cross-region job cannot be cancelled in Azure, so a cancel of the restore stops this wait instead: the front
    # door sends `cancel` here as well (triggers/http_api.py `cancel_restore`).
    cancel = waits.CancelWatch(ctx) if order.cross_region else None
    try:
        return (yield from _episode(ctx, order, polls, last, payload, cancel))
    except waits.Stop:
        error = ErrorInfo(code=JOB_WAIT_STOPPED, message="a cancel stopped the wait for the cross-region job")
        return WaitJobResult(value=order.last, error=error).dump()


def _episode(ctx: df.DurableOrchestrationContext, order: WaitJobInput, polls: int, last: JobInfo | None,
             payload: dict[str, Any], cancel: waits.CancelWatch | None) -> waits.Steps:
    settings = order.settings
    for _ in range(POLLS_PER_EPISODE):
        if ctx.current_utc_datetime >= order.deadline:
            error = ErrorInfo(code="RestoreTimedOut", message=f"restore job {order.job_id} did not finish in time")
            return WaitJobResult(value=last, error=error).dump()
        result = yield from waits.call(ctx, Activity.GET_RESTORE_JOB, payload, settings, cancel)
        polls += 1
        if result.error is not None and _not_there_yet(ctx, order, last, result.error):
            order = order.model_copy(update={"missing_since": order.missing_since or ctx.current_utc_datetime})
            _publish(ctx, order, last, polls, ctx.current_utc_datetime + timedelta(seconds=settings.job_poll_interval))
            yield from waits.sleep(ctx, settings.job_poll_interval, cancel)
            continue
        if result.error is not None:
            return WaitJobResult(value=last, error=result.error).dump()
        last = JobInfo.model_validate(result.value)
        if last.is_terminal:
            _publish(ctx, order, last, polls, None)
            return WaitJobResult(value=last).dump()
        _publish(ctx, order, last, polls, ctx.current_utc_datetime + timedelta(seconds=settings.job_poll_interval))
        yield from waits.sleep(ctx, settings.job_poll_interval, cancel)
    # Last action of the episode: later actions would be dropped (DURABLE-NOTES §3).
    ctx.continue_as_new(order.model_copy(update={"polls": polls, "last": last}).dump())
    return None
