"""Restore drills end to end (emulator + local host, time scale 600): three VMs restored as new VMs into an
isolated group, one fails validation (staged by a knob), everything the run created is deleted and nothing else;
the schedule starts one run per due time; a host killed mid-cleanup still ends with everything deleted."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.conftest import TIME_SCALE
from tests.e2e.helpers import EVENT_TOPIC_PATH
from tests.support.procs import Proc, app_env, start_devhost
from tests.support.wait import wait_until

SUB = "11111111-1111-1111-1111-111111111111"
GROUP = f"/subscriptions/{SUB}/resourceGroups/rg-drill"
VNET = f"{GROUP}/providers/Microsoft.Network/virtualNetworks/vnet-drill"
STAGING = f"{GROUP}/providers/Microsoft.Storage/storageAccounts/stagingdrill"
VMS = [f"/subscriptions/{SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/{n}"
       for n in ("vm-web-01", "vm-sql-01", "vm-api-01")]
# The isolated target: a group, network and staging account of the drill's own (posted after every reset).
DRILL_SEED = {"subscriptions": [{
    "id": SUB, "resourceGroups": [{"name": "rg-drill", "region": "westeurope"}],
    "virtualNetworks": [{"resourceGroup": "rg-drill", "name": "vnet-drill", "region": "westeurope",
                         "subnets": ["default"]}],
    "storageAccounts": [{"resourceGroup": "rg-drill", "name": "stagingdrill", "region": "westeurope",
                         "sku": "Standard_LRS"}],
    "virtualMachines": [{"resourceGroup": "rg-app", "name": "vm-api-01", "region": "westeurope", "dataDiskCount": 1,
                         "backup": {"vault": "vault-weu", "recoveryPoints": [{"ageHours": 5, "type": "AppConsistent"},
                                                                             {"ageHours": 29}]}}]}]}


def _drill(name: str, schedule: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "schedule": schedule, "startWindowHours": 1, "vms": {"ids": VMS},
            "recoveryPoint": {"choice": "latestWithinWindow", "windowDays": 7},
            "restore": {"mode": "newVm", "targetResourceGroupId": GROUP, "storageAccountId": STAGING,
                        "targetVnetId": VNET, "targetSubnetId": f"{VNET}/subnets/default"},
            "retentionHours": 0.5, **extra}


# `manual` is due only on 1 January (it runs when asked); `hourly` is due every service hour.
MANUAL = _drill("manual", "0 0 1 1 *")
HOURLY = _drill("hourly", "0 * * * *")


def _env(emulator: Proc, *drills: dict[str, Any]) -> dict[str, str]:
    scopes = ",".join(f"/subscriptions/{SUB}/resourceGroups/{rg}" for rg in ("rg-app", "rg-backup", "rg-drill"))
    return app_env(emulator.url, RESTORE_ALLOWED_SCOPES=scopes, DRILLS=json.dumps({"drills": list(drills)}))


@pytest.fixture()
def emu(emulator: Proc) -> Proc:
    """A fresh emulator state with the drill's target resources."""
    requests.post(f"{emulator.url}/_emulator/reset", timeout=10).raise_for_status()
    requests.post(f"{emulator.url}/_emulator/seed", json=DRILL_SEED, timeout=10).raise_for_status()
    return emulator


Launch = Callable[..., Proc]


@pytest.fixture()
def launch(emu: Proc, clock_file: Path, tmp_path: Path) -> Iterator[Launch]:
    """Start the local host with the given drills (one database per test, so a restart resumes it); every host
    started is stopped at the end."""
    started: list[Proc] = []

    def start(*drills: dict[str, Any], **settings: str) -> Proc:
        proc = start_devhost({**_env(emu, *drills), **settings}, time_scale=TIME_SCALE, clock_file=clock_file,
                             db_path=tmp_path / "devhost.db")
        started.append(proc)
        return proc

    try:
        yield start
    finally:
        for proc in started:
            proc.stop()


@pytest.fixture()
def host(launch: Launch) -> Proc:
    """The local host with the `manual` drill only."""
    return launch(MANUAL)


def _inventory(emu: Proc) -> dict[str, Any]:
    return dict(requests.get(f"{emu.url}/_emulator/inventory", timeout=10).json())


def _ids(inventory: dict[str, Any]) -> set[str]:
    return {r["id"].lower() for kind in ("vms", "disks", "networkInterfaces", "blobContainers")
            for r in inventory[kind]}


