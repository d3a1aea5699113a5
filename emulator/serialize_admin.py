"""Bodies of the admin API (`/_emulator/…`): inventory, jobs, tokens, the request log. Format in docs/emulator.md."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from emulator import ids, serialize
from emulator.clock import iso
from emulator.eventgrid import ReceivedEvent
from emulator.lifecycle import Job
from emulator.reqlog import LoggedRequest
from emulator.resources import World
from emulator.tokens import ArmToken, CrrToken, TokenStore, sha256


def inventory(world: World) -> dict[str, Any]:
    """What exists, so callers can pick valid and invalid targets without the seed."""
    vms = []
    for vm in world.vms.values():
        item = world.item_for_vm(vm.id)
        vault = world.vaults.get(ids.key(item.vault_id)) if item else None
        vms.append({"id": vm.id, "name": vm.name, "region": vm.region, "vaultId": vault.id if vault else None,
                    "protectedItemId": item.id if item else None,
                    "crossRegionRestore": bool(vault and vault.cross_region_restore),
                    "secondaryRegion": vault.secondary_region if vault else None, "size": vm.size, "zone": vm.zone,
                    "osType": vm.os_type, "luns": vm.luns(), "createdByJob": vm.created_by_job,
                    "nicIds": list(vm.nic_ids), "powerState": vm.power_state,
                    "provisioningState": vm.provisioning_state,
                    "disks": [{"id": d.id, "lun": d.lun} for d in vm.disks()],
                    "recoveryPoints": len(item.points) if item else 0})
    return {
        "vms": vms,
        "unprotectedVms": [vm["id"] for vm in vms if vm["protectedItemId"] is None],
        "storageAccounts": [{"id": sa.id, "region": sa.region, "sku": sa.sku, "kind": sa.kind}
                            for sa in world.storage_accounts.values()],
        "resourceGroups": [{"id": rg.id, "region": rg.region, "tags": dict(rg.tags)}
                           for rg in world.resource_groups.values()],
        "subnets": [{"id": s.id, "vnetId": s.vnet_id, "region": s.region} for s in world.subnets.values()],
        "vaults": [{"id": v.id, "region": v.region, "crossRegionRestore": v.cross_region_restore,
                    "secondaryRegion": v.secondary_region} for v in world.vaults.values()],
        "disks": [{"id": d.id, "region": d.region, "lun": d.lun, "vmId": d.vm_id, "createdByJob": d.created_by_job,
                   "sizeGb": d.size_gb, "sku": d.sku} for d in world.disks.values()],
        "networkInterfaces": [{"id": n.id, "vmId": n.vm_id, "subnetId": n.subnet_id, "createdByJob": n.created_by_job}
                              for n in world.nics.values()],
        "blobContainers": [{"id": c.id, "accountId": c.account_id, "blobs": list(c.blobs),
                            "createdByJob": c.created_by_job} for c in world.containers.values()],
        "subscriptions": [{"id": s.id, "tenantId": s.tenant_id} for s in world.subscriptions.values()],
        "regionPairs": dict(world.region_pairs),
    }


def jobs(all_jobs: Iterable[Job], now: datetime) -> dict[str, Any]:
    """Every job as JobDetails_Get shows it, plus where it runs and its transitions."""
    out = []
    for job in all_jobs:
        body = serialize.job(job, now)
        body.update({"vaultId": job.vault_id, "region": job.region, "vmId": job.vm_id,
                     "history": [{"time": iso(t), "status": str(s)} for t, s in job.history]})
        out.append(body)
    return {"jobs": out}


def events(received: Iterable[ReceivedEvent]) -> dict[str, Any]:
    return {"events": [{"topic": e.topic, "receivedAt": iso(e.received_at), "tokenSha256": e.token_sha256,
                        "event": e.event} for e in received]}


def tokens(store: TokenStore) -> dict[str, list[dict[str, Any]]]:
    return {"arm": [_arm_token(t) for t in store.arm.values()], "crr": [_crr_token(t) for t in store.crr.values()]}


def _arm_token(t: ArmToken) -> dict[str, Any]:
    return {"token": t.token, "sha256": sha256(t.token), "resource": t.resource, "issuedAt": iso(t.issued_at),
            "expiresAt": iso(t.expires_at)}


def _crr_token(t: CrrToken) -> dict[str, Any]:
    return {"token": t.token, "sha256": sha256(t.token), "protectedItemId": t.item_id,
            "recoveryPointId": t.recovery_point, "issuedAt": iso(t.issued_at), "expiresAt": iso(t.expires_at),
            "usedAt": iso(t.used_at)}


def requests(entries: Iterable[LoggedRequest]) -> dict[str, Any]:
    return {"requests": [request(e) for e in entries]}


def request(e: LoggedRequest) -> dict[str, Any]:
    return {"seq": e.seq, "method": e.method, "path": e.path, "status": e.status,
            "retryAfter": _int_or_raw(e.retry_after), "wallTime": iso(e.wall_time), "serviceTime": iso(e.service_time),
            "answeredTime": iso(e.answered_time), "tokenSha256": e.token_sha256, "fault": e.fault, "region": e.region,
            "body": e.body}


def _int_or_raw(value: str | None) -> int | str | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return value


def clock(now: datetime, scale: float) -> dict[str, Any]:
    return {"serviceTime": iso(now), "timeScale": scale}
