"""`wait_for_restore_job`: polls one restore job on durable timers until it ends, with bounded history.

Each next poll is chosen by `orchestrators/job_polling.py` (adaptive or fixed, `JOB_POLL_MODE`) from the readings
so far, which are carried across `continue_as_new`; the custom status says when (`nextPollAt`) and why (`basis`).

A plan's restore (`shared`) does not read its job on a timer: the plan lists the vault's jobs once per interval for
all its restores there (`poll_vault_jobs`) and raises `jobEnded` here when this job has ended; only then (or when no
word came within `SHARED_WAIT_FALLBACK_SECONDS`, in case a word was lost) is the job read, for the details
the list leaves out. A cancel switches back to reading the job every fixed interval (the restore cancels it in Azure).

Runs as the sub-orchestration `{parent}:job`. Every `POLLS_PER_EPISODE` polls it continues as new, so its
history stays small however long the job runs. It publishes the job's progress in its own custom status and
returns `WaitJobResult` (`{value: JobInfo, error: null}` or `{value: last JobInfo?, error: ErrorInfo}`).
"""

from __future__ import annotations

from datetime import timedelta

import azure.durable_functions as df

from azbackup.errors import ErrorInfo
from orchestrators import waits
from orchestrators.job_polling import PollPlan, observe, plan_next_poll
from orchestrators.policy import (
    CRR_JOB_APPEAR_SECONDS,
    JOB_WAIT_STOPPED,
    POLLS_PER_EPISODE,
    SHARED_WAIT_FALLBACK_SECONDS,
    timer_seconds,
)
from restore.contract import JOB_ENDED_EVENT, Activity, JobCustomStatus, PollBasis
from restore.payloads import JobInput, WaitJobInput, WaitJobResult
from restore.values import JobInfo


def _publish(ctx: df.DurableOrchestrationContext, order: WaitJobInput, job: JobInfo | None, polls: int,
             plan: PollPlan | None) -> None:
    status = JobCustomStatus(job_id=order.job_id, status=job.status if job else None,
                             progress=job.progress if job else None, polls=polls,
                             next_poll_at=ctx.current_utc_datetime + timedelta(seconds=plan.seconds) if plan else None,
                             basis=plan.basis if plan else None, expected_end_at=plan.expected_end if plan else None,
                             updated_at=ctx.current_utc_datetime)
    ctx.set_custom_status(status.dump())


def _not_there_yet(ctx: df.DurableOrchestrationContext, order: WaitJobInput, last: JobInfo | None,
                   error: ErrorInfo) -> bool:
    """A 404 for a cross-region job never seen yet, within `CRR_JOB_APPEAR_SECONDS` of the first one."""
    if not order.cross_region or last is not None or error.status != 404:
        return False
    since = order.missing_since or ctx.current_utc_datetime
    return bool(ctx.current_utc_datetime - since < timedelta(seconds=CRR_JOB_APPEAR_SECONDS))


def _word_or_timeout(ctx: df.DurableOrchestrationContext, seconds: int,
                     cancel: waits.CancelWatch | None) -> waits.Steps:
    """Wait for the plan's `jobEnded`, at most `seconds`; True if a cancel came first (Stop for a CRR job)."""
    word = ctx.wait_for_external_event(JOB_ENDED_EVENT, expected_type=object)  # a fresh wait: the newest gets it
    timer = ctx.create_timer(ctx.current_utc_datetime + timedelta(seconds=timer_seconds(seconds)))
    race = [word, timer] + ([cancel.fresh_wait()] if cancel is not None else [])
    winner = yield ctx.task_any(race)
    if winner is not timer and not timer.is_completed:
        timer.cancel()
    return winner is not word and winner is not timer


def run_job_wait(ctx: df.DurableOrchestrationContext) -> waits.Steps:
    """One episode: up to `POLLS_PER_EPISODE` polls, then `continue_as_new` with the count carried over.

    The API raises `cancel` here too when it cancels the restore (triggers/http_api.py `cancel_restore`). A
    cross-region job cannot be cancelled in Azure, so there the cancel stops this wait; otherwise the next read comes
    at once, not after a long adaptive wait, and then every fixed interval until the job has ended (the parent cancels
    it in Azure).
    """
    order = WaitJobInput.model_validate(ctx.get_input(expected_type=dict))
    settings, polls, last, seen, cancelled = order.settings, order.polls, order.last, order.seen, order.cancel_requested
    cancel = None if cancelled else waits.CancelWatch(ctx)
    payload = JobInput(item=order.item, job_id=order.job_id, cross_region=order.cross_region).dump()
    try:
        for _ in range(POLLS_PER_EPISODE):
            if ctx.current_utc_datetime >= order.deadline:
                error = ErrorInfo(code="RestoreTimedOut", message=f"restore job {order.job_id} did not finish in time")
                return WaitJobResult(value=last, error=error).dump()
            if order.shared and not cancelled:
                _publish(ctx, order, last, polls, PollPlan(SHARED_WAIT_FALLBACK_SECONDS, PollBasis.SHARED))
                if (yield from _word_or_timeout(ctx, SHARED_WAIT_FALLBACK_SECONDS, cancel)):
                    if order.cross_region:
                        raise waits.Stop(cancelled=True)
                    cancelled, cancel = True, None
            result = yield from waits.call(ctx, Activity.GET_RESTORE_JOB, payload, settings,
                                           cancel if order.cross_region else None)
            polls += 1
            if result.error is not None and _not_there_yet(ctx, order, last, result.error):
                order = order.model_copy(update={"missing_since": order.missing_since or ctx.current_utc_datetime})
                plan = PollPlan(timer_seconds(settings.job_poll_interval), PollBasis.NOT_LISTED_YET)
            elif result.error is not None:
                return WaitJobResult(value=last, error=result.error).dump()
            else:
                last = JobInfo.model_validate(result.value)
                if last.is_terminal:
                    _publish(ctx, order, last, polls, None)
                    return WaitJobResult(value=last).dump()
                seen = observe(seen, last, ctx.current_utc_datetime)
                if order.shared and not cancelled:
                    continue  # not ended after all (the word was early, or no word came): wait for the next
                plan = plan_next_poll(seen, last, settings, cancelling=cancelled)
            _publish(ctx, order, last, polls, plan)
            try:
                yield from waits.sleep(ctx, plan.seconds, cancel)
            except waits.Stop:
                if order.cross_region:
                    raise
                cancelled, cancel = True, None
    except waits.Stop:
        error = ErrorInfo(code=JOB_WAIT_STOPPED, message="a cancel stopped the wait for the cross-region job")
        return WaitJobResult(value=last, error=error).dump()
    # Last action of the episode: later actions would be dropped (DURABLE-NOTES §3). A `cancel` raised while it
    # continues as new is dropped (Python has no preserveUnprocessedEvents); the job's `Cancelling` status still
    # switches the poller to the fixed interval at its next read.
    update = {"polls": polls, "last": last, "seen": seen, "cancel_requested": cancelled}
    ctx.continue_as_new(order.model_copy(update=update).dump())
    return None
