"""The request log keeps what a client sent (the JSON body) and never a credential: no bearer token, no CRR access
token, no token-, SAS- or secret-named field. A real emulator process over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.support.procs import Proc, running, start_emulator

PRIMARY, CRR = "2026-02-01", "2023-01-15"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Proc]:
    with running(start_emulator(time_scale=1)) as proc:
        yield proc


class Arm:
    def __init__(self, emu: Proc) -> None:
        requests.post(emu.url + "/_emulator/reset", timeout=5).raise_for_status()
        self.url = emu.url
        self.token = requests.get(emu.url + "/msi/token", params={"api-version": "2019-08-01", "resource": emu.url},
                                  headers={"X-IDENTITY-HEADER": "local-dev"}, timeout=5).json()["access_token"]
        self.inventory = requests.get(emu.url + "/_emulator/inventory", timeout=5).json()
        self.vm = next(v for v in self.inventory["vms"] if v["name"] == "vm-web-01")

    def call(self, method: str, path: str, version: str, body: Any = None) -> requests.Response:
        return requests.request(method, self.url + path, params={"api-version": version}, json=body,
                                headers={"Authorization": f"Bearer {self.token}"}, timeout=5)

    def account(self, region: str) -> str:
        return str(next(a["id"] for a in self.inventory["storageAccounts"]
                        if a["region"] == region and a["sku"] == "Standard_LRS"))

    def log(self) -> list[dict[str, Any]]:
        return list(requests.get(self.url + "/_emulator/requests", timeout=5).json()["requests"])

    def point(self, version: str) -> str:
        return str(self.call("GET", self.vm["protectedItemId"] + "/recoveryPoints", version).json()["value"][0]["name"])


def test_a_restore_post_is_logged_with_its_body_and_without_the_bearer_token(emulator: Proc) -> None:
    arm = Arm(emulator)
    rp = arm.point(PRIMARY)
    properties = {"objectType": "IaasVMRestoreRequest", "recoveryPointId": rp, "recoveryType": "RestoreDisks",
                  "sourceResourceId": arm.vm["id"], "storageAccountId": arm.account(arm.vm["region"]),
                  "region": arm.vm["region"], "restoreDiskLunList": [0], "zones": ["2"]}
    reply = arm.call("POST", f"{arm.vm['protectedItemId']}/recoveryPoints/{rp}/restore", PRIMARY,
                     {"properties": properties})
    assert reply.status_code == 202, reply.text
    [post] = [e for e in arm.log() if e["method"] == "POST"]
    assert post["body"] == {"properties": properties}
    assert [e["body"] for e in arm.log() if e["method"] == "GET"] == [None]  # the points list
    assert arm.token not in json.dumps(arm.log()) and post["tokenSha256"]


def test_the_crr_access_token_and_token_or_sas_fields_never_reach_the_log(emulator: Proc) -> None:
    arm = Arm(emulator)
    secondary = arm.vm["secondaryRegion"]
    loc = arm.vm["id"].split("/resourceGroups/")[0] + f"/providers/Microsoft.RecoveryServices/locations/{secondary}"
    rp = arm.point(CRR)
    aad = arm.call("GET", loc + "/backupAadProperties", CRR).json()
    details = arm.call("POST", f"{arm.vm['protectedItemId']}/recoveryPoints/{rp}/accessToken", CRR, aad).json()
    crr_token = details["properties"]["accessTokenString"]
    group = next(g["id"] for g in arm.inventory["resourceGroups"] if g["region"] == secondary)
    restore = {"objectType": "IaasVMRestoreRequest", "recoveryPointId": rp, "recoveryType": "RestoreDisks",
               "sourceResourceId": arm.vm["id"], "storageAccountId": arm.account(secondary), "region": secondary,
               "targetResourceGroupId": group}
    started = arm.call("POST", loc + "/backupCrossRegionRestore", CRR,
                       {"crossRegionRestoreAccessDetails": details["properties"], "restoreRequest": restore})
    assert started.status_code == 202, started.text
    # A careless client may send a credential under any name or echo one into a free-text field.
    odd = {"token": "plain-token-value-0001", "accessToken": "plain-token-value-0002", "sasKey": "sv=2024&sig=abc123",
           "note": f"copied {crr_token} and Bearer {arm.token}"}
    arm.call("POST", loc + "/backupCrossRegionRestore", CRR, {"restoreRequest": restore, **odd})
    posts = [e for e in arm.log() if e["path"].startswith(loc + "/backupCrossRegionRestore")]
    assert [p["body"]["restoreRequest"] for p in posts] == [restore, restore]
    assert posts[0]["body"]["crossRegionRestoreAccessDetails"]["accessTokenString"] == "***"
    assert posts[0]["body"]["crossRegionRestoreAccessDetails"]["recoveryPointId"] == rp
    assert {k: posts[1]["body"][k] for k in ("token", "accessToken", "sasKey")} == \
        {"token": "***", "accessToken": "***", "sasKey": "***"}
    text = json.dumps(arm.log())
    leaked = [s for s in (crr_token, arm.token, *(odd[k] for k in ("token", "accessToken", "sasKey"))) if s in text]
    assert leaked == [], "a credential reached the request log"


def test_a_request_a_fault_answers_is_logged_with_its_body(emulator: Proc) -> None:
    arm = Arm(emulator)
    rp = arm.point(PRIMARY)
    fault = {"method": "POST", "pathRegex": r"/restore\?", "times": 1, "response": {"status": 429,
                                                                                  "headers": {"Retry-After": "7"}}}
    requests.post(emulator.url + "/_emulator/faults", json=fault, timeout=5).raise_for_status()
    body = {"properties": {"objectType": "IaasVMRestoreRequest", "recoveryPointId": rp}}
    assert arm.call("POST", f"{arm.vm['protectedItemId']}/recoveryPoints/{rp}/restore", PRIMARY, body).status_code \
        == 429
    [post] = [e for e in arm.log() if e["method"] == "POST"]
    assert post["fault"] and post["body"] == body
