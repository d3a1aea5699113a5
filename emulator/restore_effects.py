"""What a completed restore job creates: managed disks, a new VM, swapped disks, the config/template blobs."""

from __future__ import annotations

from typing import Any

from emulator import ids
from emulator.lifecycle import Job
from emulator.resources import Disk, VirtualMachine, World

JOB_TYPES = {"RestoreDisks": "Recover disks", "AlternateLocation": "Create new virtual machine",
             "OriginalLocation": "Replace existing"}


def _account_name(restore: dict[str, Any]) -> str:
    return ids.last_segment(restore["storageAccountId"]) if restore.get("storageAccountId") else ""


def _target_group(restore: dict[str, Any]) -> str:
    """Target RG ID: the request's, else the VM's own (replace disks), else the staging account's."""
    if restore.get("targetResourceGroupId"):
        return str(restore["targetResourceGroupId"])
    if restore["recoveryType"] == "OriginalLocation":
        return str(ids.rg_of(restore["vmId"]))
    return str(ids.rg_of(restore.get("storageAccountId") or restore["vmId"]))


def initial_property_bag(restore: dict[str, Any]) -> dict[str, str]:
    """The bag a running restore job reports (as `az backup job show` prints it)."""
    bag = {"Job Type": JOB_TYPES[restore["recoveryType"]],
           "Recovery point time ": f"{restore['rpTime']:%m/%d/%Y %I:%M:%S %p}".lstrip("0"),
           "Target Storage Account Name": _account_name(restore),
           "Target resource group": ids.last_segment(_target_group(restore))}
    if restore.get("targetVirtualMachineId"):
        bag["Target VM Name"] = ids.last_segment(restore["targetVirtualMachineId"])
    return bag


def apply_restore(world: World, job: Job) -> None:
    """Create what the job restored and complete its property bag."""
    restore = job.restore or {}
    group = _target_group(restore)
    sub, rg = ids.sub_of(group) or "", ids.last_segment(group)
    tag = job.name.split("-")[0]
    vm_name = restore["vmName"]
    os_disk = Disk(ids.disk_id(sub, rg, f"{vm_name}-osdisk-{tag}"), f"{vm_name}-osdisk-{tag}", None,
                   region=restore["region"], created_by_job=job.name)
    data = [Disk(ids.disk_id(sub, rg, f"{vm_name}-datadisk-{lun}-{tag}"), f"{vm_name}-datadisk-{lun}-{tag}", lun,
                 region=restore["region"], created_by_job=job.name) for lun in restore["luns"]]
    for disk in [os_disk, *data]:
        world.disks[ids.key(disk.id)] = disk
    kind = restore["recoveryType"]
    if kind == "AlternateLocation" and restore.get("targetVirtualMachineId"):
        _create_vm(world, restore, os_disk, data, job.name)
    elif kind == "OriginalLocation":
        _replace_disks(world, restore["vmId"], os_disk, data)
    job.property_bag.update(_blob_bag(restore, job.name, kind))
    job.property_bag["Restored disks"] = ",".join(d.id for d in [os_disk, *data])


def _blob_bag(restore: dict[str, Any], job_name: str, kind: str) -> dict[str, str]:
    account = _account_name(restore)
    if not account:
        return {}
    container = f"{restore['vmName'].lower()}-{job_name.replace('-', '')}"
    config = f"config-{restore['vmName'].lower()}-{job_name}.json"
    base = f"https://{account}.blob.core.windows.net/{container}"
    bag = {"Config Blob Container Name": container, "Config Blob Name": config, "Config Blob Uri": f"{base}/{config}"}
    if kind == "RestoreDisks":
        bag["Template Blob Uri"] = f"{base}/azuredeploy{job_name}.json"
    return bag


def _create_vm(world: World, restore: dict[str, Any], os_disk: Disk, data: list[Disk], job_name: str) -> None:
    target = str(restore["targetVirtualMachineId"])
    sub, rg = ids.sub_of(target) or "", ids.last_segment(str(ids.rg_of(target)))
    zones = restore.get("zones") or []
    vm = VirtualMachine(ids.vm_id(sub, rg, ids.last_segment(target)), ids.last_segment(target), rg, sub,
                        restore["region"], restore.get("vmSize") or "Standard_D2s_v3",
                        str(zones[0]) if zones else None, os_disk=os_disk, data_disks=data, created_by_job=job_name)
    world.add_vm(vm)


def _replace_disks(world: World, vm_id: str, os_disk: Disk, data: list[Disk]) -> None:
    vm = world.vms.get(ids.key(vm_id))
    if vm is None:
        return
    restored = {d.lun for d in data}
    for old in vm.disks():
        if old.lun is None or old.lun in restored:
            old.vm_id = None
    os_disk.vm_id = vm.id
    for disk in data:
        disk.vm_id = vm.id
    vm.os_disk = os_disk
    vm.data_disks = sorted([d for d in vm.data_disks if d.lun not in restored] + data, key=lambda d: d.lun or 0)
