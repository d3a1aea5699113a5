"""Restore plans end to end (issue 16): the host and the emulator as processes; assertions on what reached Azure."""

from __future__ import annotations

import json
from datetime import datetime
from string import Template
from typing import Any

import requests

from tests.e2e.helpers import EXAMPLES, Stack
from tests.support.azure_log import assert_cancelled_in_azure, assert_job_ended, assert_one_restore
from tests.support.wait import wait_until

PLAN_TIMEOUT = 180.0
VAULT = "vault-weu"


def _seed_vms(stack: Stack, count: int, prefix: str = "vm-plan") -> list[str]:
    """`count` protected VMs in rg-app (westeurope), backed up to vault-weu; their IDs in order."""
    names = [f"{prefix}-{n:02d}" for n in range(1, count + 1)]
    seed = {"subscriptions": [{"id": stack.ids["SUBSCRIPTION"], "virtualMachines": [
        {"resourceGroup": "rg-app", "name": name, "region": "westeurope", "dataDiskCount": 1,
         "backup": {"vault": VAULT, "policy": "DailyPolicy",
                    "recoveryPoints": [{"ageHours": 30, "type": "AppConsistent"}, {"ageHours": 6}]}}
        for name in names]}]}
    response = requests.post(f"{stack.emulator.url}/_emulator/seed", json=seed, timeout=30)
    assert response.status_code == 201, response.text[:500]
    vms = {vm["name"]: vm["id"] for vm in response.json()["vms"]}
    return [vms[name] for name in names]


def _storage(stack: Stack, name: str) -> str:
    return f"/subscriptions/{stack.ids['SUBSCRIPTION']}/resourceGroups/rg-restore/providers/Microsoft.Storage/" \
           f"storageAccounts/{name}"


def _start(stack: Stack, body: dict[str, Any]) -> str:
    response = requests.post(f"{stack.api}/plans", json=body, timeout=30)
    assert response.status_code == 202, response.text
    assert response.headers["Location"].endswith(f"/api/plans/{response.json()['id']}")
    return str(response.json()["id"])


def _final(stack: Stack, plan_id: str) -> requests.Response:
    return wait_until(lambda: requests.get(f"{stack.api}/plans/{plan_id}", timeout=30),
                      lambda r: r.status_code != 202, timeout=PLAN_TIMEOUT, interval=0.3,
                      what=f"plan {plan_id} to finish")


def _requests(stack: Stack) -> list[dict[str, Any]]:
    return list(requests.get(f"{stack.emulator.url}/_emulator/requests", timeout=10).json()["requests"])


def _jobs(stack: Stack) -> list[dict[str, Any]]:
    jobs = requests.get(f"{stack.emulator.url}/_emulator/jobs", timeout=10).json()["jobs"]
    return [j for j in jobs if j["properties"]["operation"] == "Restore"]


def _vm_of_trigger(path: str) -> str | None:
    """The VM name of a restore trigger (`POST …/protectedItems/VM;iaasvmcontainerv2;{rg};{vm}/…/restore`)."""
    lowered = path.split("?")[0].lower()
    if not lowered.endswith("/restore") or "/protecteditems/" not in lowered:
        return None
    return lowered.split("/protecteditems/")[1].split("/")[0].split(";")[-1]


def _triggers(stack: Stack) -> dict[str, datetime]:
    """VM name → service time of its (accepted) restore trigger."""
    return {vm: datetime.fromisoformat(r["serviceTime"]) for r in _requests(stack)
            if r["method"] == "POST" and r["status"] == 202 and (vm := _vm_of_trigger(r["path"]))}


def _name(vm_id: str) -> str:
    return vm_id.rsplit("/", 1)[-1].lower()


def _each_vm_restored_once_in_azure(stack: Stack, body: dict[str, Any], request: dict[str, Any]) -> None:
    """Every VM of the plan: one restore POST carrying the plan's options, and its job `Completed`."""
    for vm in body["vms"]:
        assert_one_restore(stack.azure, {**request, "vmId": vm["vmId"]}, vm)
        assert_job_ended(stack.azure, vm, "Completed")


