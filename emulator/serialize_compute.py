"""Bodies of the Compute, Network and Storage GETs (shapes from the spec files named in `compute.py`)."""

from __future__ import annotations

from typing import Any

from emulator import ids, serialize
from emulator.resources import BlobContainer, Disk, NetworkInterface, VirtualMachine

# VirtualMachine_Get_InstanceView.json (ComputeRP/stable/2024-07-01/examples/virtualMachineExamples): the VM's
# `statuses` carry one `ProvisioningState/...` and one `PowerState/...` entry.
_POWER_TEXT = {"running": "VM running", "stopped": "VM stopped", "deallocated": "VM deallocated",
               "starting": "VM starting"}


def virtual_machine(vm: VirtualMachine, expand_instance_view: bool) -> dict[str, Any]:
    body = serialize.virtual_machine(vm)
    props = body["properties"]
    props["provisioningState"] = vm.provisioning_state
    for disk in props["storageProfile"]["dataDisks"]:
        disk["createOption"] = "Attach"
    props["networkProfile"] = {"networkInterfaces": [{"id": nic} for nic in vm.nic_ids]}
    if expand_instance_view:
        props["instanceView"] = instance_view(vm)
    return body


def instance_view(vm: VirtualMachine) -> dict[str, Any]:
    """VirtualMachineInstanceView: the statuses and one entry per disk."""
    state = vm.provisioning_state.lower()
    provisioning = {"code": f"ProvisioningState/{state}", "level": "Info" if state == "succeeded" else "Error",
                    "displayStatus": f"Provisioning {state}"}
    power = {"code": f"PowerState/{vm.power_state}", "level": "Info",
             "displayStatus": _POWER_TEXT.get(vm.power_state, vm.power_state)}
    return {"computerName": vm.name, "osName": vm.os_type,
            "disks": [{"name": d.name, "statuses": [dict(provisioning)]} for d in vm.disks()],
            "statuses": [provisioning, power]}


def disk(d: Disk) -> dict[str, Any]:
    """Disk (DiskRP disk.json): `sku.name`, `properties.diskSizeGB`, `managedBy`, `diskState`."""
    body: dict[str, Any] = {"id": d.id, "name": d.name, "type": "Microsoft.Compute/disks", "location": d.region,
                            "sku": {"name": d.sku},
                            "properties": {"diskSizeGB": d.size_gb, "provisioningState": "Succeeded",
                                           "diskState": "Attached" if d.vm_id else "Unattached"}}
    if d.vm_id:
        body["managedBy"] = d.vm_id
    return body


def network_interface(nic: NetworkInterface) -> dict[str, Any]:
    """NetworkInterface (networkInterface.json): `virtualMachine.id`, one IP configuration in the subnet."""
    props: dict[str, Any] = {"provisioningState": "Succeeded", "ipConfigurations": [
        {"name": "ipconfig1", "properties": {"subnet": {"id": nic.subnet_id} if nic.subnet_id else None,
                                             "privateIPAllocationMethod": "Dynamic", "primary": True}}]}
    if nic.vm_id:
        props["virtualMachine"] = {"id": nic.vm_id}
    return {"id": nic.id, "name": ids.last_segment(nic.id), "type": "Microsoft.Network/networkInterfaces",
            "location": nic.region, "properties": props}


def blob_container(c: BlobContainer) -> dict[str, Any]:
    """BlobContainer (blob.json): an ARM resource; its blobs are data plane, not in the body."""
    return {"id": c.id, "name": ids.last_segment(c.id),
            "type": "Microsoft.Storage/storageAccounts/blobServices/containers",
            "properties": {"publicAccess": "None", "leaseState": "Available", "hasImmutabilityPolicy": False}}
