"""Real emulator processes stopped and restarted on the same `--state-file`, and sharing a `--clock-file`."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from tests.support.procs import ROOT, Proc, free_port, running, start_emulator
from tests.support.wait import wait_until

PRIMARY = {"api-version": "2026-02-01"}


def _token(emu: Proc) -> str:
    reply = requests.get(emu.url + "/msi/token", params={"api-version": "2019-08-01", "resource": emu.url},
                         headers={"X-IDENTITY-HEADER": "local-dev"}, timeout=5)
    reply.raise_for_status()
    return str(reply.json()["access_token"])


def _web(emu: Proc) -> dict[str, Any]:
    inventory = requests.get(emu.url + "/_emulator/inventory", timeout=5).json()
    vm = next(v for v in inventory["vms"] if v["name"] == "vm-web-01")
    vm["account"] = next(sa["id"] for sa in inventory["storageAccounts"]
                         if sa["region"] == vm["region"] and sa["sku"] == "Standard_LRS")
    return dict(vm)


def _start_restore(emu: Proc, token: str) -> str:
    """Trigger a restore-disks on vm-web-01; returns the `Azure-AsyncOperation` URL's path and query."""
    vm, auth = _web(emu), {"Authorization": f"Bearer {token}"}
    rp = requests.get(f"{emu.url}{vm['protectedItemId']}/recoveryPoints", params=PRIMARY, headers=auth,
                      timeout=5).json()["value"][0]["name"]
    body = {"properties": {"objectType": "IaasVMRestoreRequest", "recoveryPointId": rp, "recoveryType": "RestoreDisks",
                           "sourceResourceId": vm["id"], "storageAccountId": vm["account"]}}
    reply = requests.post(f"{emu.url}{vm['protectedItemId']}/recoveryPoints/{rp}/restore", params=PRIMARY,
                          json=body, headers=auth, timeout=5)
    assert reply.status_code == 202, reply.text
    return str(reply.headers["Azure-AsyncOperation"]).removeprefix(emu.url)


def _restore_jobs(emu: Proc) -> list[dict[str, Any]]:
    jobs = requests.get(emu.url + "/_emulator/jobs", timeout=5).json()["jobs"]
    return [j for j in jobs if j["properties"]["operation"] == "Restore"]


def _service_time(emu: Proc) -> datetime:
    text = requests.get(emu.url + "/_emulator/health", timeout=5).json()["serviceTime"]
    return datetime.fromisoformat(text[:26] + "+00:00")


def test_a_restore_running_when_the_emulator_was_killed_finishes_after_the_restart(tmp_path: Path) -> None:
    state = ["--state-file", str(tmp_path / "state.json")]
    with running(start_emulator(time_scale=1, extra=state)) as first:
        token = _token(first)
        status_path = _start_restore(first, token)
        requests.post(first.url + "/_emulator/clock", json={"advanceSeconds": 600}, timeout=5).raise_for_status()
        job = _restore_jobs(first)[0]
        before = _service_time(first)
        first.kill(signal.SIGKILL)  # no shutdown hook: the state must already be on disk
    assert job["properties"]["status"] == "InProgress"
    with running(start_emulator(time_scale=1, extra=state)) as second:
        assert _service_time(second) >= before  # the clock anchor (with its jump) came back too
        auth = {"Authorization": f"Bearer {token}"}  # a token issued before the restart still works
        job_url = f"{second.url}{job['vaultId']}/backupJobs/{job['name']}"
        assert requests.get(job_url, params=PRIMARY, headers=auth, timeout=5).json()["properties"]["status"] == \
            "InProgress"
        requests.post(second.url + "/_emulator/clock", json={"advanceSeconds": 1800}, timeout=5).raise_for_status()
        done = requests.get(job_url, params=PRIMARY, headers=auth, timeout=5).json()
        status = requests.get(second.url + status_path, headers=auth, timeout=5).json()
        disks = requests.get(second.url + "/_emulator/inventory", timeout=5).json()["disks"]
    assert done["properties"]["status"] == "Completed"
    assert (status["status"], status["properties"]["jobId"]) == ("Succeeded", job["name"])
    assert any(d["createdByJob"] == job["name"] for d in disks)


