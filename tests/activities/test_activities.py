"""The activities against the emulator as a separate process: primary, CRR, faults, idempotent trigger, no tokens."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from activities.blueprint import bp
from restore import settings
from tests.activities.conftest import Emulator
from tests.support.wait import wait_until

ACTIVITIES = {f.get_function_name(): f.get_user_function() for f in (b.build() for b in bp._function_builders)}
WEB = "vm-web-01"
RESTORE_POST = "/restore?"


def call(name: str, payload: dict[str, Any]) -> dict[str, Any]:
    result = ACTIVITIES[name](json.loads(json.dumps(payload)))
    json.dumps(result)  # what Durable Functions stores must be plain JSON
    return dict(result)


def value(name: str, payload: dict[str, Any]) -> dict[str, Any]:
    result = call(name, payload)
    assert result["error"] is None, result["error"]
    return dict(result["value"])


def staging(emu: Emulator, region: str = "westeurope") -> str:
    return next(sa["id"] for sa in emu.get("inventory")["storageAccounts"]
                if sa["region"] == region and sa["sku"] == "Standard_LRS")


def prepared(emu: Emulator, cross_region: bool = False) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    vm = emu.vm(WEB)
    region = "northeurope" if cross_region else "westeurope"
    request = {"vmId": vm["id"], "recoveryPointPolicy": "latest", "mode": "restoreDisks",
               "storageAccountId": staging(emu, region), "crossRegion": cross_region,
               "targetResourceGroupId": next(g["id"] for g in emu.get("inventory")["resourceGroups"]
                                             if g["region"] == region)}
    item = value("resolve_backup_item", {"vmId": vm["id"], "crossRegion": cross_region})
    point = value("select_recovery_point", {"item": item, "policy": "latest", "now": datetime.now(UTC).isoformat(),
                                            "crossRegion": cross_region, "allowArchive": False})
    return request, item, point


def test_resolve_finds_the_vault_item_of_a_protected_vm(emu: Emulator) -> None:
    vm = emu.vm(WEB)
    item = value("resolve_backup_item", {"vmId": vm["id"], "crossRegion": False})
    assert item["protectedItemId"].lower() == vm["protectedItemId"].lower()
    assert item["vmRegion"] == "westeurope" and item["secondaryRegion"] == "northeurope"


def test_resolve_reports_an_unprotected_vm_as_a_terminal_error(emu: Emulator) -> None:
    vm_id = emu.get("inventory")["unprotectedVms"][0]
    error = call("resolve_backup_item", {"vmId": vm_id})["error"]
    assert error["code"] == "VmNotProtected" and error["transient"] is False


def test_resolve_finds_a_deleted_vms_item_in_the_vaults_protected_items(emu: Emulator) -> None:
    vm = emu.vm(WEB)
    emu.post("vms/delete", {"id": vm["id"]})
    requests.delete(f"{emu.url}/_emulator/requests", timeout=10).raise_for_status()
    item = value("resolve_backup_item", {"vmId": vm["id"], "vmDeleted": True})
    assert item["protectedItemId"].lower() == vm["protectedItemId"].lower()
    assert item["vmId"] == vm["id"] and item["vaultRegion"] == "westeurope"
    paths = [r["path"].split("?")[0] for r in emu.requests()]
    assert paths[0].endswith("/providers/Microsoft.RecoveryServices/vaults")
    assert any(p.endswith("/backupProtectedItems") for p in paths)
    assert not any("virtualMachines" in p or p.endswith("/backupStatus") for p in paths), "the VM is gone"
    point = value("select_recovery_point", {"item": item, "policy": "latest", "now": datetime.now(UTC).isoformat()})
    assert point["name"], "its recovery points are still there"


def test_a_deleted_vms_item_is_looked_up_in_the_allowed_vaults_without_listing_the_subscription(
        emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    vm = emu.vm(WEB)
    monkeypatch.setenv("RESTORE_ALLOWED_SCOPES", f"{vm['vaultId']},{vm['id'].split('/providers/')[0]}")
    settings.get_settings.cache_clear()
    emu.post("vms/delete", {"id": vm["id"]})
    requests.delete(f"{emu.url}/_emulator/requests", timeout=10).raise_for_status()
    item = value("resolve_backup_item", {"vmId": vm["id"], "vmDeleted": True})
    assert item["protectedItemId"].lower() == vm["protectedItemId"].lower() and item["vmRegion"] == "westeurope"
    paths = [r["path"].split("?")[0] for r in emu.requests()]
    assert not any(p.endswith("/providers/Microsoft.RecoveryServices/vaults") for p in paths), paths
    assert paths[0].lower() == vm["vaultId"].lower(), "the vault's region is read from the vault itself"


def test_resolve_reports_a_deleted_vm_no_vault_protects_as_not_protected(emu: Emulator) -> None:
    vm_id = emu.get("inventory")["unprotectedVms"][0]
    emu.post("vms/delete", {"id": vm_id})
    error = call("resolve_backup_item", {"vmId": vm_id, "vmDeleted": True})["error"]
    assert error["code"] == "VmNotProtected" and error["transient"] is False


def test_select_returns_the_newest_app_consistent_point(emu: Emulator) -> None:
    _, item, _ = prepared(emu)
    point = value("select_recovery_point", {"item": item, "policy": "latestAppConsistent",
                                            "now": datetime.now(UTC).isoformat()})
    assert point["type"] == "AppConsistent" and not point["isArchiveOnly"]


def test_select_lists_what_exists_when_nothing_matches(emu: Emulator) -> None:
    _, item, _ = prepared(emu)
    error = call("select_recovery_point", {"item": item, "policy": "latest", "now": datetime.now(UTC).isoformat(),
                                           "before": "2000-01-01T00:00:00Z"})["error"]
    assert error["code"] == "NoMatchingRecoveryPoint" and "found 11" in error["message"]


def test_cross_region_never_selects_an_archive_only_point_even_if_asked(emu: Emulator) -> None:
    _, item, _ = prepared(emu, cross_region=True)
    old = (datetime.now(UTC) - timedelta(days=60)).isoformat()
    primary = call("select_recovery_point", {"item": item, "policy": "latest", "now": datetime.now(UTC).isoformat(),
                                             "before": old, "allowArchive": True})
    assert primary["error"] is None and primary["value"]["isArchiveOnly"]  # such points exist
    crr = call("select_recovery_point", {"item": item, "policy": "latest", "now": datetime.now(UTC).isoformat(),
                                         "before": old, "crossRegion": True, "allowArchive": True})
    assert crr["error"]["code"] == "NoMatchingRecoveryPoint" and "archive tier only" in crr["error"]["message"]


def test_validation_returns_the_service_problems_for_a_wrong_region_staging_account(emu: Emulator) -> None:
    request, item, point = prepared(emu)
    request["storageAccountId"] = staging(emu, "northeurope")
    results = value("validate_restore", {"item": item, "recoveryPoint": point, "request": request})["results"]
    assert results and results[0]["code"] and results[0]["message"]


def test_trigger_twice_posts_one_restore_and_reuses_its_job(emu: Emulator) -> None:
    request, item, point = prepared(emu)
    started = (datetime.now(UTC) - timedelta(seconds=5)).isoformat()
    payload = {"instanceId": "r-1", "startedAt": started, "item": item, "recoveryPoint": point, "request": request}
    first = value("trigger_restore", payload)
    assert first["statusUrl"] and not first["reused"]
    op = wait_until(lambda: value("get_operation_status", {"url": first["statusUrl"]}), lambda v: v.get("jobId"),
                    timeout=30, what="operation job ID")
    second = value("trigger_restore", payload)
    posts = [r for r in emu.requests() if r["method"] == "POST" and RESTORE_POST in r["path"]]
    assert len(posts) == 1
    assert second == {"statusUrl": None, "resultUrl": None, "retryAfter": None, "jobId": op["jobId"],
                      "reused": True}


def test_a_failed_operation_is_a_terminal_error_with_the_operation_code(emu: Emulator) -> None:
    request, item, point = prepared(emu)
    trig = value("trigger_restore", {"instanceId": "r-4", "startedAt": datetime.now(UTC).isoformat(), "item": item,
                                     "recoveryPoint": point, "request": request})
    failed = {"id": "op-1", "name": "op-1", "status": "Failed",
              "error": {"code": "UserErrorDiskBusy", "message": "the disk is in use by another operation"}}
    emu.post("faults", {"method": "GET", "pathRegex": "operationsStatus", "times": 1,
                        "response": {"status": 200, "body": failed}})
    result = call("get_operation_status", {"url": trig["statusUrl"]})
    assert result["value"] is None
    assert (result["error"]["code"], result["error"]["message"], result["error"]["transient"]) == (
        "UserErrorDiskBusy", "the disk is in use by another operation", False)


def test_job_runs_to_completion_with_progress_and_what_it_restored(emu: Emulator) -> None:
    request, item, point = prepared(emu)
    started = datetime.now(UTC).isoformat()
    trig = value("trigger_restore", {"instanceId": "r-2", "startedAt": started, "item": item,
                                     "recoveryPoint": point, "request": request})
    job_id = wait_until(lambda: value("get_operation_status", {"url": trig["statusUrl"]}).get("jobId"),
                        timeout=30, what="job ID")
    job = wait_until(lambda: value("get_restore_job", {"item": item, "jobId": job_id}), lambda j: j["isTerminal"],
                     timeout=60, what="job end")
    assert job["status"] == "Completed" and job["progress"] == 100
    assert any("restored disks" in key.lower() for key in job["propertyBag"])


def test_a_running_job_read_carries_its_estimate_and_any_retry_after(emu: Emulator) -> None:
    requests.put(f"{emu.url}/_emulator/scenario", json={"jobSeconds": 24000, "etaErrorPct": 25, "etaSeed": 4},
                 timeout=10).raise_for_status()
    request, item, point = prepared(emu)
    trig = value("trigger_restore", {"instanceId": "r-7", "startedAt": datetime.now(UTC).isoformat(),
                                     "item": item, "recoveryPoint": point, "request": request})
    job_id = wait_until(lambda: value("get_operation_status", {"url": trig["statusUrl"]}).get("jobId"),
                        timeout=30, what="job ID")
    running = value("get_restore_job", {"item": item, "jobId": job_id})
    assert running["status"] == "InProgress" and running["retryAfter"] is None
    assert 0 < running["estimatedRemainingSeconds"] < 24000 * 1.5
    emu.post("faults", {"method": "GET", "pathRegex": f"backupJobs/{job_id}", "times": 1, "response": {
        "status": 200, "headers": {"Retry-After": "120"},
        "body": {"name": job_id, "properties": {"status": "InProgress"}}}})
    throttled = value("get_restore_job", {"item": item, "jobId": job_id})
    assert throttled["retryAfter"] == 120


def test_cancel_moves_a_running_job_to_cancelled(emu: Emulator) -> None:
    request, item, point = prepared(emu)
    trig = value("trigger_restore", {"instanceId": "r-3", "startedAt": datetime.now(UTC).isoformat(),
                                     "item": item, "recoveryPoint": point, "request": request})
    job_id = wait_until(lambda: value("get_operation_status", {"url": trig["statusUrl"]}).get("jobId"),
                        timeout=30, what="job ID")
    assert value("cancel_restore_job", {"item": item, "jobId": job_id}) == {"accepted": True}
    job = wait_until(lambda: value("get_restore_job", {"item": item, "jobId": job_id}), lambda j: j["isTerminal"],
                     timeout=60, what="cancelled job")
    assert job["status"] == "Cancelled"


def test_cross_region_restore_keeps_the_crr_token_inside_the_activity(emu: Emulator) -> None:
    request, item, point = prepared(emu, cross_region=True)
    started = datetime.now(UTC).isoformat()
    payload = {"instanceId": "r-4", "startedAt": started, "item": item, "recoveryPoint": point, "request": request}
    results = [call("trigger_restore", payload)]
    trig = results[0]["value"]
    url = trig["statusUrl"] or trig["resultUrl"]
    results.append(wait_until(lambda: call("get_operation_status", {"url": url, "crossRegion": True}),
                              lambda r: r["value"] and r["value"]["status"] == "Succeeded", timeout=30))
    found = wait_until(lambda: call("find_restore_job", {"item": item, "recoveryPoint": point, "startedAt": started,
                                                         "request": request}),
                       lambda r: r["value"]["jobId"], timeout=30)
    results.append(found)
    results.append(call("get_restore_job", {"item": item, "jobId": found["value"]["jobId"], "crossRegion": True}))
    tokens = emu.get("tokens")
    secrets = [t["token"] for t in tokens["arm"] + tokens["crr"]]
    assert tokens["crr"], "the CRR token was issued"
    dumped = json.dumps(results)
    assert not [s for s in secrets if s in dumped]
    assert len([r for r in emu.requests() if "/backupCrossRegionRestore?" in r["path"]]) == 1


def test_throttling_and_server_errors_are_retried_or_reported_as_transient(emu: Emulator) -> None:
    vm = emu.vm(WEB)
    emu.post("faults", {"pathRegex": "backupStatus", "times": 1, "response": {"status": 429,
                                                                             "headers": {"Retry-After": "1"}}})
    assert value("resolve_backup_item", {"vmId": vm["id"]})["vmId"] == vm["id"]
    emu.post("faults", {"pathRegex": "backupStatus", "response": {"status": 503, "headers": {"Retry-After": "7"}}})
    error = call("resolve_backup_item", {"vmId": vm["id"]})["error"]
    assert error["transient"] is True and error["status"] == 503


def test_dropped_connections_are_transient_errors(emu: Emulator) -> None:
    vm = emu.vm(WEB)
    emu.post("faults", {"pathRegex": "backupStatus", "drop": True})
    error = call("resolve_backup_item", {"vmId": vm["id"]})["error"]
    assert error["transient"] is True and error["code"] == "TransportError"


def test_settings_reach_the_orchestrator_through_an_activity(emu: Emulator) -> None:
    settings = value("get_restore_settings", {})
    assert settings["retryAfterDefault"] == 1 and settings["jobPollInterval"] == 60
    assert settings["jobPollMode"] == "adaptive" and settings["jobPollMaxInterval"] == 900
    assert settings["validateBeforeRestore"] is True