def _run(host: Proc, run_id: str) -> dict[str, Any]:
    return dict(requests.get(f"{host.url}/api/drills/runs/{run_id}", timeout=10).json())


def _wait_done(host: Proc, run_id: str, timeout: float = 90) -> dict[str, Any]:
    return wait_until(lambda: _run(host, run_id), lambda r: r.get("runtimeStatus") == "Completed", timeout=timeout,
                      what=f"drill run {run_id} to complete")


def test_a_run_restores_three_vms_reports_the_failed_validation_and_deletes_exactly_what_it_created(
        emu: Proc, host: Proc) -> None:
    requests.put(f"{emu.url}/_emulator/scenario", json={"restoredVmStopped": ["vm-sql-01"]},
                 timeout=10).raise_for_status()
    before = _ids(_inventory(emu))
    started = requests.post(f"{host.url}/api/drills/manual/run", timeout=10)
    assert started.status_code == 202, started.text
    report = _wait_done(host, started.json()["id"])
    assert (report["status"], report["phase"], report["startedBy"]) == ("failed", "done", "manual")
    by_vm = {vm["vmId"].rsplit("/", 1)[-1]: vm for vm in report["vms"]}
    assert sorted(by_vm) == ["vm-api-01", "vm-sql-01", "vm-web-01"]
    assert by_vm["vm-sql-01"]["validation"] == {"status": "failed",
                                                "reasons": ["the restored VM is not running (PowerState/stopped)"]}
    for name in ("vm-web-01", "vm-api-01"):
        vm = by_vm[name]
        assert vm["validation"]["status"] == "passed", (vm["validation"], vm["error"])
        assert vm["recoveryPoint"]["name"] and vm["pointAgeHours"] > 0 and vm["restoreSeconds"] > 0
    # Everything created (VM, NIC, disks, config container per VM) lies in the drill group and is gone again.
    jobs = {vm["jobId"] for vm in report["vms"]}
    created = [r for vm in report["vms"] for r in vm["created"]]
    assert len(created) == len(set(created)) and all(r.startswith(GROUP + "/") for r in created)
    assert {r.split("/")[-2] for r in created} == {"virtualMachines", "networkInterfaces", "disks", "containers"}
    cleanup = report["cleanup"]
    assert cleanup["status"] == "passed" and not cleanup["refused"] and not cleanup["failed"]
    assert sorted(cleanup["deleted"] + cleanup["alreadyGone"]) == sorted(created)
    after = _inventory(emu)
    assert _ids(after) ^ before == set()  # nothing the run created is left, nothing else was touched
    assert not [r for kind in ("vms", "disks", "networkInterfaces", "blobContainers") for r in after[kind]
                if r.get("createdByJob") in jobs]
    log = requests.get(f"{emu.url}/_emulator/requests", timeout=10).json()["requests"]
    deletes = [r["path"].split("?")[0] for r in log if r["method"] == "DELETE"]
    assert deletes and all(p.startswith(GROUP + "/") for p in deletes)
    restores = [j for j in requests.get(f"{emu.url}/_emulator/jobs", timeout=10).json()["jobs"]
                if j["properties"]["operation"] == "Restore"]
    assert len(restores) == 3  # one restore per VM, each a new VM (never replace disks)
    assert {j["properties"]["extendedInfo"]["propertyBag"]["Job Type"] for j in restores} == \
        {"Create new virtual machine"}


def _service_now(emu: Proc) -> datetime:
    return datetime.fromisoformat(requests.get(f"{emu.url}/_emulator/health", timeout=10).json()["serviceTime"])


def _runs(host: Proc, name: str) -> list[dict[str, Any]]:
    return list(requests.get(f"{host.url}/api/drills/{name}/runs", timeout=10).json()["runs"])


def _restore_jobs(emu: Proc) -> list[dict[str, Any]]:
    jobs = requests.get(f"{emu.url}/_emulator/jobs", timeout=10).json()["jobs"]
    return [j for j in jobs if j["properties"]["operation"] == "Restore"]


def _due(run_id: str) -> datetime:
    return datetime.strptime(run_id.rsplit("-", 1)[-1], "%Y%m%dT%H%MZ").replace(tzinfo=UTC)


