"""scripts/smoke.sh against the local stack (the emulator and the local Functions host as real processes, function
keys enforced), with fake `az`/`azd` for the values it reads from the azd environment: it starts one restore that
fails before any trigger, passes on the expected failure, and fails on anything else."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.infra.bicep_ast import REPO
from tests.infra.fake_cli import install
from tests.support.procs import Proc, app_env, running, start_devhost, start_emulator

KEY = "smoke-function-key"


@dataclass(frozen=True)
class Stack:
    emulator: Proc
    devhost: Proc
    item: str
    target: str


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with running(start_emulator(time_scale=600.0)) as emulator:
        inventory = requests.get(f"{emulator.url}/_emulator/inventory", timeout=10).json()
        vm = next(v for v in inventory["vms"] if v["name"] == "vm-web-01")
        target = next(g["id"] for g in inventory["resourceGroups"] if g["id"].endswith("/rg-restore"))
        # What infra/main.bicep puts in RESTORE_ALLOWED_SCOPES: the vault IDs and the target resource groups.
        env = app_env(emulator.url, RESTORE_ALLOWED_SCOPES=f"{vm['vaultId']},{target}",
                      DEVHOST_ENFORCE_KEYS="true", DEVHOST_FUNCTION_KEY=KEY)
        with running(start_devhost(env, time_scale=600.0)) as devhost:
            yield Stack(emulator, devhost, vm["protectedItemId"], target)


def _smoke(tmp_path: Path, stack: Stack, **env: str) -> tuple[subprocess.CompletedProcess[str], list[list[str]]]:
    requests.delete(f"{stack.emulator.url}/_emulator/requests", timeout=10).raise_for_status()
    azd_env = {"AZURE_FUNCTION_APP_NAME": "func-abc", "AZURE_RESOURCE_GROUP": "rg-vmrestore",
               "AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000001",
               "RESTORE_TARGET_RESOURCE_GROUP_IDS": stack.target}
    fake = install(tmp_path / "bin", tmp_path / "state.json", {"env": azd_env, "function_key": KEY})
    full = {**os.environ, **fake, "SMOKE_BASE_URL": stack.devhost.url, "SMOKE_PROTECTED_ITEM_ID": stack.item,
            "SMOKE_TIMEOUT_SECONDS": "120", **env}
    proc = subprocess.run(["bash", str(REPO / "scripts" / "smoke.sh")], env=full, capture_output=True, text=True,
                          timeout=180, check=False)
    return proc, json.loads((tmp_path / "state.json").read_text())["calls"]


def _arm_requests(stack: Stack) -> list[tuple[str, str]]:
    log = requests.get(f"{stack.emulator.url}/_emulator/requests", timeout=10).json()["requests"]
    return [(r["method"], r["path"]) for r in log if "/subscriptions/" in r["path"]]


def test_smoke_passes_on_a_restore_that_fails_before_any_trigger(tmp_path, stack):
    proc, calls = _smoke(tmp_path, stack)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PASS" in proc.stdout and "BMSUserErrorRecoveryPointNotFound" in proc.stdout
    # The key came from the app through az, as on Azure (SMOKE_FUNCTION_KEY unset).
    assert any(c[:4] == ["az", "functionapp", "keys", "list"] for c in calls)
    arm = _arm_requests(stack)
    assert any(m == "GET" and "/recoveryPoints/smoke-" in p for m, p in arm), arm
    assert [(m, p) for m, p in arm if m != "GET"] == []  # no validation, no trigger: nothing written


def test_smoke_fails_when_the_app_refuses_the_request_before_azure(tmp_path, stack):
    outside = stack.item.replace(stack.item.split("/")[2], "99999999-9999-9999-9999-999999999999")
    proc, _ = _smoke(tmp_path, stack, SMOKE_PROTECTED_ITEM_ID=outside)
    assert proc.returncode == 1
    assert "refused the request (403)" in proc.stderr
    assert _arm_requests(stack) == []


def test_smoke_fails_with_a_wrong_function_key(tmp_path, stack):
    proc, _ = _smoke(tmp_path, stack, SMOKE_FUNCTION_KEY="wrong")
    assert proc.returncode == 1
    assert "answered 401" in proc.stderr


def test_smoke_names_missing_configuration(tmp_path, stack):
    proc, _ = _smoke(tmp_path, stack, SMOKE_PROTECTED_ITEM_ID="")
    assert proc.returncode == 2
    assert "SMOKE_PROTECTED_ITEM_ID" in proc.stderr
