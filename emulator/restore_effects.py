"""What a completed restore job creates: managed disks, a new VM, swapped disks, the config/template blobs."""

from __future__ import annotations

from emulator import ids
from emulator.compute import container_id, nic_id
from emulator.lifecycle import Job, RestoreSpec
from emulator.resources import BlobContainer, Disk, NetworkInterface, VirtualMachine, World
from emulator.scenario import Scenario

JOB_TYPES = {"RestoreDisks": "Recover disks", "AlternateLocation": "Create new virtual machine",
             "OriginalLocation": "Replace existing"}


def _account_name(spec: RestoreSpec) -> str:
    return ids.last_segment(spec.storage_account_id) if spec.storage_account_id else ""


def target_group(spec: RestoreSpec) -> str:
    """Target RG ID: the request's, else the VM's own (replace disks), else the staging account's."""
    if spec.target_resource_group_id:
        return spec.target_resource_group_id
    if spec.recovery_type == "OriginalLocation":
        return str(ids.rg_of(spec.vm_id))
    return str(ids.rg_of(spec.storage_account_id or spec.vm_id))


def initial_property_bag(spec: RestoreSpec) -> dict[str, str]:
    """The bag a running restore job reports (as `az backup job show` prints it)."""
    bag = {"Job Type": JOB_TYPES[spec.recovery_type],
           "Recovery point time ": f"{spec.rp_time:%m/%d/%Y %I:%M:%S %p}".lstrip("0"),
           "Target Storage Account Name": _account_name(spec),
           "Target resource group": ids.last_segment(target_group(spec))}
    if spec.target_virtual_machine_id:
        bag["Target VM Name"] = ids.last_segment(spec.target_virtual_machine_id)
    return bag


def apply_restore(world: World, job: Job, scenario: Scenario) -> None:
    """Create what the job restored (disks as large as the source's, of its SKU) and complete its property bag."""
    spec = job.restore
    if spec is None:
        return
    group = target_group(spec)
    sub, rg = ids.sub_of(group) or "", ids.last_segment(group)
    tag = job.name.split("-")[0]
    source = world.vms.get(ids.key(spec.vm_id))
    grow = scenario.restored_disk_size_delta_gb if spec.vm_name.lower() in scenario.restored_disk_size_differs else 0

    def restored(name: str, lun: int | None) -> Disk:
        like = next((d for d in source.disks() if d.lun == lun), None) if source else None
        size, sku = (like.size_gb, like.sku) if like else (Disk.size_gb, Disk.sku)
        return Disk(ids.disk_id(sub, rg, name), name, lun, size + grow, sku, region=spec.region,
                    created_by_job=job.name)

    os_disk = restored(f"{spec.vm_name}-osdisk-{tag}", None)
    data = [restored(f"{spec.vm_name}-datadisk-{lun}-{tag}", lun) for lun in spec.luns]
    for disk in [os_disk, *data]:
        world.disks[ids.key(disk.id)] = disk
    if spec.recovery_type == "AlternateLocation" and spec.target_virtual_machine_id:
        _create_vm(world, spec, os_disk, data, job.name, scenario)
    elif spec.recovery_type == "OriginalLocation":
        _replace_disks(world, spec.vm_id, os_disk, data)
    job.property_bag.update(_blob_bag(spec, job.name))
    _create_container(world, spec, job)
    job.property_bag["Restored disks"] = ",".join(d.id for d in [os_disk, *data])


def _create_container(world: World, spec: RestoreSpec, job: Job) -> None:
    """The staging account's container with the config (and template) blob the bag names."""
    bag = job.property_bag
    if not spec.storage_account_id or "Config Blob Container Name" not in bag:
        return
    blobs = [ids.last_segment(bag[k]) for k in ("Config Blob Uri", "Template Blob Uri") if k in bag]
    container = BlobContainer(container_id(spec.storage_account_id, bag["Config Blob Container Name"]),
                              spec.storage_account_id, blobs, created_by_job=job.name)
    world.containers[ids.key(container.id)] = container


def _blob_bag(spec: RestoreSpec, job_name: str) -> dict[str, str]:
    account = _account_name(spec)
    if not account:
        return {}
    container = f"{spec.vm_name.lower()}-{job_name.replace('-', '')}"
    config = f"config-{spec.vm_name.lower()}-{job_name}.json"
    base = f"https://{account}.blob.core.windows.net/{container}"
    bag = {"Config Blob Container Name": container, "Config Blob Name": config, "Config Blob Uri": f"{base}/{config}"}
    if spec.recovery_type == "RestoreDisks":
        bag["Template Blob Uri"] = f"{base}/azuredeploy{job_name}.json"
    return bag


def _create_vm(world: World, spec: RestoreSpec, os_disk: Disk, data: list[Disk], job_name: str,
               scenario: Scenario) -> None:
    target = str(spec.target_virtual_machine_id)
    sub, rg = ids.sub_of(target) or "", ids.last_segment(str(ids.rg_of(target)))
    zones = spec.zones or []
    name = ids.last_segment(target)
    vm = VirtualMachine(ids.vm_id(sub, rg, name), name, rg, sub,
                        spec.region, spec.vm_size or "Standard_D2s_v3", str(zones[0]) if zones else None,
                        os_disk=os_disk, data_disks=data, created_by_job=job_name)
    # A new VM from a restore gets a NIC in the request's subnet (Azure Backup creates it in the target group).
    nic = NetworkInterface(nic_id(sub, rg, f"{name}-nic-{job_name.split('-')[0]}"), spec.region, spec.subnet_id,
                           vm.id, created_by_job=job_name)
    world.nics[ids.key(nic.id)] = nic
    vm.nic_ids = [nic.id]
    source = spec.vm_name.lower()
    if source in scenario.restored_vm_provisioning_failed:
        vm.provisioning_state, vm.power_state = "Failed", "stopped"
    elif source in scenario.restored_vm_stopped:
        vm.power_state = "stopped"
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
