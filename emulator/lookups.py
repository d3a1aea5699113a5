"""Finding what a request names: vaults, items, recovery points, jobs, operations, VMs (404s as the service words
them), and the secondary-region view of recovery points."""

from __future__ import annotations

from datetime import datetime

from emulator import ids
from emulator.clock import Clock
from emulator.exceptions import NotFound, resource_not_found
from emulator.lifecycle import Job, Operation
from emulator.resources import ProtectedItem, RecoveryPoint, Vault, VirtualMachine, World
from emulator.state import ServiceState


class Lookups:
    def __init__(self, state: ServiceState, clock: Clock) -> None:
        self.state = state
        self.clock = clock

    def world(self) -> World:
        """Every resource (the admin inventory lists them all)."""
        return self.state.world

    def vault(self, subscription: str, resource_group: str, name: str) -> Vault:
        """Raises: NotFound (ResourceNotFound) for a vault the subscription does not have."""
        vault = self.find_vault(subscription, resource_group, name)
        if vault is None:
            raise NotFound("ResourceNotFound",
                           f"The Resource 'Microsoft.RecoveryServices/vaults/{name}' under resource group "
                           f"'{resource_group}' was not found.")
        return vault

    def find_vault(self, subscription: str, resource_group: str, name: str) -> Vault | None:
        return self.state.world.vaults.get(ids.key(ids.vault_id(subscription, resource_group, name)))

    def vault_by_id(self, vault_id: str) -> Vault:
        return self.state.world.vaults[ids.key(vault_id)]

    def item(self, vault: Vault, fabric: str, container: str, item_name: str) -> ProtectedItem:
        """Raises: NotFound (BMSUserErrorItemNotFound / BMSUserErrorFabricNotFound)."""
        world = self.state.world
        item = world.find_item(vault.id, container, item_name) if fabric.lower() == "azure" else None
        if item is None:
            raise NotFound("BMSUserErrorItemNotFound" if fabric.lower() == "azure" else "BMSUserErrorFabricNotFound",
                           f"Item not found: container '{container}', protected item '{item_name}'.")
        return item

    def item_by_id(self, item_id: str) -> ProtectedItem | None:
        wanted = item_id.lower()
        return next((it for it in self.state.world.items.values() if it.id.lower() == wanted), None)

    def vaults_of(self, subscription: str) -> list[Vault]:
        """The subscription's vaults in ID order (Vaults_ListBySubscriptionId)."""
        vaults = [v for v in self.state.world.vaults.values() if v.subscription.lower() == subscription.lower()]
        return sorted(vaults, key=lambda v: ids.key(v.id))

    def items_of(self, vault: Vault) -> list[ProtectedItem]:
        return [it for it in self.state.world.items.values() if ids.key(it.vault_id) == ids.key(vault.id)]

    def item_for_vm(self, vm_id: str) -> ProtectedItem | None:
        return self.state.world.item_for_vm(vm_id)

    def protection_of(self, vm_id: str) -> tuple[ProtectedItem, Vault] | None:
        """The item protecting the VM and its vault (BackupStatus_Get), or None when no vault protects it."""
        item = self.item_for_vm(vm_id)
        return (item, self.vault_by_id(item.vault_id)) if item else None

    def point(self, item: ProtectedItem, name: str, crr: bool = False) -> RecoveryPoint:
        """Raises: NotFound (BMSUserErrorRecoveryPointNotFound); in the CRR view also for points not yet copied."""
        rp = item.points.get(name)
        if rp is None or (crr and not self.is_replicated(rp)):
            raise NotFound("BMSUserErrorRecoveryPointNotFound",
                           f"Recovery point '{name}' was not found for item '{item.item_name}'"
                           + (" in the secondary region." if crr else "."))
        return rp

    def points(self, item: ProtectedItem, start: datetime | None, end: datetime | None,
               crr: bool) -> list[RecoveryPoint]:
        """Newest first, within [start, end]; the CRR view holds only points already in the secondary region."""
        return [rp for rp in item.sorted_points()
                if (start is None or rp.time >= start) and (end is None or rp.time <= end)
                and (not crr or self.is_replicated(rp))]

    def is_replicated(self, rp: RecoveryPoint) -> bool:
        return rp.in_secondary(self.clock.now(), self.state.scenario.replication_lag_seconds)

    def job(self, name: str, vault: Vault | None = None, region: str | None = None) -> Job:
        """Raises: NotFound for a job that does not exist or belongs to another vault / region."""
        job = self.state.jobs.get(name.lower())
        in_scope = job is not None and (
            (vault is not None and job.vault_id is not None and ids.key(job.vault_id) == ids.key(vault.id))
            or (region is not None and job.region is not None and job.region.lower() == region.lower()))
        if job is None or not in_scope:
            raise resource_not_found("job", name)
        return job

    def vault_of_job(self, job: Job) -> str:
        item = self.state.world.item_for_vm(job.vm_id or "")
        return item.vault_id if item else ""

    def operation(self, op_id: str, kind: str | set[str]) -> Operation:
        """Raises: NotFound (BMSUserErrorOperationNotFound), also for an operation of another kind."""
        kinds = {kind} if isinstance(kind, str) else kind
        op = self.state.operations.get(op_id.lower())
        if op is None or op.kind not in kinds:
            raise NotFound("BMSUserErrorOperationNotFound", f"Operation '{op_id}' was not found.")
        return op

    def vm(self, subscription: str, resource_group: str, name: str) -> VirtualMachine:
        """Raises: NotFound (ResourceNotFound) as Microsoft.Compute words it."""
        vm = self.find_vm(ids.vm_id(subscription, resource_group, name))
        if vm is None:
            raise NotFound("ResourceNotFound", f"The Resource 'Microsoft.Compute/virtualMachines/{name}' under "
                                               f"resource group '{resource_group}' was not found.")
        return vm

    def find_vm(self, vm_id: str) -> VirtualMachine | None:
        return self.state.world.vms.get(ids.key(vm_id))

    def tenant_of(self, subscription: str | None = None) -> str:
        """The subscription's tenant (the first subscription's when none is named)."""
        subs = self.state.world.subscriptions
        sub = subs.get(subscription.lower()) if subscription else next(iter(subs.values()), None)
        return sub.tenant_id if sub else "72f988bf-86f1-41af-91ab-2d7cd011db47"
