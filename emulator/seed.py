"""Build the world from a seed document (JSON or YAML; format in docs/emulator.md). Times in a seed are relative
to the moment it is loaded (`ageHours`) or absolute (`time`)."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from emulator import ids
from emulator.clock import parse_time
from emulator.lifecycle import Job, JobStatus
from emulator.resources import (
    Disk,
    ProtectedItem,
    RecoveryPoint,
    ResourceGroup,
    StorageAccount,
    Subnet,
    Subscription,
    Vault,
    VirtualMachine,
    World,
)

Doc = dict[str, Any]


def read_seed_file(path: str | Path) -> Doc:
    text = Path(path).read_text()
    data = yaml.safe_load(text) if str(path).endswith((".yaml", ".yml")) else json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"seed {path} must be an object")
    return data


def _when(spec: Doc, now: datetime) -> datetime:
    if "time" in spec:
        return parse_time(str(spec["time"]))
    return now - timedelta(hours=float(spec.get("ageHours", 0)))


def _stable_number(*parts: str) -> str:
    return str(int(hashlib.sha256(":".join(parts).encode()).hexdigest()[:12], 16))


def load_seed(doc: Doc, now: datetime, world: World | None = None) -> tuple[World, list[Job]]:
    """Add every resource of `doc` to `world` (a new one by default); returns it with the seeded jobs."""
    world = world or World()
    world.region_pairs.update({k.lower(): v.lower() for k, v in (doc.get("regionPairs") or {}).items()})
    jobs: list[Job] = []
    for sub in doc.get("subscriptions") or []:
        sid = sub["id"]
        world.subscriptions[sid.lower()] = Subscription(sid, sub.get("tenantId", Subscription(sid).tenant_id))
        _load_networking(world, sid, sub)
        _load_vaults(world, sid, sub)
        for spec in sub.get("virtualMachines") or []:
            _load_vm(world, sid, spec, now)
        jobs += [_load_job(world, sid, spec, now) for spec in sub.get("jobs") or []]
    return world, jobs


def _load_networking(world: World, sid: str, sub: Doc) -> None:
    for rg in sub.get("resourceGroups") or []:
        world.resource_groups[ids.key(ids.rg_id(sid, rg["name"]))] = ResourceGroup(ids.rg_id(sid, rg["name"]),
                                                                                   rg["region"])
    for net in sub.get("virtualNetworks") or []:
        vnet = ids.vnet_id(sid, net["resourceGroup"], net["name"])
        world.vnets[ids.key(vnet)] = net["region"]
        for name in net.get("subnets") or ["default"]:
            subnet = Subnet(f"{vnet}/subnets/{name}", vnet, net["region"])
            world.subnets[ids.key(subnet.id)] = subnet
    for sa in sub.get("storageAccounts") or []:
        account = StorageAccount(ids.storage_id(sid, sa["resourceGroup"], sa["name"]), sa["region"],
                                 sa.get("sku", "Standard_LRS"), sa.get("kind", "StorageV2"))
        world.storage_accounts[ids.key(account.id)] = account


def _load_vaults(world: World, sid: str, sub: Doc) -> None:
    for spec in sub.get("vaults") or []:
        crr = bool(spec.get("crossRegionRestore", False))
        vault = Vault(ids.vault_id(sid, spec["resourceGroup"], spec["name"]), spec["name"], spec["resourceGroup"], sid,
                      spec["region"], crr, world.region_pairs.get(spec["region"].lower()) if crr else None)
        world.vaults[ids.key(vault.id)] = vault


def _load_vm(world: World, sid: str, spec: Doc, now: datetime) -> None:
    rg, name, region = spec["resourceGroup"], spec["name"], spec["region"]
    os_disk = Disk(ids.disk_id(sid, rg, f"{name}_OsDisk_1"), f"{name}_OsDisk_1", None,
                   int(spec.get("osDiskSizeGb", 128)), spec.get("diskSku", "Premium_LRS"), region)
    data_specs = spec.get("dataDisks")
    if data_specs is None:
        data_specs = [{"lun": lun} for lun in range(int(spec.get("dataDiskCount", 0)))]
    data = [Disk(ids.disk_id(sid, rg, f"{name}_DataDisk_{d['lun']}"), f"{name}_DataDisk_{d['lun']}", int(d["lun"]),
                 int(d.get("sizeGb", 256)), d.get("sku", spec.get("diskSku", "Premium_LRS")), region)
            for d in data_specs]
    zone = spec.get("zone")
    vm = VirtualMachine(ids.vm_id(sid, rg, name), name, rg, sid, region, spec.get("size", "Standard_D2s_v3"),
                        str(zone) if zone is not None else None, spec.get("osType", "Linux"),
                        bool(spec.get("encrypted", False)), os_disk, data,
                        tags={str(k): str(v) for k, v in (spec.get("tags") or {}).items()})
    if spec.get("exists", True):
        world.add_vm(vm)
    if spec.get("backup"):
        _load_item(world, sid, vm, spec["backup"], now)


def _load_item(world: World, sid: str, vm: VirtualMachine, backup: Doc, now: datetime) -> None:
    vault_ref = backup["vault"]
    vault_key = ids.key(vault_ref if vault_ref.startswith("/") else
                        next(v.id for v in world.vaults.values() if v.name.lower() == vault_ref.lower()
                             and v.subscription.lower() == sid.lower()))
    vault = world.vaults[vault_key]
    item = ProtectedItem(vault.id, vm.id, vm.name, vm.resource_group, backup.get("policy", "DefaultPolicy"),
                         _stable_number(vm.id, "item"))
    for index, rp_spec in enumerate(backup.get("recoveryPoints") or []):
        rp = _recovery_point(vm, rp_spec, now, index)
        item.points[rp.name] = rp
    world.items[(vault_key, item.short_key)] = item


def _recovery_point(vm: VirtualMachine, spec: Doc, now: datetime, index: int) -> RecoveryPoint:
    tiers_spec = spec.get("tiers") or ["InstantRP", "HardenedRP"]
    tiers = [(t, "Valid") if isinstance(t, str) else (t[0], t[1]) for t in tiers_spec]
    zones = spec.get("zones", [vm.zone] if vm.zone else [])
    luns = spec.get("luns", vm.luns())
    return RecoveryPoint(str(spec.get("name") or _stable_number(vm.id, str(index))), _when(spec, now),
                         spec.get("type", "AppConsistent"), tiers, [str(z) for z in zones], [int(x) for x in luns],
                         spec.get("vmSize", vm.size), vm.os_type, vm.encrypted)


def _load_job(world: World, sid: str, spec: Doc, now: datetime) -> Job:
    vault = next((v for v in world.vaults.values() if v.name.lower() == str(spec["vault"]).lower()
                  and v.subscription.lower() == sid.lower()), None)
    start = _when(spec, now)
    status = JobStatus(spec.get("status", "Completed"))
    duration = timedelta(seconds=float(spec.get("durationSeconds", 1800)))
    job = Job(str(spec.get("name") or uuid.uuid4()), spec.get("operation", "Backup"),
              spec.get("entityFriendlyName", ""), start, status=status,
              end=start + duration if status.is_terminal else None,
              vault_id=vault.id if vault else None, subscription=sid, activity_id=str(uuid.uuid4()),
              tasks=[], property_bag={"VM Name": spec.get("entityFriendlyName", "")})
    job.outcome = status
    return job
