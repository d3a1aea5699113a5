"""Tell the outside world that a restore or a plan waits for a person: the caller's `callbackUrl` and an Event Grid
event (a plan has no `callbackUrl`: only the event).

Both are best effort: a failure is logged and the restore keeps waiting (the approval is still in its status). The
event's ID comes from `context.new_uuid()` (replay-safe), so a retried publish sends the same event and a consumer
can drop the duplicate by `id` (Event Grid itself delivers at least once). No token is passed or returned here: the
`publish_event` activity gets its own.
"""

from __future__ import annotations

import logging
from typing import Any

import azure.durable_functions as df

from orchestrators import waits
from orchestrators.plan_run import PlanRun
from orchestrators.run import RestoreRun
from restore.contract import Activity, ApprovalStatus
from restore.payloads import EventKind, PublishEventInput, RestoreSettings
from restore.plan_status import PlanApprovalStatus

log = logging.getLogger(__name__)
ATTEMPTS = 3


def announce_approval(run: RestoreRun, state: ApprovalStatus) -> waits.Steps:
    """The callback gets `{id, status: "awaitingApproval", approval}`; the topic gets an `approvalPending` event."""
    body = {"id": run.ctx.instance_id, "status": "awaitingApproval", "approval": state.dump()}
    url = run.request.callback_url
    if url:
        yield from _best_effort(run.ctx, run.settings, run.cancel, Activity.NOTIFY_CALLBACK, {"url": url, "body": body})
    yield from _event(run.ctx, run.settings, run.cancel, state.dump())


def announce_plan_approval(run: PlanRun, state: PlanApprovalStatus) -> waits.Steps:
    """The topic gets an `approvalPending` event for the plan (the activity adds the plan's approve/reject URLs)."""
    yield from _event(run.ctx, run.settings, run.cancel, state.dump())


def _event(ctx: df.DurableOrchestrationContext, settings: RestoreSettings, cancel: waits.CancelWatch,
           approval: dict[str, Any]) -> waits.Steps:
    if settings.events_enabled:
        event = PublishEventInput(id=str(ctx.new_uuid()), kind=EventKind.APPROVAL_PENDING,
                                  instance_id=ctx.instance_id, time=ctx.current_utc_datetime,
                                  data={"approval": approval})
        yield from _best_effort(ctx, settings, cancel, Activity.PUBLISH_EVENT,
                                event.model_dump(mode="json", by_alias=True))


def _best_effort(ctx: df.DurableOrchestrationContext, settings: RestoreSettings, cancel: waits.CancelWatch,
                 activity: Activity, payload: dict[str, object]) -> waits.Steps:
    result = yield from waits.call(ctx, activity, payload, settings, cancel, attempts=ATTEMPTS)
    if result.error is not None and not ctx.is_replaying:
        log.warning("restore.approval.announce_failed", extra={"instance_id": ctx.instance_id,
                                                               "activity": activity.value, "code": result.error.code})
