"""Scenario `regionOutage`: requests that need a region that is down fail as ARM fails them; the CRR (secondary
region) path keeps working. A real emulator process over HTTP (the failures include dropped connections)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.support.procs import Proc, running, start_emulator

PRIMARY, CRR, COMPUTE = "2026-02-01", "2023-01-15", "2024-07-01"
OUTAGE_CODES = {503: "ServiceUnavailable", 504: "GatewayTimeout"}


@pytest.fixture(scope="module")
def emulator() -> Iterator[Proc]:
    with running(start_emulator(time_scale=1)) as proc:
        yield proc


class Arm:
    def __init__(self, emu: Proc) -> None:
        requests.post(emu.url + "/_emulator/reset", timeout=5).raise_for_status()
        self.url = emu.url
        token = requests.get(emu.url + "/msi/token", params={"api-version": "2019-08-01", "resource": emu.url},
                             headers={"X-IDENTITY-HEADER": "local-dev"}, timeout=5).json()["access_token"]
        self.auth = {"Authorization": f"Bearer {token}"}
        self.inventory = requests.get(emu.url + "/_emulator/inventory", timeout=5).json()

    def vm(self, name: str) -> dict[str, Any]:
        return dict(next(v for v in self.inventory["vms"] if v["name"] == name))

    def account(self, region: str) -> str:
        return str(next(a["id"] for a in self.inventory["storageAccounts"]
                        if a["region"] == region and a["sku"] == "Standard_LRS"))

    def group(self, region: str) -> str:
        return str(next(g["id"] for g in self.inventory["resourceGroups"] if g["region"] == region))

    def scenario(self, **knobs: Any) -> requests.Response:
        return requests.put(self.url + "/_emulator/scenario", json=knobs, timeout=5)

    def call(self, method: str, path: str, version: str, body: Any = None, **query: str) -> requests.Response | None:
        """The response, or None when the connection was dropped."""
        try:
            return requests.request(method, self.url + path, params={"api-version": version, **query},
                                    json=body, headers=self.auth, timeout=5)
        except requests.ConnectionError:
            return None

    def log(self) -> list[dict[str, Any]]:
        return list(requests.get(self.url + "/_emulator/requests", timeout=5).json()["requests"])


def _failed_as_arm_does(reply: requests.Response | None) -> bool:
    return reply is None or OUTAGE_CODES.get(reply.status_code) == reply.json()["error"]["code"]


def _primary_calls(arm: Arm) -> list[tuple[str, str, str, Any]]:
    vm = arm.vm("vm-web-01")
    item, vault = vm["protectedItemId"], vm["vaultId"]
    loc = vm["id"].split("/resourceGroups/")[0] + f"/providers/Microsoft.RecoveryServices/locations/{vm['region']}"
    restore = {"objectType": "IaasVMRestoreRequest", "recoveryPointId": "1", "recoveryType": "RestoreDisks",
               "sourceResourceId": vm["id"], "storageAccountId": arm.account(vm["region"])}
    return [("GET", vm["id"], COMPUTE, None), ("GET", vault, PRIMARY, None),
            ("POST", loc + "/backupStatus", PRIMARY, {"resourceType": "VM", "resourceId": vm["id"]}),
            ("GET", item, PRIMARY, None), ("GET", item + "/recoveryPoints", PRIMARY, None),
            ("GET", vault + "/backupJobs", PRIMARY, None), ("GET", vault + "/backupProtectedItems", PRIMARY, None),
            ("POST", vault + "/backupValidateOperation", PRIMARY,
             {"properties": {"objectType": "ValidateIaasVMRestoreOperationRequest", "restoreRequest": restore}}),
            ("POST", item + "/recoveryPoints/1/restore", PRIMARY, {"properties": restore})]


def test_every_request_that_needs_the_failed_region_fails_as_arm_fails_it(emulator: Proc) -> None:
    arm = Arm(emulator)
    calls = _primary_calls(arm)
    assert arm.scenario(regionOutage=["WestEurope"], regionOutageSeed=3).json()["regionOutage"] == ["westeurope"]
    requests.delete(emulator.url + "/_emulator/requests", timeout=5).raise_for_status()
    replies = [arm.call(*c) for c in calls]
    assert [_failed_as_arm_does(r) for r in replies] == [True] * len(calls)
    log = arm.log()
    assert [(e["region"], e["status"] in (0, 503, 504)) for e in log] == [("westeurope", True)] * len(calls)
    assert arm.inventory["vms"] == requests.get(emulator.url + "/_emulator/inventory", timeout=5).json()["vms"]
    assert [j for j in requests.get(emulator.url + "/_emulator/jobs", timeout=5).json()["jobs"]
            if j["properties"]["operation"] == "Restore"] == []  # nothing half-started


def test_the_cross_region_restore_path_keeps_working_while_the_primary_region_is_down(emulator: Proc) -> None:
    arm = Arm(emulator)
    vm = arm.vm("vm-web-01")
    item, vault, secondary = vm["protectedItemId"], vm["vaultId"], vm["secondaryRegion"]
    loc = vm["id"].split("/resourceGroups/")[0] + f"/providers/Microsoft.RecoveryServices/locations/{secondary}"
    arm.scenario(regionOutage=[vm["region"]]).raise_for_status()
    requests.delete(emulator.url + "/_emulator/requests", timeout=5).raise_for_status()
    items = arm.call("GET", vault + "/backupProtectedItems/", CRR,
                     **{"$filter": "backupManagementType eq 'AzureIaasVM' and itemType eq 'VM'"})
    assert items is not None and item in [i["id"] for i in items.json()["value"]]
    points = arm.call("GET", item + "/recoveryPoints/", CRR)
    aad = arm.call("GET", loc + "/backupAadProperties", CRR)
    assert points is not None and aad is not None
    rp = points.json()["value"][0]["name"]
    token = arm.call("POST", f"{item}/recoveryPoints/{rp}/accessToken", CRR, aad.json())
    assert token is not None and token.status_code == 200, token and token.text
    request = {"objectType": "IaasVMRestoreRequest", "recoveryPointId": rp, "recoveryType": "RestoreDisks",
               "sourceResourceId": vm["id"], "storageAccountId": arm.account(secondary), "region": secondary,
               "targetResourceGroupId": arm.group(secondary)}
    started = arm.call("POST", loc + "/backupCrossRegionRestore", CRR,
                       {"crossRegionRestoreAccessDetails": token.json()["properties"], "restoreRequest": request})
    assert started is not None and started.status_code == 202, started and started.text
    status = requests.get(started.headers["Azure-AsyncOperation"], headers=arm.auth, timeout=5)
    jobs = arm.call("POST", loc + "/backupCrrJobs", CRR, {"resourceId": vault})
    assert status.status_code == 200 and jobs is not None and len(jobs.json()["value"]) == 1
    log = arm.log()
    assert {e["region"] for e in log} == {secondary} and all(200 <= e["status"] < 300 for e in log)


def test_other_regions_and_their_restores_are_not_affected(emulator: Proc) -> None:
    arm = Arm(emulator)
    ops = arm.vm("vm-ops-01")
    arm.scenario(regionOutage=["westeurope"]).raise_for_status()
    reply = arm.call("GET", ops["protectedItemId"], PRIMARY)
    assert reply is not None and reply.status_code == 200
    arm.scenario(regionOutage=["westus"]).raise_for_status()
    points = arm.call("GET", ops["protectedItemId"] + "/recoveryPoints", PRIMARY)
    assert points is not None
    rp = points.json()["value"][0]["name"]
    body = {"properties": {"objectType": "IaasVMRestoreRequest", "recoveryPointId": rp, "recoveryType": "RestoreDisks",
                           "sourceResourceId": ops["id"], "storageAccountId": arm.account("westus")}}
    # The staging account is in the failed region: the restore cannot reach it (without the outage: a 400).
    assert _failed_as_arm_does(arm.call("POST", f"{ops['protectedItemId']}/recoveryPoints/{rp}/restore", PRIMARY,
                                        body))
    body["properties"]["storageAccountId"] = arm.account("eastus")
    started = arm.call("POST", f"{ops['protectedItemId']}/recoveryPoints/{rp}/restore", PRIMARY, body)
    assert started is not None and started.status_code == 202


def _outcomes(arm: Arm, seed: int, count: int) -> list[int]:
    arm.scenario(regionOutage=["westeurope"], regionOutageSeed=seed).raise_for_status()
    vm = arm.vm("vm-web-01")
    replies = [arm.call("GET", vm["id"], COMPUTE) for _ in range(count)]
    return [r.status_code if r is not None else 0 for r in replies]


def test_the_failure_of_each_request_is_a_seeded_draw(emulator: Proc) -> None:
    first = _outcomes(Arm(emulator), 11, 24)
    assert first == _outcomes(Arm(emulator), 11, 24)
    assert set(first) == {0, 503, 504}
    assert first != _outcomes(Arm(emulator), 12, 24)


def test_region_outage_defaults_to_none_and_refuses_unknown_regions(emulator: Proc) -> None:
    arm = Arm(emulator)
    knobs = requests.get(emulator.url + "/_emulator/scenario", timeout=5).json()
    assert (knobs["regionOutage"], knobs["regionOutageSeed"]) == ([], 0)
    refused = arm.scenario(regionOutage=["atlantis"])
    assert refused.status_code == 400 and "atlantis" in refused.text