def test_after_a_clean_stop_the_restore_runs_on_in_service_time_and_finishes(tmp_path: Path) -> None:
    state = ["--state-file", str(tmp_path / "state.json")]
    with running(start_emulator(time_scale=600, extra=state)) as first:
        requests.put(first.url + "/_emulator/scenario", json={"jobSeconds": 1800}, timeout=5).raise_for_status()
        token = _token(first)
        _start_restore(first, token)
        job = _restore_jobs(first)[0]
        first.stop()  # SIGTERM: uvicorn finishes in-flight requests and exits
    assert job["properties"]["status"] == "InProgress"
    with running(start_emulator(time_scale=600, extra=state)) as second:
        job_url = f"{second.url}{job['vaultId']}/backupJobs/{job['name']}"
        done = wait_until(lambda: requests.get(job_url, params=PRIMARY, headers={"Authorization": f"Bearer {token}"},
                                               timeout=5).json()["properties"],
                          lambda props: props["status"] != "InProgress", timeout=30, what="the restore job to end")
    assert done["status"] == "Completed" and done["endTime"] > job["properties"]["startTime"]


def test_without_a_state_file_a_restart_starts_from_the_seed() -> None:
    with running(start_emulator(time_scale=1)) as first:
        _start_restore(first, _token(first))
        assert len(_restore_jobs(first)) == 1
    with running(start_emulator(time_scale=1)) as second:
        assert _restore_jobs(second) == []


def test_a_reset_clears_the_persisted_state(tmp_path: Path) -> None:
    state = ["--state-file", str(tmp_path / "state.json")]
    with running(start_emulator(time_scale=1, extra=state)) as first:
        _start_restore(first, _token(first))
        requests.post(first.url + "/_emulator/reset", timeout=5).raise_for_status()
        saved = json.loads((tmp_path / "state.json").read_text())
    assert [j for j in saved["jobs"] if j["operation"] == "Restore"] == []
    with running(start_emulator(time_scale=1, extra=state)) as second:
        assert _restore_jobs(second) == []


def test_two_processes_sharing_a_clock_file_read_the_same_service_time(tmp_path: Path) -> None:
    clock = ["--clock-file", str(tmp_path / "clock.json")]
    with running(start_emulator(time_scale=600, extra=clock)) as first, \
            running(start_emulator(time_scale=600, extra=clock)) as second:
        readings = [_service_time(first), _service_time(second), _service_time(first)]
        anchor = json.loads((tmp_path / "clock.json").read_text())
        jump = requests.post(first.url + "/_emulator/clock", json={"advanceSeconds": 60}, timeout=5)
        after = [_service_time(second), _service_time(first), _service_time(second)]
    # One anchor, one timeline: each process's reading lies between the other's readings taken just before and
    # after it (separate anchors would be apart by 600 x the seconds between the two starts).
    assert readings[0] <= readings[1] <= readings[2] and after[0] <= after[1] <= after[2]
    assert set(anchor) == {"scale", "anchorWall", "anchorService"} and anchor["scale"] == 600
    assert jump.status_code == 409 and jump.json()["error"]["code"] == "ClockShared"
    assert "clock file" in jump.json()["error"]["message"]


def test_a_second_process_with_another_scale_re_anchors_and_the_first_follows(tmp_path: Path) -> None:
    clock = ["--clock-file", str(tmp_path / "clock.json")]
    with running(start_emulator(time_scale=60, extra=clock)) as first, \
            running(start_emulator(time_scale=600, extra=clock)) as second:
        scales = [requests.get(p.url + "/_emulator/health", timeout=5).json()["timeScale"] for p in (first, second)]
        readings = [_service_time(first), _service_time(second), _service_time(first)]
    assert scales == [600, 600]
    assert readings[0] <= readings[1] <= readings[2]
    assert json.loads((tmp_path / "clock.json").read_text())["scale"] == 600


def test_an_unreadable_state_file_stops_the_emulator_with_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "state.json"
    bad.write_text("{not json")
    done = subprocess.run([sys.executable, "-m", "emulator", "--port", str(free_port()), "--state-file", str(bad)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "emulator.cannot_start" in done.stderr and "not a JSON object" in done.stderr
    assert bad.read_text() == "{not json"  # nothing overwritten
