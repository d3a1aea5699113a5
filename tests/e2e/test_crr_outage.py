"""Cross-region restore on the day the primary region is down (`regionOutage`): it must not need that region.

What reached "Azure" is read from the emulator's request log (each entry names the region that served it) and its
job list, not only from the API's answer.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import requests
from pydantic import TypeAdapter

from tests.e2e.helpers import Stack
from tests.support.azure_log import assert_job_ended, assert_one_restore

PRIMARY = "westeurope"
SECONDARY = "northeurope"


def _inventory_vm(stack: Stack, name: str = "vm-web-01") -> dict[str, Any]:
    inventory = requests.get(f"{stack.emulator.url}/_emulator/inventory", timeout=10).json()
    return dict(next(vm for vm in inventory["vms"] if vm["name"] == name))


def _vault_of(item_id: str) -> str:
    return item_id[:item_id.lower().index("/backupfabrics/")]


def _log(stack: Stack) -> list[dict[str, Any]]:
    return list(requests.get(f"{stack.emulator.url}/_emulator/requests", timeout=10).json()["requests"])


def _crr_request(stack: Stack, **source: str) -> dict[str, Any]:
    return {**source, "crossRegion": True, "mode": "restoreDisks",
            "storageAccountId": stack.ids["SECONDARY_STORAGE_ACCOUNT_ID"],
            "targetResourceGroupId": stack.ids["SECONDARY_RG_ID"], "reason": "primary region outage"}


def _outage(stack: Stack) -> None:
    stack.scenario(regionOutage=[PRIMARY])
    assert requests.delete(f"{stack.emulator.url}/_emulator/requests", timeout=10).status_code == 200


@pytest.mark.parametrize("named_by", ["protectedItemId", "vmId+vaultId"])
def test_cross_region_restore_completes_with_no_request_to_the_failed_region(stack: Stack, named_by: str) -> None:
    vm = _inventory_vm(stack)
    source = {"protectedItemId": vm["protectedItemId"]} if named_by == "protectedItemId" else \
        {"vmId": vm["id"], "vaultId": _vault_of(vm["protectedItemId"])}
    _outage(stack)
    request = _crr_request(stack, **source)
    started = stack.start(request)
    assert started.status_code == 202, started.text
    final = stack.wait_final(started.json()["id"])
    body = final.json()
    assert final.status_code == 200 and body["status"] == "succeeded", body
    log = _log(stack)
    assert log, "the restore made no ARM request at all"
    # Zero requests that need the failed region (none answered 503/504 or was dropped either).
    assert [e for e in log if e["region"] == PRIMARY] == []
    assert all(200 <= e["status"] < 300 for e in log), [(e["method"], e["path"], e["status"]) for e in log]
    paths = [f"{e['method']} {e['path'].split('?')[0].lower()}" for e in log]
    assert any(p.startswith("GET ") and p.endswith("/resources") for p in paths)  # ARM's resource list (global)
    crr_items = [e for p, e in zip(paths, log, strict=True) if p.endswith("/backupprotecteditems")]
    assert crr_items and all("api-version=2023-01-15" in e["path"] for e in crr_items)  # the CRR list only
    assert any(p.endswith(f"/locations/{SECONDARY}/backupcrossregionrestore") for p in paths)
    assert not any("/backupstatus" in p or "/virtualmachines/" in p for p in paths)
    jobs = requests.get(f"{stack.emulator.url}/_emulator/jobs", timeout=10).json()["jobs"]
    crr = [j for j in jobs if j["properties"]["operation"] == "CrossRegionRestore"]
    assert len(crr) == 1 and crr[0]["properties"]["status"] == "Completed"
    assert body["jobId"].lower() == crr[0]["name"].lower()
    assert_one_restore(stack.azure, request, body, vm_id=vm["id"])
    assert_job_ended(stack.azure, body, "Completed")
    _check_replication_lag(stack, started.json()["id"], body)


def _check_replication_lag(stack: Stack, instance_id: str, body: dict[str, Any]) -> None:
    """The pre-flight says how old the newest secondary-region point is: in the status and in the result."""
    status = requests.get(f"{stack.devhost.url}/runtime/webhooks/durabletask/instances/{instance_id}",
                          timeout=10).json()
    for lag in (status["customStatus"]["recoveryPoint"]["replicationLag"], body["result"]["replicationLag"],
                body["recoveryPoint"]["replicationLag"]):
        assert lag["region"] == SECONDARY
        # policy `latest`: the chosen point is the newest one the secondary region has
        assert datetime.fromisoformat(lag["newestPointTime"]) == datetime.fromisoformat(body["recoveryPoint"]["time"])
        # the age of that point when it was chosen, on the orchestration's clock (between the run's start and end)
        newest = datetime.fromisoformat(lag["newestPointTime"])
        started, ended = (datetime.fromisoformat(status["output"][k]) for k in ("startedAt", "endedAt"))
        assert started - newest <= TypeAdapter(timedelta).validate_python(lag["lag"]) <= ended - newest


def test_a_vm_id_only_cross_region_restore_fails_fast_saying_to_pass_the_vault(stack: Stack) -> None:
    vm = _inventory_vm(stack)
    _outage(stack)
    started = stack.start(_crr_request(stack, vmId=vm["id"]))
    assert started.status_code == 202, started.text
    final = stack.wait_final(started.json()["id"], timeout=60)
    body = final.json()
    assert final.status_code == 422 and body["status"] == "failed", body
    assert body["error"]["code"] == "PrimaryRegionUnavailable"
    assert "pass vaultId (with vmId) or protectedItemId" in body["error"]["message"]
    # Fast: one backupStatus attempt in the failed region, no retries on durable timers, nothing triggered.
    log = _log(stack)
    status_calls = [e for e in log if e["path"].split("?")[0].lower().endswith("/backupstatus")]
    assert len(status_calls) == 1 and status_calls[0]["region"] == PRIMARY
    assert not any("backupcrossregionrestore" in e["path"].lower() for e in log)


def test_without_a_job_id_in_the_crr_operation_the_job_is_found_in_the_secondary_jobs_list(stack: Stack) -> None:
    """The fallback for a CRR operation status without `properties.jobId` (the official example's shape)."""
    vm = _inventory_vm(stack)
    stack.scenario(crrJobIdInOperation=False)
    _outage(stack)
    started = stack.start(_crr_request(stack, protectedItemId=vm["protectedItemId"]))
    final = stack.wait_final(started.json()["id"])
    assert final.status_code == 200 and final.json()["status"] == "succeeded", final.json()
    log = _log(stack)
    lists = [e for e in log if e["method"] == "POST" and e["path"].split("?")[0].lower().endswith("/backupcrrjobs")]
    assert lists and all(e["region"] == SECONDARY for e in lists)
    assert [e for e in log if e["region"] == PRIMARY] == []


def test_cancelling_a_cross_region_restore_stops_waiting_and_calls_no_cancel(stack: Stack) -> None:
    vm = _inventory_vm(stack)
    stack.scenario(jobSeconds=36000)
    _outage(stack)
    started = stack.start(_crr_request(stack, protectedItemId=vm["protectedItemId"]))
    restore_id = started.json()["id"]
    stack.wait_phase(restore_id, "waitingForJob")
    cancel = requests.post(started.json()["cancelUrl"], json={"reason": "drill over"}, timeout=30)
    assert cancel.status_code == 202, cancel.text
    final = stack.wait_final(restore_id)
    body = final.json()
    assert final.status_code == 409 and body["status"] == "cancelled", body
    assert body["error"]["code"] == "CrossRegionJobNotCancellable" and "may still run" in body["error"]["message"]
    log = _log(stack)
    assert not any(e["path"].split("?")[0].lower().endswith("/cancel") for e in log)
    jobs = requests.get(f"{stack.emulator.url}/_emulator/jobs", timeout=10).json()["jobs"]
    assert [j["properties"]["status"] for j in jobs if j["properties"]["operation"] == "CrossRegionRestore"] == \
        ["InProgress"]  # the Azure job runs on: the note says so
    assert_one_restore(stack.azure, _crr_request(stack, protectedItemId=vm["protectedItemId"]), body, vm_id=vm["id"])