def test_three_group_plan_of_twelve_vms_runs_group_after_group(stack: Stack) -> None:
    vms = _seed_vms(stack, 12)
    groups = [{"name": name, "vms": vms[i * 4:(i + 1) * 4]} for i, name in enumerate(["db", "app", "web"])]
    plan_id = _start(stack, {"groups": groups, "storageAccountIds": {"westeurope": stack.ids["STORAGE_ACCOUNT_ID"]},
                             "targetResourceGroupId": stack.ids["TARGET_RG_ID"], "maxParallel": 4})
    final = _final(stack, plan_id)
    body = final.json()
    assert final.status_code == 200, json.dumps(body)
    assert body["status"] == "succeeded" and body["counts"] == {"succeeded": 12}
    assert [g["name"] for g in body["groups"]] == ["db", "app", "web"]
    assert all(g["counts"] == {"succeeded": 4} for g in body["groups"])
    assert [vm["restoreId"] for vm in body["vms"]] == [f"{plan_id}:{n}" for n in range(12)]
    assert all(vm["jobId"] and vm["result"]["jobId"] == vm["jobId"] for vm in body["vms"])
    assert body["summary"]["failures"] == [] and body["summary"]["slowest"]
    _each_vm_restored_once_in_azure(stack, body, {"mode": "restoreDisks", "storageAccountId": stack.ids[
        "STORAGE_ACCOUNT_ID"], "targetResourceGroupId": stack.ids["TARGET_RG_ID"]})
    # What reached Azure: one restore per VM, and no group started before every job of the group before had ended.
    triggers = _triggers(stack)
    assert sorted(triggers) == sorted(_name(vm) for vm in vms)
    ended = {j["properties"]["entityFriendlyName"].lower(): datetime.fromisoformat(j["properties"]["endTime"])
             for j in _jobs(stack)}
    assert all(j["properties"]["status"] == "Completed" for j in _jobs(stack))
    for earlier, later in ((groups[0], groups[1]), (groups[1], groups[2])):
        last_end = max(ended[_name(vm)] for vm in earlier["vms"])
        first_start = min(triggers[_name(vm)] for vm in later["vms"])
        assert first_start >= last_end, (earlier["name"], last_end, later["name"], first_start)


def test_a_failed_vm_with_stop_after_group_ends_the_plan_after_its_group(stack: Stack) -> None:
    vms = _seed_vms(stack, 4)
    bad = _storage(stack, "stagingweuzrs")  # ZRS: the service refuses it as a staging account
    groups = [{"name": "db", "vms": [vms[0], {"vmId": vms[1], "storageAccountId": bad}]},
              {"name": "app", "vms": vms[2:]}]
    plan_id = _start(stack, {"groups": groups, "storageAccountId": stack.ids["STORAGE_ACCOUNT_ID"]})
    final = _final(stack, plan_id)
    body = final.json()
    assert final.status_code == 422, json.dumps(body)
    assert body["status"] == "failed"
    assert body["groups"][0]["counts"] == {"succeeded": 1, "failed": 1}
    assert body["groups"][1]["counts"] == {"skipped": 2}
    failure = body["summary"]["failures"][0]
    assert failure["vmId"] == vms[1] and failure["error"]["code"] == "UserErrorStorageAccountTypeNotSupported"
    assert sorted(_triggers(stack)) == [_name(vms[0])]  # the bad VM failed validation; group 2 never started


def test_cancel_mid_plan_cancels_the_running_azure_jobs_and_starts_no_more(stack: Stack) -> None:
    vms = _seed_vms(stack, 5)
    stack.scenario(jobSeconds=36000, cancelSeconds=60)
    groups = [{"name": "db", "vms": vms[:3]}, {"name": "app", "vms": vms[3:]}]
    plan_id = _start(stack, {"groups": groups, "storageAccountId": stack.ids["STORAGE_ACCOUNT_ID"]})
    wait_until(lambda: _jobs(stack), lambda jobs: len(jobs) == 3 and all(
        j["properties"]["status"] == "InProgress" for j in jobs), timeout=60, interval=0.2,
        what="the three restore jobs of group 1 to run")
    wait_until(lambda: requests.get(f"{stack.api}/plans/{plan_id}", timeout=30).json(),
               lambda b: b.get("counts", {}).get("running") == 3 and all(
                   v["phase"] == "waitingForJob" for v in b["vms"]), timeout=60, interval=0.2,
               what="the plan to wait for the three jobs")
    cancel = requests.post(f"{stack.api}/plans/{plan_id}/cancel", timeout=30)
    assert cancel.status_code == 202, cancel.text
    final = _final(stack, plan_id)
    body = final.json()
    assert final.status_code == 409, json.dumps(body)
    assert body["status"] == "cancelled" and body["counts"] == {"cancelled": 3, "skipped": 2}
    jobs = _jobs(stack)
    assert sorted(j["properties"]["status"] for j in jobs) == ["Cancelled"] * 3
    cancels = [r for r in _requests(stack) if r["method"] == "POST" and r["path"].split("?")[0].endswith("/cancel")]
    assert len(cancels) == 3
    assert sorted(_triggers(stack)) == sorted(_name(vm) for vm in vms[:3])
    for vm in body["vms"][:3]:
        assert_one_restore(stack.azure, {"vmId": vm["vmId"], "storageAccountId": stack.ids["STORAGE_ACCOUNT_ID"]}, vm)
        assert_cancelled_in_azure(stack.azure, vm["jobId"])


