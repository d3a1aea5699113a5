"""Job rules: transitions due on the service clock, what completed restores create, listing, cancel."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable

from emulator import ids
from emulator.clock import Clock
from emulator.exceptions import BadRequest
from emulator.filters import JobQuery
from emulator.lifecycle import Job, JobStatus, Operation
from emulator.lookups import Lookups
from emulator.resources import Vault
from emulator.restore_effects import apply_restore
from emulator.state import ServiceState

log = logging.getLogger(__name__)


class JobRules:
    def __init__(self, state: ServiceState, clock: Clock, lookups: Lookups) -> None:
        self.state = state
        self.clock = clock
        self.lookups = lookups

    def tick(self) -> None:
        """Apply every job transition that is due; completed restores create what they restored."""
        now = self.clock.now()
        for job in self.state.jobs.values():
            if job.advance(now):
                log.info("job.finished", extra={"job_id": job.name, "status": str(job.status)})
                if job.restore and job.status in (JobStatus.COMPLETED, JobStatus.COMPLETED_WITH_WARNINGS):
                    apply_restore(self.state.world, job)

    def all(self) -> list[Job]:
        self.tick()
        return sorted(self.state.jobs.values(), key=lambda j: j.start)

    def get(self, name: str, vault: Vault) -> Job:
        """Raises: NotFound for a job of another vault or none."""
        self.tick()
        return self.lookups.job(name, vault=vault)

    def of_vault(self, vault: Vault, query: JobQuery) -> list[Job]:
        """The vault's (primary-region) jobs that match `query`, newest first."""
        self.tick()
        return _newest_first(j for j in self.state.jobs.values()
                             if j.vault_id and ids.key(j.vault_id) == ids.key(vault.id) and query.matches(j))

    def crr_jobs(self, region: str, resource_id: str, query: JobQuery | None = None) -> list[Job]:
        """CRR jobs in `region` of the VM or vault `resource_id` (all of the region's when empty), newest first."""
        self.tick()
        wanted = ids.key(resource_id or "")
        query = query or JobQuery()
        return _newest_first(
            job for job in self.state.jobs.values()
            if job.region and job.region.lower() == region.lower() and query.matches(job)
            and (not wanted or wanted in (ids.key(job.vm_id or ""), ids.key(self.lookups.vault_of_job(job)))))

    def crr_job(self, region: str, name: str, resource_id: str | None) -> Job:
        """Raises: NotFound for an unknown job; BadRequest when `resource_id` names neither its VM nor its vault."""
        self.tick()
        job = self.lookups.job(name, region=region)
        if resource_id and resource_id.lower() not in ((job.vm_id or "").lower(),
                                                       self.lookups.vault_of_job(job).lower()):
            raise BadRequest("BMSUserErrorInvalidInput", "The job does not belong to the given resourceId.")
        return job

    def cancel(self, vault: Vault, job_name: str) -> Operation:
        """Raises: NotFound; BadRequest (BMSUserErrorJobNotCancellable) for a job that is not running."""
        job = self.get(job_name, vault)
        if not job.is_cancellable:
            raise BadRequest("BMSUserErrorJobNotCancellable",
                             f"The job '{job.name}' is in status '{job.status}' and cannot be cancelled.")
        now, scenario = self.clock.now(), self.state.scenario
        job.request_cancel(now, scenario.cancel_seconds)
        assert job.cancel_done_at is not None
        op = Operation(str(uuid.uuid4()), "cancel", now, job.cancel_done_at, job_name=job.name,
                       retry_after=scenario.retry_after_seconds)
        self.state.add_operation(op)
        return op


def _newest_first(jobs: Iterable[Job]) -> list[Job]:
    return sorted(jobs, key=lambda j: j.start, reverse=True)
