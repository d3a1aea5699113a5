"""`vmrestore plan …` (the installed console script) against the local stack: a YAML plan whose tiers are chosen by
tags among a resource group's VMs; assertions on what reached the emulator."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path
from string import Template
from typing import Any

import requests

from tests.e2e.helpers import EXAMPLES, Stack

SCRIPT = Path(sys.executable).parent / "vmrestore"
TIERS = {"vm-shop-db-1": "db", "vm-shop-db-2": "db", "vm-shop-app-1": "app", "vm-shop-web-1": "web",
         "vm-shop-web-2": "web"}
UNPROTECTED = "vm-shop-web-2"


def _seed_shop(stack: Stack) -> None:
    """The shop's VMs in rg-app, tagged by tier; all but one backed up to vault-weu."""
    vms = []
    for name, tier in TIERS.items():
        vm: dict[str, Any] = {"resourceGroup": "rg-app", "name": name, "region": "westeurope",
                              "tags": {"app": "shop", "tier": tier}}
        if name != UNPROTECTED:
            vm["backup"] = {"vault": "vault-weu", "recoveryPoints": [{"ageHours": 30}, {"ageHours": 6}]}
        vms.append(vm)
    seed = {"subscriptions": [{"id": stack.ids["SUBSCRIPTION"], "virtualMachines": vms}]}
    assert requests.post(f"{stack.emulator.url}/_emulator/seed", json=seed, timeout=30).status_code == 201


def _plan_file(stack: Stack, tmp_path: Path) -> Path:
    rg = f"/subscriptions/{stack.ids['SUBSCRIPTION']}/resourceGroups/rg-app"
    path = tmp_path / "three-tier.yaml"
    path.write_text(Template((EXAMPLES / "plans" / "three-tier.yaml").read_text()).substitute(
        {**stack.ids, "APP_RG_ID": rg}))
    return path


def _cli(stack: Stack, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), "--url", stack.devhost.url, "plan", *argv], capture_output=True, text=True,
                          timeout=240, check=False)


def _log(stack: Stack) -> list[dict[str, Any]]:
    return list(requests.get(f"{stack.emulator.url}/_emulator/requests", timeout=10).json()["requests"])


def _triggers(stack: Stack) -> dict[str, datetime]:
    """VM name → service time of its accepted restore trigger."""
    found = {}
    for r in _log(stack):
        path = r["path"].split("?")[0].lower()
        if r["method"] == "POST" and r["status"] == 202 and path.endswith("/restore"):
            found[path.split("/protecteditems/")[1].split("/")[0].split(";")[-1]] = \
                datetime.fromisoformat(r["serviceTime"])
    return found


def _vm_lists(stack: Stack) -> list[dict[str, Any]]:
    return [r for r in _log(stack) if r["method"] == "GET" and r["path"].split("?")[0].lower().endswith(
        "/resourcegroups/rg-app/providers/microsoft.compute/virtualmachines")]


def test_plan_start_watch_restores_the_tagged_protected_vms_tier_by_tier(stack: Stack, tmp_path: Path) -> None:
    _seed_shop(stack)
    done = _cli(stack, "start", str(_plan_file(stack, tmp_path)), "--watch", "--interval", "0.5")
    assert done.returncode == 0, (done.stdout, done.stderr)
    lines = done.stdout.splitlines()
    assert any(line.startswith("succeeded: plan pln-") for line in lines), done.stdout
    assert any("vm-shop-db-1" in line and "waitingForJob" in line and "%" in line for line in lines), done.stdout
    # What reached Azure: each tier read through the Compute list of rg-app, a restore for each protected tagged VM
    # (nothing for the untagged demo VMs nor for the VM without a backup), tier after tier.
    assert len(_vm_lists(stack)) == 3 and all("api-version=" in r["path"] for r in _vm_lists(stack))
    triggers = _triggers(stack)
    assert sorted(triggers) == sorted(n for n in TIERS if n != UNPROTECTED)
    jobs = requests.get(f"{stack.emulator.url}/_emulator/jobs", timeout=10).json()["jobs"]
    ended = {j["properties"]["entityFriendlyName"].lower(): datetime.fromisoformat(j["properties"]["endTime"])
             for j in jobs if j["properties"]["operation"] == "Restore"}
    assert max(ended["vm-shop-db-1"], ended["vm-shop-db-2"]) <= triggers["vm-shop-app-1"]
    assert ended["vm-shop-app-1"] <= triggers["vm-shop-web-1"]
    plan_id = next(line.split()[2] for line in lines if line.startswith("succeeded: plan"))
    body = requests.get(f"{stack.api}/plans/{plan_id}", timeout=30).json()
    skipped = [vm for vm in body["vms"] if vm["state"] == "skipped"]
    assert [vm["vmId"].rsplit("/", 1)[-1] for vm in skipped] == [UNPROTECTED]
    assert skipped[0]["error"]["code"] == "VmNotProtected"
    listed = _cli(stack, "list", "--top", "50")
    assert listed.returncode == 0 and any(plan_id in line for line in listed.stdout.splitlines())
    again = _cli(stack, "cancel", plan_id)
    assert again.returncode == 4 and "409" in again.stderr


def test_plan_start_dry_run_reports_the_unprotected_vm_and_triggers_nothing(stack: Stack, tmp_path: Path) -> None:
    _seed_shop(stack)
    done = _cli(stack, "start", str(_plan_file(stack, tmp_path)), "--dry-run", "--interval", "0.5")
    assert done.returncode == 1, (done.stdout, done.stderr)
    rows = {line.split()[2]: line for line in done.stdout.splitlines() if line.split()[2:3] and
            line.split()[2].startswith("vm-shop-")}
    assert "failed: VmNotProtected" in rows[UNPROTECTED]
    assert all("validated" in rows[n] for n in TIERS if n != UNPROTECTED), done.stdout
    assert "(dry run)" in done.stdout and "VmNotProtected" in done.stdout.split("(dry run)")[1]
    assert _triggers(stack) == {}
    jobs = requests.get(f"{stack.emulator.url}/_emulator/jobs", timeout=10).json()["jobs"]
    assert [j for j in jobs if j["properties"]["operation"] == "Restore"] == []
