"""`poll_vault_jobs`: one jobs-list read per vault for all of a plan's restores waiting there (shared polling).

A plan's restores do not read their own jobs on a timer. The plan calls this activity for each vault it has restores
running in, once per `JOB_POLL_INTERVAL_SECONDS`: it asks each restore's job wait (`{restore}:job`, through the
durable client) which job it waits for, lists the vault's restore jobs once (`BackupJobs_List` with the restore
`$filter`, every `nextLink` page), and raises `jobEnded` on each wait whose job the list shows ended. The wait then
reads its job once, for the details the list leaves out (the property bag the result needs).

An activity may hold a durable client ("client functions" are any functions with the `durableClient` input binding:
Learn durable-functions-bindings#orchestration-client); orchestrators cannot raise events on other instances.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime
from typing import Any

from activities.jobs import CLOCK_SKEW, restore_jobs_filter
from azbackup.client import BackupClient
from azbackup.models_job import Job, JobStatus
from restore.contract import JOB_ENDED_EVENT
from restore.instance_ids import job_instance_id
from restore.payloads import JobEnded, VaultPollInput, VaultPollValue

log = logging.getLogger(__name__)
# The OData time of BackupJobs_List `$filter` as the REST examples write it ("startTime eq '2016-01-01 00:00:00 AM'",
# azure-rest-api-specs recoveryservicesbackup examples ListJobsWithStartTimeAndEndTimeFilters.json).
FILTER_TIME = "%Y-%m-%d %I:%M:%S %p"


def jobs_filter(inp: VaultPollInput) -> str:
    """The restore `$filter` bounded by the plan's window (startTime/endTime bound a job's start), widened by the
    clock skew between the service and us."""
    return (f"{restore_jobs_filter(inp.cross_region)} and startTime eq '{_odata_time(inp.since - CLOCK_SKEW)}' "
            f"and endTime eq '{_odata_time(inp.until + CLOCK_SKEW)}'")


def _odata_time(value: datetime) -> str:
    return value.strftime(FILTER_TIME)


def list_restore_jobs(client: BackupClient, inp: VaultPollInput) -> list[Job]:
    """The vault's restore jobs in the window: the secondary region's list for cross-region restores."""
    if inp.cross_region:
        return client.list_crr_jobs(inp.region or "", inp.vault_id, jobs_filter(inp)) if inp.region else []
    return client.list_jobs(inp.vault_id, jobs_filter(inp))


def ended_jobs(jobs: list[Job]) -> dict[str, str]:
    """Job ID (lowercase) → status, for the listed jobs that have ended."""
    ended: dict[str, str] = {}
    for job in jobs:
        status = job.properties.status
        if job.job_id and isinstance(status, JobStatus) and status.is_terminal:
            ended[job.job_id.lower()] = status.value
    return ended


async def _waited_job(client: Any, restore_id: str) -> str | None:
    """The job the restore's job wait is waiting for (its custom status), or None when it is not waiting."""
    status = await client.get_status(job_instance_id(restore_id))
    if not status or getattr(status.runtime_status, "value", status.runtime_status) != "Running":
        return None
    custom = status.custom_status
    if isinstance(custom, str):
        try:
            custom = json.loads(custom)
        except ValueError:
            return None
    job_id = custom.get("jobId") if isinstance(custom, dict) else None
    return str(job_id) if job_id else None


async def poll_vault(durable: Any, client: BackupClient, inp: VaultPollInput) -> VaultPollValue:
    """Read the vault's jobs once (only if some restore waits) and tell each waiting restore whose job ended."""
    waited = await asyncio.gather(*(_waited_job(durable, rid) for rid in inp.restore_ids))
    waiting = {job_id.lower(): rid for rid, job_id in zip(inp.restore_ids, waited, strict=True) if job_id}
    if not waiting:
        return VaultPollValue()
    jobs = await asyncio.to_thread(list_restore_jobs, client, inp)
    ended = ended_jobs(jobs)
    told: list[str] = []
    for job_id, rid in waiting.items():
        if job_id in ended:
            payload = JobEnded(job_id=job_id, status=ended[job_id]).dump()
            try:
                await durable.raise_event(job_instance_id(rid), JOB_ENDED_EVENT, payload)
            except Exception:  # the SDK raises a plain Exception for 404/410: the wait ended meanwhile (by itself)
                log.info("plan.wait_gone", extra={"instance_id": job_instance_id(rid)})
                continue
            told.append(rid)
    log.info("plan.vault_polled", extra={"vault_id": inp.vault_id, "waiting": len(waiting), "listed": len(jobs),
                                          "ended": len(told)})
    return VaultPollValue(waiting=len(waiting), listed=len(jobs), ended=told)
