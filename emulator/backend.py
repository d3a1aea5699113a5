"""The backend: all emulator state and the service rules; raises emulator errors, knows nothing of HTTP."""

from __future__ import annotations

import logging
from typing import Any

from emulator import ids
from emulator.clock import Clock
from emulator.crr import CrrMixin
from emulator.demo_seed import demo_seed
from emulator.exceptions import NotFound, resource_not_found
from emulator.inventory import inventory
from emulator.lifecycle import Job, Operation
from emulator.resources import ProtectedItem, RecoveryPoint, Vault
from emulator.restores import RestoreMixin
from emulator.scenario import Scenario
from emulator.seed import load_seed
from emulator.tokens import TokenStore

log = logging.getLogger(__name__)


class Backend(RestoreMixin, CrrMixin):
    """State for every subscription the seed names, driven by one service clock."""

    def __init__(self, clock: Clock, seed: dict[str, Any] | None = None) -> None:
        self.clock = clock
        self.seed = seed if seed is not None else demo_seed()
        self.tokens = TokenStore()
        self.reset()

    def reset(self, clear_arm_tokens: bool = False) -> None:
        self.scenario = Scenario()
        self.world, seeded_jobs = load_seed(self.seed, self.clock.now())
        self.jobs: dict[str, Job] = {job.name.lower(): job for job in seeded_jobs}
        self.operations: dict[str, Operation] = {}
        self.tokens.clear_crr()
        if clear_arm_tokens:
            self.tokens.arm.clear()

    def add_seed(self, doc: dict[str, Any]) -> None:
        """Register more resources (same format as a seed file) without touching what exists."""
        _, jobs = load_seed(doc, self.clock.now(), self.world)
        self.jobs.update({job.name.lower(): job for job in jobs})

    def set_scenario(self, patch: dict[str, Any]) -> Scenario:
        self.scenario = self.scenario.merged(patch)
        return self.scenario

    def tick(self) -> None:
        """Apply every job transition that is due; completed restores create what they restored."""
        now = self.clock.now()
        for job in self.jobs.values():
            if job.advance(now):
                log.info("job.finished", extra={"job_id": job.name, "status": str(job.status)})
                self.on_job_finished(job)

    def inventory(self) -> dict[str, Any]:
        self.tick()
        return inventory(self.world, self.jobs.values())

    # lookups -------------------------------------------------------------------------------------------------

    def get_vault(self, subscription: str, resource_group: str, name: str) -> Vault:
        vault_id = ids.vault_id(subscription, resource_group, name)
        vault = self.world.vaults.get(ids.key(vault_id))
        if vault is None:
            raise NotFound("ResourceNotFound",
                           f"The Resource 'Microsoft.RecoveryServices/vaults/{name}' under resource group "
                           f"'{resource_group}' was not found.")
        return vault

    def get_item(self, vault: Vault, fabric: str, container: str, item_name: str) -> ProtectedItem:
        item = self.world.find_item(vault.id, container, item_name) if fabric.lower() == "azure" else None
        if item is None:
            raise NotFound("BMSUserErrorItemNotFound" if fabric.lower() == "azure" else "BMSUserErrorFabricNotFound",
                           f"Item not found: container '{container}', protected item '{item_name}'.")
        return item

    def get_point(self, item: ProtectedItem, name: str, crr: bool = False) -> RecoveryPoint:
        rp = item.points.get(name)
        if rp is None or (crr and not self.is_replicated(rp)):
            raise NotFound("BMSUserErrorRecoveryPointNotFound",
                           f"Recovery point '{name}' was not found for item '{item.item_name}'"
                           + (" in the secondary region." if crr else "."))
        return rp

    def is_replicated(self, rp: RecoveryPoint) -> bool:
        return rp.in_secondary(self.clock.now(), self.scenario.replication_lag_seconds)

    def get_job(self, name: str, vault: Vault | None = None, region: str | None = None) -> Job:
        job = self.jobs.get(name.lower())
        in_scope = job is not None and (
            (vault is not None and job.vault_id is not None and ids.key(job.vault_id) == ids.key(vault.id))
            or (region is not None and job.region is not None and job.region.lower() == region.lower()))
        if job is None or not in_scope:
            raise resource_not_found("job", name)
        return job

    def get_operation(self, op_id: str, kind: str | set[str]) -> Operation:
        kinds = {kind} if isinstance(kind, str) else kind
        op = self.operations.get(op_id.lower())
        if op is None or op.kind not in kinds:
            raise NotFound("BMSUserErrorOperationNotFound", f"Operation '{op_id}' was not found.")
        return op

    def backup_status(self, region: str, resource_id: str) -> dict[str, Any]:
        item = self.world.item_for_vm(resource_id)
        if item is None:
            return {"protectionStatus": "NotProtected", "errorCode": "Success", "errorMessage": "",
                    "registrationStatus": "NotRegistered", "acquireStorageAccountLock": "NotAcquire",
                    "protectedItemsCount": 0}
        vault = self.world.vaults[ids.key(item.vault_id)]
        return {"protectionStatus": "Protected", "vaultId": vault.id, "fabricName": "Azure",
                "containerName": f"iaasvmcontainer;iaasvmcontainerv2;{item.vm_resource_group};{item.vm_name}",
                "protectedItemName": f"vm;iaasvmcontainerv2;{item.vm_resource_group};{item.vm_name}",
                "policyName": item.policy_name,
                "errorCode": "Success", "errorMessage": "", "registrationStatus": "Registered",
                "protectedItemsCount": 1, "acquireStorageAccountLock": "NotAcquire"}