def test_dry_run_triggers_nothing_and_reports_the_vm_that_would_fail(stack: Stack) -> None:
    vms = _seed_vms(stack, 3)
    bad = _storage(stack, "stagingweuzrs")
    plan_id = _start(stack, {"dryRun": True, "storageAccountId": stack.ids["STORAGE_ACCOUNT_ID"],
                             "groups": [{"name": "all", "vms": [vms[0], vms[1], {"vmId": vms[2],
                                                                                   "storageAccountId": bad}]}]})
    final = _final(stack, plan_id)
    body = final.json()
    assert body["dryRun"] is True and body["status"] == "failed", json.dumps(body)
    states = {vm["vmId"]: vm for vm in body["vms"]}
    assert states[vms[0]]["state"] == "validated" and states[vms[0]]["recoveryPoint"]["name"]
    assert states[vms[0]]["result"] is None and states[vms[0]]["jobId"] is None
    assert states[vms[2]]["state"] == "failed"
    assert states[vms[2]]["error"]["code"] == "UserErrorStorageAccountTypeNotSupported"
    assert _triggers(stack) == {} and _jobs(stack) == []
    validations = [r for r in _requests(stack) if "backupValidateOperation" in r["path"] or
                   "backupTriggerValidateOperation" in r["path"]]
    assert len(validations) >= 3  # every VM went through the service's pre-flight validation


def test_an_invalid_plan_is_refused_naming_the_field_and_starts_nothing(stack: Stack) -> None:
    vms = _seed_vms(stack, 2)
    before = requests.get(f"{stack.devhost.url}/runtime/webhooks/durabletask/instances", timeout=10).json()
    body = {"groups": [{"name": "db", "vms": [vms[0]]},
                       {"name": "app", "vms": [{"vmId": vms[1], "storageAccountId": "not-an-id"}]}],
            "storageAccountId": stack.ids["STORAGE_ACCOUNT_ID"], "onFailure": "sometimes"}
    response = requests.post(f"{stack.api}/plans", json=body, timeout=30)
    assert response.status_code == 400, response.text
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"groups[1].vms[0].storageAccountId", "onFailure"}
    after = requests.get(f"{stack.devhost.url}/runtime/webhooks/durabletask/instances", timeout=10).json()
    assert len(after) == len(before)
    assert _requests(stack) == []


def test_an_unprotected_vm_in_the_last_group_stops_the_plan_before_anything_starts(stack: Stack) -> None:
    vms = _seed_vms(stack, 2)
    groups = [{"name": "db", "vms": vms[:1]}, {"name": "app", "vms": vms[1:]},
              {"name": "web", "vms": [stack.ids["UNPROTECTED_VM_ID"]]}]
    plan_id = _start(stack, {"groups": groups, "storageAccountId": stack.ids["STORAGE_ACCOUNT_ID"]})
    final = _final(stack, plan_id)
    body = final.json()
    assert final.status_code == 422, json.dumps(body)
    assert body["error"]["code"] == "PlanInvalid" and body["counts"] == {"skipped": 3}
    assert [p["field"] for p in body["problems"]] == ["groups[2].vms[0]"]
    assert body["problems"][0]["reason"].startswith("VmNotProtected")
    assert _triggers(stack) == {} and _jobs(stack) == []


def test_a_vault_plan_restores_every_protected_vm_of_the_vault(stack: Stack) -> None:
    _seed_vms(stack, 3)
    inventory = requests.get(f"{stack.emulator.url}/_emulator/inventory", timeout=10).json()
    vault_id = next(v["id"] for v in inventory["vaults"] if v["id"].lower().endswith("/vaults/vault-weu"))
    protected = sorted(vm["name"].lower() for vm in inventory["vms"] if vm["vaultId"] == vault_id)
    plan_id = _start(stack, {"vaultId": vault_id, "storageAccountId": stack.ids["STORAGE_ACCOUNT_ID"]})
    final = _final(stack, plan_id)
    body = final.json()
    assert final.status_code == 200, json.dumps(body)
    assert body["counts"] == {"succeeded": len(protected)}
    assert sorted(_triggers(stack)) == protected
    lists = [r for r in _requests(stack) if "/backupProtectedItems" in r["path"] and r["method"] == "GET"]
    assert len(lists) == 1 and "itemType" in requests.utils.unquote(lists[0]["path"])


