"""Rules of the resources a restore creates (VMs, managed disks, NICs, the staging account's blob containers): GET,
DELETE, and what a restored VM looks like when a scenario knob stages a failure.

Sources (azure-rest-api-specs, `specification/...`):
- `compute/resource-manager/Microsoft.Compute/ComputeRP/stable/2024-07-01/virtualMachine.json`: VirtualMachines_Get
  (`$expand=instanceView`), VirtualMachines_InstanceView, VirtualMachines_Delete (200, 202, 204). Deleting a VM
  leaves its disks and NICs (their `deleteOption` defaults to `Detach`, `StorageProfile`/`NetworkInterfaceReference`).
- `compute/resource-manager/Microsoft.Compute/DiskRP/stable/2024-03-02/disk.json`: Disks_Get, Disks_Delete (200, 202,
  204).
- `network/resource-manager/Microsoft.Network/stable/2024-05-01/networkInterface.json`: NetworkInterfaces_Get,
  NetworkInterfaces_Delete (200, 202, 204).
- `storage/resource-manager/Microsoft.Storage/stable/2023-05-01/blob.json`: BlobContainers_Get, BlobContainers_Delete
  (200, 204): deleting the container deletes its blobs (the config and template blobs of a restore).
ARM's resource provider contract (Azure/azure-resource-manager-rpc `v1.0/resource-api-reference.md`, "Delete
Resource"): a DELETE of a resource that does not exist answers 204 No Content. The emulator deletes at once and
answers 200 (a synchronous completion the specs list); it models no `Deleting` state.
"""

from __future__ import annotations

from emulator import ids
from emulator.exceptions import BadRequest, Conflict, NotFound
from emulator.resources import BlobContainer, Disk, NetworkInterface
from emulator.state import ServiceState


def container_id(account_id: str, name: str) -> str:
    return f"{account_id}/blobServices/default/containers/{name}"


def nic_id(subscription: str, resource_group: str, name: str) -> str:
    return f"{ids.rg_id(subscription, resource_group)}/providers/Microsoft.Network/networkInterfaces/{name}"


def _missing(kind: str, name: str, resource_group: str) -> NotFound:
    # The Compute RP's wording for a missing resource (lookups.py uses the same for VMs).
    return NotFound("ResourceNotFound", f"The Resource '{kind}/{name}' under resource group '{resource_group}' "
                                        "was not found.")


class ComputeRules:
    def __init__(self, state: ServiceState) -> None:
        self.state = state

    def disk(self, sub: str, rg: str, name: str) -> Disk:
        """Raises: NotFound."""
        disk = self.state.world.disks.get(ids.key(ids.disk_id(sub, rg, name)))
        if disk is None:
            raise _missing("Microsoft.Compute/disks", name, rg)
        return disk

    def nic(self, sub: str, rg: str, name: str) -> NetworkInterface:
        """Raises: NotFound."""
        nic = self.state.world.nics.get(ids.key(nic_id(sub, rg, name)))
        if nic is None:
            raise _missing("Microsoft.Network/networkInterfaces", name, rg)
        return nic

    def container(self, sub: str, rg: str, account: str, name: str) -> BlobContainer:
        """Raises: NotFound (ContainerNotFound, as the Storage RP words it)."""
        found = self.state.world.containers.get(ids.key(container_id(ids.storage_id(sub, rg, account), name)))
        if found is None:
            raise NotFound("ContainerNotFound", "The specified container does not exist.")
        return found

    def delete_vm(self, sub: str, rg: str, name: str) -> bool:
        """Delete the VM, detaching its disks and NICs; False when it did not exist."""
        vm = self.state.world.vms.pop(ids.key(ids.vm_id(sub, rg, name)), None)
        if vm is None:
            return False
        for disk in vm.disks():
            disk.vm_id = None
        for nic in self.state.world.nics.values():
            if nic.vm_id and ids.key(nic.vm_id) == ids.key(vm.id):
                nic.vm_id = None
        return True

    def delete_disk(self, sub: str, rg: str, name: str) -> bool:
        """False when it did not exist. Raises: Conflict while a VM uses the disk."""
        key = ids.key(ids.disk_id(sub, rg, name))
        disk = self.state.world.disks.get(key)
        if disk is None:
            return False
        if disk.vm_id:
            # Disks_Delete of an attached disk: 409 OperationNotAllowed (the Compute RP's message).
            raise Conflict("OperationNotAllowed", f"Disk {name} is attached to VM {disk.vm_id}.")
        del self.state.world.disks[key]
        return True

    def delete_nic(self, sub: str, rg: str, name: str) -> bool:
        """False when it did not exist. Raises: BadRequest (NicInUse) while a VM uses the NIC."""
        key = ids.key(nic_id(sub, rg, name))
        nic = self.state.world.nics.get(key)
        if nic is None:
            return False
        if nic.vm_id:
            # Microsoft.Network refuses to delete a NIC a VM still references: 400 NicInUse.
            raise BadRequest("NicInUse", f"Network Interface {nic.id} is used by existing resource {nic.vm_id}. "
                                         "In order to delete the network interface, it must be dissociated from "
                                         "the resource.")
        del self.state.world.nics[key]
        return True

    def delete_container(self, sub: str, rg: str, account: str, name: str) -> bool:
        """False when it did not exist (its blobs go with it)."""
        key = ids.key(container_id(ids.storage_id(sub, rg, account), name))
        return self.state.world.containers.pop(key, None) is not None
