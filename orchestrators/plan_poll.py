"""The plan's shared job polling: every `JOB_POLL_INTERVAL_SECONDS`, one `poll_vault_jobs` per vault in use.

A plan's restores (`restore_vm` with source `plan`) do not read their own jobs on timers (`wait_for_restore_job`
with `shared`): while restores run, the plan reads each vault's restore jobs once per interval and the activity
raises `jobEnded` on the waits whose job the list shows ended. So the job reads that reach Azure grow with the
vaults a plan uses, not with its restores (docs/architecture.md, "Shared job polling").
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from azbackup.errors import ErrorInfo
from orchestrators import waits
from orchestrators.plan_run import PlanRun
from orchestrators.plan_throttle import LIST_PAGE_JOBS, subscription_of
from orchestrators.policy import is_throttled
from restore.contract import Activity
from restore.payloads import VaultPollInput, VaultPollValue
from restore.plan_entries import PlanEntry
from restore.values import ActivityResult

log = logging.getLogger(__name__)


def vault_polls(run: PlanRun, running: Sequence[PlanEntry]) -> list[VaultPollInput]:
    """One poll per (vault, primary or secondary region) of the running restores, in first-seen order."""
    found: dict[tuple[str, bool, str], tuple[str, list[str]]] = {}
    for entry in running:
        vault = run.vaults.get(entry.index)
        if not vault:
            continue
        crr = bool((run.requests.get(entry.index) or {}).get("crossRegion"))
        region = run.regions.get(entry.index, "") if crr else ""
        found.setdefault((vault.lower(), crr, region.lower()), (vault, []))[1].append(run.restore_id(entry))
    return [VaultPollInput(vault_id=vault, cross_region=crr, region=region or None, restore_ids=restore_ids,
                           since=run.started_at, until=run.now)
            for (_, crr, region), (vault, restore_ids) in found.items()]


def poll_vaults(run: PlanRun, running: Sequence[PlanEntry]) -> waits.Steps:
    """Read every vault in use once; a failed read (throttled, say) waits for the next interval."""
    polls = []
    for poll in vault_polls(run, running):
        sub = subscription_of(poll.vault_id)
        if run.reads.wait_seconds(sub, 1, run.now) == 0:  # else this vault waits for the next interval
            run.reads.take(sub, 1, run.now)
            polls.append(poll)
    if not polls:
        return None
    tasks = [run.ctx.call_activity(Activity.POLL_VAULT_JOBS, p.dump(), expected_type=dict) for p in polls]
    try:
        results = yield run.ctx.task_all(tasks)
    except Exception as exc:  # an activity bug reaches us as a plain Exception (DURABLE-NOTES §11)
        results = [ActivityResult.fail(ErrorInfo(code="ActivityFailed", message=str(exc)[:500]))] * len(polls)
    run.vault_polls += len(polls)
    for poll, raw in zip(polls, results, strict=True):
        result = ActivityResult.model_validate(raw)
        sub = subscription_of(poll.vault_id)
        if result.value is not None:  # pages beyond the first
            run.reads.take(sub, VaultPollValue.model_validate(result.value).listed // LIST_PAGE_JOBS, run.now)
        if result.error is not None and is_throttled(result.error) and result.error.retry_after:
            run.reads.block(sub, result.error.retry_after, run.now)  # the whole subscription waits, not this poll
        if result.error is not None and not run.ctx.is_replaying:
            log.warning("plan.vault_poll_failed", extra={"instance_id": run.ctx.instance_id,
                                                         "vault_id": poll.vault_id, "code": result.error.code})
    return None