def test_the_schedule_starts_one_run_per_due_time_and_a_missed_schedule_once_late(emu: Proc, launch: Launch) -> None:
    first = launch(HOURLY)
    # The tick runs every 5 service minutes (0.5 s of wall time): twelve ticks per due time.
    runs = wait_until(lambda: _runs(first, "hourly"), lambda r: len(r) >= 2, timeout=60, what="two scheduled runs")
    dues = sorted(_due(r["id"]) for r in runs)
    assert len(set(dues)) == len(dues) and all(d.minute == 0 for d in dues)
    assert all(b - a == timedelta(hours=1) for a, b in itertools.pairwise(dues))
    wait_until(lambda: _restore_jobs(emu), lambda jobs: len(jobs) >= 3 * len(dues), timeout=30,
               what="the runs' restores")
    first.kill()
    killed_at = _service_now(emu)
    # Three due times pass while no host runs.
    wait_until(lambda: _service_now(emu), lambda now: now >= killed_at + timedelta(hours=3), timeout=60,
               what="three service hours")
    second = launch(HOURLY)
    later = wait_until(lambda: [r for r in _runs(second, "hourly") if _due(r["id"]) > killed_at],
                       lambda new: len(new) >= 1, timeout=60, what="the late run")
    restarted_at = _service_now(emu)
    # The due times missed while down are not run one by one: one run, late, for the newest before the restart.
    [late] = later
    assert killed_at + timedelta(hours=2) < _due(late["id"]) <= restarted_at
    every = [r["id"] for r in _runs(second, "hourly")]
    assert len(every) == len(set(every))
    assert len(_restore_jobs(emu)) <= 3 * len(every)  # no run restored twice


def test_a_host_killed_mid_cleanup_still_deletes_everything_once(emu: Proc, launch: Launch, tmp_path: Path) -> None:
    before = _ids(_inventory(emu))
    # Every delete in the drill group takes a second of wall time, so the kill lands in the middle of the cleanup.
    fault = {"method": "DELETE", "pathRegex": "/resourceGroups/rg-drill/", "delayMs": 1000}
    requests.post(f"{emu.url}/_emulator/faults", json=fault, timeout=10).raise_for_status()
    first = launch(MANUAL)
    run_id = requests.post(f"{first.url}/api/drills/manual/run", timeout=10).json()["id"]

    def deletes() -> list[dict[str, Any]]:
        log = requests.get(f"{emu.url}/_emulator/requests", timeout=10).json()["requests"]
        return [r for r in log if r["method"] == "DELETE"]

    wait_until(deletes, lambda done: len(done) >= 3, timeout=90, what="the cleanup to be under way")
    first.kill()
    second = launch(MANUAL)
    report = _wait_done(second, run_id, timeout=120)
    cleanup = report["cleanup"]
    created = [r for vm in report["vms"] for r in vm["created"]]
    assert cleanup["status"] == "passed" and not cleanup["failed"] and not cleanup["refused"]
    assert sorted(cleanup["deleted"] + cleanup["alreadyGone"]) == sorted(created)  # each counted once
    assert _ids(_inventory(emu)) == before


def _verdict(host: Proc, run_id: str, body: Any) -> requests.Response:
    return requests.put(f"{host.url}/api/drills/runs/{run_id}/validation", json=body, timeout=10)


def test_custom_validation_gets_the_restored_resources_and_the_verdict_posted_back(
        emu: Proc, launch: Launch, httpserver: Any) -> None:
    httpserver.expect_request("/validate", method="POST").respond_with_data("", status=202)
    host = launch({**MANUAL, "validation": {"validationUrl": httpserver.url_for("/validate"),
                                            "validationTimeoutHours": 2}})
    run_id = requests.post(f"{host.url}/api/drills/manual/run", timeout=10).json()["id"]
    calls = wait_until(lambda: list(httpserver.log), lambda log: len(log) >= 1, timeout=90, what="the validation POST")
    sent = json.loads(calls[0][0].get_data())
    assert sent["runId"] == run_id and sent["verdict"] == f"/api/drills/runs/{run_id}/validation"
    assert sent["resources"] and all(r.startswith(GROUP + "/") for r in sent["resources"])
    assert "Authorization" not in calls[0][0].headers
    bad = _verdict(host, run_id, {"status": "maybe"})
    assert bad.status_code == 400 and "status" in bad.text
    accepted = _verdict(host, run_id, {"status": "failed", "message": "the app did not answer on port 443"})
    assert accepted.status_code == 202, accepted.text
    report = _wait_done(host, run_id)
    assert report["customValidation"] == {"status": "failed", "reasons": ["the app did not answer on port 443"]}
    assert report["status"] == "failed" and all(vm["validation"]["status"] == "passed" for vm in report["vms"])
    assert report["cleanup"]["status"] == "passed"
    assert _verdict(host, run_id, {"status": "passed"}).status_code == 409  # nothing waits for a verdict now


