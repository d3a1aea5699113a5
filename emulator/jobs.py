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
                    apply_restore(self.state.world, job, self.state.scenario)

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
        """CRR jobs in `region` of the vault `resource_id`, newest first. Raises: BadRequest (`check_crr_resource`)."""
        self.tick()
        vault_key = check_crr_resource(resource_id)
        query = query or JobQuery()
        return _newest_first(
            job for job in self.state.jobs.values()
            if job.region and job.region.lower() == region.lower() and query.matches(job)
            and ids.key(self.lookups.vault_of_job(job)) == vault_key)

    def crr_job(self, region: str, name: str, resource_id: str | None) -> Job:
        """Raises: BadRequest (`check_crr_resource`, or a job of another vault); NotFound for an unknown job."""
        self.tick()
        vault_key = check_crr_resource(resource_id)
        job = self.lookups.job(name, region=region)
        if ids.key(self.lookups.vault_of_job(job)) != vault_key:
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


def check_crr_resource(resource_id: str | None) -> str:
    """`CrrJobRequest.resourceId` must be the vault's ID; returns its key. Raises: BadRequest otherwise.

    The CRR swagger only says "Entire ARM resource id of the resource" (RecoveryServicesBackupCrr/stable/2023-01-15/
    bms.json, `CrrJobRequest`) and its examples put a VM ID there, but both official tools send the vault's ID: az CLI
    `CrrJobRequest(resource_id=vault.id, ...)` in `list_jobs`, `show_job` and `wait_for_job`
    (src/azure-cli/azure/cli/command_modules/backup/custom.py) and Az PowerShell `Get-AzRecoveryServicesBackupJobDetail
    -UseSecondaryRegion` (src/RecoveryServices/RecoveryServices.Backup/Cmdlets/Jobs/
    GetAzureRmRecoveryServicesBackupJobDetails.cs: `jobRequest.ResourceId = VaultId`). As strict as the tools: a VM ID
    or none is refused (the code and text are the emulator's).
    """
    if not resource_id or not ids.is_vault_id(resource_id):
        raise BadRequest("BMSUserErrorInvalidInput",
                         f"resourceId must be the ARM ID of the Recovery Services vault, not '{resource_id or ''}'.")
    return ids.key(resource_id)


def _newest_first(jobs: Iterable[Job]) -> list[Job]:
    return sorted(jobs, key=lambda j: j.start, reverse=True)