def test_an_idempotency_key_returns_the_same_plan_and_the_list_shows_it(stack: Stack) -> None:
    vms = _seed_vms(stack, 1)
    body = {"vmIds": vms, "storageAccountId": stack.ids["STORAGE_ACCOUNT_ID"], "dryRun": True}
    headers = {"Idempotency-Key": "incident-4711"}
    first = requests.post(f"{stack.api}/plans", json=body, headers=headers, timeout=30)
    assert first.status_code == 202, first.text
    again = requests.post(f"{stack.api}/plans", json=body, headers=headers, timeout=30)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    other = requests.post(f"{stack.api}/plans", json={**body, "maxParallel": 2}, headers=headers, timeout=30)
    assert other.status_code == 409 and other.json()["errors"][0]["field"] == "idempotencyKey"
    _final(stack, first.json()["id"])
    listed = requests.get(f"{stack.api}/plans", timeout=30)
    assert listed.status_code == 200
    assert first.json()["id"] in [item["id"] for item in listed.json()["items"]]
    restores = requests.get(f"{stack.api}/restores", timeout=30).json()["items"]
    assert not any(item["id"].startswith(first.json()["id"]) for item in restores)  # plan restores are the plan's


def test_a_plan_outside_the_allowed_scopes_is_refused_naming_the_vm(stack: Stack) -> None:
    inventory = requests.get(f"{stack.emulator.url}/_emulator/inventory", timeout=10).json()
    ops_vm = next(vm["id"] for vm in inventory["vms"] if vm["name"] == "vm-ops-01")
    response = requests.post(f"{stack.api}/plans", json={
        "groups": [{"name": "db", "vms": [ops_vm]}], "storageAccountId": stack.ids["STORAGE_ACCOUNT_ID"]}, timeout=30)
    assert response.status_code == 403, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["groups[0].vms[0]"]
    assert _requests(stack) == []


def _plan_example(name: str, values: dict[str, str]) -> dict[str, Any]:
    return dict(json.loads(Template((EXAMPLES / "plans" / name).read_text()).substitute(values)))


def test_the_three_tier_example_plan_runs_to_success(stack: Stack) -> None:
    db, app, web = _seed_vms(stack, 3, prefix="vm-tier")
    plan_id = _start(stack, _plan_example("three-tier.json", {**stack.ids, "DB_VM_ID": db, "APP_VM_ID": app,
                                                              "WEB_VM_ID": web}))
    final = _final(stack, plan_id)
    body = final.json()
    assert final.status_code == 200, json.dumps(body)
    assert [(g["name"], g["counts"]) for g in body["groups"]] == [
        ("database", {"succeeded": 1}), ("application", {"succeeded": 1}), ("web", {"succeeded": 1})]
    assert body["vms"][0]["recoveryPoint"]["type"] == "AppConsistent"
    triggers = _triggers(stack)
    assert triggers[_name(db)] < triggers[_name(app)] < triggers[_name(web)]


def test_the_whole_vault_cross_region_example_plan_restores_every_vm_in_the_paired_region(stack: Stack) -> None:
    _seed_vms(stack, 2, prefix="vm-crr")
    inventory = requests.get(f"{stack.emulator.url}/_emulator/inventory", timeout=10).json()
    vault_id = next(v["id"] for v in inventory["vaults"] if v["id"].lower().endswith("/vaults/vault-weu"))
    protected = sorted(vm["id"] for vm in inventory["vms"] if vm["vaultId"] == vault_id)
    plan_id = _start(stack, _plan_example("whole-vault-cross-region.json", {**stack.ids, "VAULT_ID": vault_id}))
    final = _final(stack, plan_id)
    body = final.json()
    assert final.status_code == 200, json.dumps(body)
    assert sorted(vm["vmId"].lower() for vm in body["vms"]) == sorted(p.lower() for p in protected)
    crr = [r for r in _requests(stack) if r["method"] == "POST" and "/backupCrossRegionRestore" in r["path"]
           and r["status"] == 202]
    assert len(crr) == len(protected)
    assert all(vm["recoveryPoint"]["crossRegion"] for vm in body["vms"])
    _each_vm_restored_once_in_azure(stack, body, {"crossRegion": True, "mode": "restoreDisks", "storageAccountId":
                                                  stack.ids["SECONDARY_STORAGE_ACCOUNT_ID"],
                                                  "targetResourceGroupId": stack.ids["SECONDARY_RG_ID"]})