def test_custom_validation_without_a_verdict_in_time_fails_as_timed_out(
        emu: Proc, launch: Launch, httpserver: Any) -> None:
    httpserver.expect_request("/validate", method="POST").respond_with_data("", status=202)
    host = launch({**MANUAL, "validation": {"validationUrl": httpserver.url_for("/validate"),
                                            "validationTimeoutHours": 0.5}})
    run_id = requests.post(f"{host.url}/api/drills/manual/run", timeout=10).json()["id"]
    report = _wait_done(host, run_id)
    assert report["customValidation"] == {"status": "failed", "reasons": ["validation timed out"]}
    assert report["status"] == "failed" and report["cleanup"]["status"] == "passed"


def test_a_drill_that_would_replace_disks_starts_nothing_and_names_the_field(emu: Proc, launch: Launch) -> None:
    host = launch({**MANUAL, "restore": {**MANUAL["restore"], "mode": "replaceDisks"}})
    for reply in (requests.post(f"{host.url}/api/drills/manual/run", timeout=10),
                  requests.get(f"{host.url}/api/drills", timeout=10)):
        assert reply.status_code == 500 and "drills[0].restore.mode: a drill never replaces disks" in reply.text
    assert _restore_jobs(emu) == []
    assert [r for r in requests.get(f"{emu.url}/_emulator/requests", timeout=10).json()["requests"]
            if r["method"] != "GET"] == []


def test_a_vault_drill_skips_vms_of_its_target_group_and_leaves_what_was_there(emu: Proc, launch: Launch) -> None:
    # A VM protected by the same vault lives in the drill's group: it is neither restored nor deleted.
    inside = {"subscriptions": [{"id": SUB, "virtualMachines": [
        {"resourceGroup": "rg-drill", "name": "vm-inside-01", "region": "westeurope", "dataDiskCount": 1,
         "backup": {"vault": "vault-weu", "recoveryPoints": [{"ageHours": 3, "type": "AppConsistent"}]}}]}]}
    requests.post(f"{emu.url}/_emulator/seed", json=inside, timeout=10).raise_for_status()
    vault = f"/subscriptions/{SUB}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/vault-weu"
    before = _ids(_inventory(emu))
    host = launch({**MANUAL, "vms": {"vaultId": vault}})
    run_id = requests.post(f"{host.url}/api/drills/manual/run", timeout=10).json()["id"]
    report = _wait_done(host, run_id)
    restored = [vm["vmId"] for vm in report["vms"]]
    assert len(restored) == 3 and not [vm for vm in restored if "/resourceGroups/rg-drill/" in vm]
    assert report["cleanup"]["status"] == "passed"
    assert _ids(_inventory(emu)) == before  # the VM inside the group and its disks are still there


