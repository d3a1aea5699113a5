"""Tell the outside world that a restore waits for a person: the caller's `callbackUrl` and an Event Grid event.

Both are best effort: a failure is logged and the restore keeps waiting (the approval is still in its status). The
event's ID comes from `context.new_uuid()` (replay-safe), so a retried publish sends the same event and a consumer
can drop the duplicate by `id` (Event Grid itself delivers at least once). No token is passed or returned here: the
`publish_event` activity gets its own.
"""

from __future__ import annotations

import logging

from orchestrators import waits
from orchestrators.run import RestoreRun
from restore.contract import Activity, ApprovalStatus
from restore.payloads import EventKind, PublishEventInput

log = logging.getLogger(__name__)
ATTEMPTS = 3


def announce_approval(run: RestoreRun, state: ApprovalStatus) -> waits.Steps:
    """The callback gets `{id, status: "awaitingApproval", approval}`; the topic gets an `approvalPending` event."""
    body = {"id": run.ctx.instance_id, "status": "awaitingApproval", "approval": state.dump()}
    url = run.request.callback_url
    if url:
        yield from _best_effort(run, Activity.NOTIFY_CALLBACK, {"url": url, "body": body})
    if run.settings.events_enabled:
        event = PublishEventInput(id=str(run.ctx.new_uuid()), kind=EventKind.APPROVAL_PENDING,
                                  restore_id=run.ctx.instance_id, time=run.now, data={"approval": state.dump()})
        yield from _best_effort(run, Activity.PUBLISH_EVENT, event.model_dump(mode="json", by_alias=True))


def _best_effort(run: RestoreRun, activity: Activity, payload: dict[str, object]) -> waits.Steps:
    result = yield from waits.call(run.ctx, activity, payload, run.settings, run.cancel, attempts=ATTEMPTS)
    if result.error is not None and not run.ctx.is_replaying:
        log.warning("restore.approval.announce_failed", extra={"instance_id": run.ctx.instance_id,
                                                               "activity": activity.value, "code": result.error.code})