def _cli(host: Proc, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vmrestore", "--url", host.url, "drill", *args],
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_cli_runs_a_drill_watches_it_and_shows_a_disk_of_another_size(emu: Proc, host: Proc) -> None:
    requests.put(f"{emu.url}/_emulator/scenario", json={"restoredDiskSizeDiffers": ["vm-api-01"]},
                 timeout=10).raise_for_status()
    watched = _cli(host, "run", "manual", "--watch", "--interval", "0.2")
    assert watched.returncode == 1, watched.stderr  # the run failed: one VM's validation failed
    run_id = watched.stdout.split()[0]
    assert "vm-api-01" in watched.stdout and "matches no source disk's size and SKU" in watched.stdout
    assert "cleanup: passed" in watched.stdout
    shown = json.loads(_cli(host, "show", run_id, "--json").stdout)
    failed = [vm["vmId"].rsplit("/", 1)[-1] for vm in shown["vms"] if vm["validation"]["status"] == "failed"]
    assert failed == ["vm-api-01"]
    assert run_id in _cli(host, "runs", "manual").stdout
    listed = _cli(host, "list")
    assert listed.returncode == 0 and listed.stdout.startswith("manual") and run_id in listed.stdout
    missing = _cli(host, "run", "nope")
    assert missing.returncode == 4 and "Drill not found (HTTP 404)" in missing.stderr


def test_a_failed_run_publishes_one_drill_failed_cloud_event_to_the_topic_and_calls_back(
        emu: Proc, launch: Launch, httpserver: Any) -> None:
    httpserver.expect_request("/hooks/drill", method="POST").respond_with_data("", status=204)
    requests.put(f"{emu.url}/_emulator/scenario", json={"restoredVmProvisioningFailed": ["vm-web-01"]},
                 timeout=10).raise_for_status()
    host = launch({**MANUAL, "callbackUrl": httpserver.url_for("/hooks/drill")},
                  EVENT_GRID_TOPIC_ENDPOINT=f"{emu.url}{EVENT_TOPIC_PATH}")
    run_id = requests.post(f"{host.url}/api/drills/manual/run", timeout=10).json()["id"]
    report = _wait_done(host, run_id)
    assert report["status"] == "failed"
    [web] = [vm for vm in report["vms"] if vm["vmId"].endswith("/vm-web-01")]
    assert "the restored VM's provisioningState is Failed" in web["validation"]["reasons"]
    # The run publishes before it completes: what the topic holds now is all it will ever get from this run.
    sink = requests.get(f"{emu.url}/_emulator/eventgrid/events", timeout=10).json()["events"]
    failures = [e for e in sink if e["event"]["type"] == "Contoso.Restore.DrillFailed"]
    assert len(failures) == 1, f"exactly one DrillFailed event for the run: {[e['event']['id'] for e in failures]}"
    [entry] = failures
    event = entry["event"]
    assert entry["topic"] == "restore-events" and event["specversion"] == "1.0" and event["id"]
    assert event["subject"] == f"drills/manual/runs/{run_id}"
    shown = {k: v for k, v in report.items() if k not in ("id", "runtimeStatus")}  # the API's envelope
    assert event["data"] == shown, "the run's report (its output) as data"
    issued = {t["sha256"]: t["resource"] for t in requests.get(f"{emu.url}/_emulator/tokens", timeout=10).json()["arm"]}
    assert issued[entry["tokenSha256"]].rstrip("/") == "https://eventgrid.azure.net"  # a token for Event Grid only
    arm = requests.get(f"{emu.url}/_emulator/requests", timeout=10).json()["requests"]
    assert entry["tokenSha256"] not in {r["tokenSha256"] for r in arm}  # and it never went to ARM
    [(request, _)] = wait_until(lambda: list(httpserver.log), lambda log: len(log) >= 1, timeout=30, what="callback")
    callback = json.loads(request.get_data())
    assert request.path == "/hooks/drill" and callback["id"] == run_id and callback["status"] == "failed"
    assert "Authorization" not in request.headers


def test_a_drill_of_resource_groups_restores_the_vms_carrying_every_tag(emu: Proc, launch: Launch) -> None:
    tagged = {"subscriptions": [{"id": SUB, "virtualMachines": [
        {"resourceGroup": "rg-app", "name": name, "region": "westeurope", "tags": tags,
         "backup": {"vault": "vault-weu", "recoveryPoints": [{"ageHours": 2, "type": "AppConsistent"}]}}
        for name, tags in (("vm-shop-01", {"Drill": "weekly", "tier": "web"}), ("vm-shop-02", {"drill": "weekly"}),
                           ("vm-shop-03", {"drill": "Weekly", "tier": "web"}))]}]}
    requests.post(f"{emu.url}/_emulator/seed", json=tagged, timeout=10).raise_for_status()
    host = launch({**MANUAL, "vms": {"resourceGroups": [f"/subscriptions/{SUB}/resourceGroups/rg-app"],
                                     "tags": {"drill": "weekly", "tier": "web"}}})
    report = _wait_done(host, requests.post(f"{host.url}/api/drills/manual/run", timeout=10).json()["id"])
    # Tag names compare case-insensitively, values exactly: vm-shop-03's "Weekly" is another value.
    assert [vm["vmId"].rsplit("/", 1)[-1] for vm in report["vms"]] == ["vm-shop-01"]
    assert report["status"] == "passed", report
    log = requests.get(f"{emu.url}/_emulator/requests", timeout=10).json()["requests"]
    assert any("tagName" in r["path"] and "/resourceGroups/rg-app/resources" in r["path"] for r in log)
