"""The emulator as a separate process: managed identity, ARM auth, api-versions, admin API, faults, request log."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bench.arm_log import parse_time
from emulator.progress import ProgressProfile, percent
from tests.support.procs import Proc, running, start_emulator

PRIMARY = {"api-version": "2026-02-01"}


@pytest.fixture(scope="module")
def emulator() -> Iterator[Proc]:
    with running(start_emulator(time_scale=600)) as proc:
        yield proc


@pytest.fixture
def emu(emulator: Proc) -> Proc:
    requests.post(emulator.url + "/_emulator/reset", timeout=5).raise_for_status()
    return emulator


def _token(emu: Proc) -> str:
    reply = requests.get(emu.url + "/msi/token", params={"api-version": "2019-08-01", "resource": emu.url},
                         headers={"X-IDENTITY-HEADER": "local-dev"}, timeout=5)
    reply.raise_for_status()
    return str(reply.json()["access_token"])


def _get(emu: Proc, path: str, token: str | None, **params: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(emu.url + path, params={**PRIMARY, **params}, headers=headers, timeout=5)


def _web_item(emu: Proc) -> dict[str, Any]:
    inventory = requests.get(emu.url + "/_emulator/inventory", timeout=5).json()
    return next(vm for vm in inventory["vms"] if vm["name"] == "vm-web-01")


def test_managed_identity_credential_gets_a_token_that_arm_accepts(emu: Proc,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from azure.identity import ManagedIdentityCredential

    monkeypatch.setenv("IDENTITY_ENDPOINT", emu.url + "/msi/token")
    monkeypatch.setenv("IDENTITY_HEADER", "local-dev")
    token = ManagedIdentityCredential().get_token(emu.url + "/.default")
    assert _get(emu, _web_item(emu)["protectedItemId"], token.token).status_code == 200
    issued = requests.get(emu.url + "/_emulator/tokens", timeout=5).json()["arm"]
    assert token.token in [t["token"] for t in issued]


def test_msi_endpoint_refuses_a_wrong_identity_header(emu: Proc) -> None:
    reply = requests.get(emu.url + "/msi/token", params={"api-version": "2019-08-01", "resource": emu.url},
                         headers={"X-IDENTITY-HEADER": "wrong"}, timeout=5)
    assert reply.status_code == 401


def test_arm_requests_without_valid_token_get_arm_401_bodies(emu: Proc) -> None:
    path = _web_item(emu)["protectedItemId"]
    missing, invalid = _get(emu, path, None), _get(emu, path, "forged")
    assert (missing.status_code, missing.json()["error"]["code"]) == (401, "AuthenticationFailed")
    assert (invalid.status_code, invalid.json()["error"]["code"]) == (401, "InvalidAuthenticationToken")
    assert "WWW-Authenticate" in missing.headers


def test_expired_token_gets_expired_authentication_token(emu: Proc) -> None:
    requests.put(emu.url + "/_emulator/scenario", json={"tokenLifetimeSeconds": 60}, timeout=5).raise_for_status()
    token = _token(emu)
    requests.post(emu.url + "/_emulator/clock", json={"advanceSeconds": 61}, timeout=5).raise_for_status()
    reply = _get(emu, _web_item(emu)["protectedItemId"], token)
    assert (reply.status_code, reply.json()["error"]["code"]) == (401, "ExpiredAuthenticationToken")


@pytest.mark.parametrize(("version", "code"), [("", "MissingApiVersionParameter"),
                                               ("1999-01-01", "NoRegisteredProviderFound")])
def test_unknown_api_version_gets_the_arm_error(emu: Proc, version: str, code: str) -> None:
    path = _web_item(emu)["protectedItemId"]
    reply = requests.get(emu.url + path, params={"api-version": version} if version else {},
                         headers={"Authorization": f"Bearer {_token(emu)}"}, timeout=5)
    assert (reply.status_code, reply.json()["error"]["code"]) == (400, code)


def test_recovery_points_page_with_next_link_and_filter_by_date(emu: Proc) -> None:
    requests.put(emu.url + "/_emulator/scenario", json={"pageSize": 4}, timeout=5).raise_for_status()
    token, path = _token(emu), _web_item(emu)["protectedItemId"] + "/recoveryPoints"
    names, url, params = [], emu.url + path, dict(PRIMARY)
    while url:
        body = requests.get(url, params=params, headers={"Authorization": f"Bearer {token}"}, timeout=5).json()
        names += [rp["name"] for rp in body["value"]]
        url, params = body["nextLink"], {}
    assert len(names) == len(set(names)) == _web_item(emu)["recoveryPoints"]
    times = sorted(rp["properties"]["recoveryPointTime"] for rp in
                   _get(emu, path, token, **{"$filter": "startDate eq '2000-01-01 00:00:00 AM'"}).json()["value"])
    recent = _get(emu, path, token, **{"$filter": f"startDate eq '{times[-1][:19]}'"}).json()["value"]
    assert len(recent) == 1


def test_injected_429_is_returned_and_logged_with_retry_after(emu: Proc) -> None:
    fault = {"method": "GET", "pathRegex": "/protectedItems/", "times": 1,
             "response": {"status": 429, "headers": {"Retry-After": "17"}}}
    assert requests.post(emu.url + "/_emulator/faults", json=fault, timeout=5).status_code == 201
    token, path = _token(emu), _web_item(emu)["protectedItemId"]
    first, second = _get(emu, path, token), _get(emu, path, token)
    assert (first.status_code, first.headers["Retry-After"], second.status_code) == (429, "17", 200)
    log = requests.get(emu.url + "/_emulator/requests", timeout=5).json()["requests"]
    assert [(e["status"], e["retryAfter"]) for e in log[-2:]] == [(429, 17), (200, None)]
    assert log[-1]["tokenSha256"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(log)


def test_the_log_times_a_request_when_it_arrived_and_when_its_answer_left(emu: Proc) -> None:
    # A 200 ms delay before the answer is 120 s of service time at scale 600: the two instants must not be one.
    fault = {"method": "GET", "pathRegex": "/protectedItems/", "times": 1, "delayMs": 200,
             "response": {"status": 429, "headers": {"Retry-After": "30"}}}
    requests.post(emu.url + "/_emulator/faults", json=fault, timeout=5).raise_for_status()
    token, path = _token(emu), _web_item(emu)["protectedItemId"]
    before = requests.get(emu.url + "/_emulator/health", timeout=5).json()["serviceTime"]
    assert _get(emu, path, token).status_code == 429
    after = requests.get(emu.url + "/_emulator/health", timeout=5).json()["serviceTime"]
    entry = requests.get(emu.url + "/_emulator/requests", timeout=5).json()["requests"][-1]
    arrived, answered = parse_time(entry["serviceTime"]), parse_time(entry["answeredTime"])
    assert parse_time(before) <= arrived < answered <= parse_time(after)
    assert (answered - arrived).total_seconds() >= 0.2 * 600


def test_a_dropped_request_is_logged_as_arrived_and_never_answered(emu: Proc) -> None:
    requests.post(emu.url + "/_emulator/faults", json={"pathRegex": "/protectedItems/", "times": 1, "drop": True},
                  timeout=5).raise_for_status()
    with pytest.raises(requests.ConnectionError):
        _get(emu, _web_item(emu)["protectedItemId"], _token(emu))
    entry = requests.get(emu.url + "/_emulator/requests", timeout=5).json()["requests"][-1]
    assert entry["status"] == 0 and entry["serviceTime"] and entry["answeredTime"] is None


def test_dropped_connection_surfaces_as_a_connection_error(emu: Proc) -> None:
    requests.post(emu.url + "/_emulator/faults", json={"pathRegex": "/protectedItems/", "times": 1, "drop": True},
                  timeout=5).raise_for_status()
    with pytest.raises(requests.ConnectionError):
        _get(emu, _web_item(emu)["protectedItemId"], _token(emu))


def test_restore_over_http_reports_tracking_headers_and_completes(emu: Proc) -> None:
    vm, token = _web_item(emu), _token(emu)
    inventory = requests.get(emu.url + "/_emulator/inventory", timeout=5).json()
    account = next(sa["id"] for sa in inventory["storageAccounts"]
                   if sa["region"] == vm["region"] and sa["sku"] == "Standard_LRS")
    rp = _get(emu, vm["protectedItemId"] + "/recoveryPoints", token).json()["value"][0]["name"]
    body = {"properties": {"objectType": "IaasVMRestoreRequest", "recoveryPointId": rp, "recoveryType": "RestoreDisks",
                           "sourceResourceId": vm["id"], "storageAccountId": account}}
    reply = requests.post(f"{emu.url}{vm['protectedItemId']}/recoveryPoints/{rp}/restore", params=PRIMARY, json=body,
                          headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert reply.status_code == 202 and reply.headers["Retry-After"] == "60"
    status_url = reply.headers["Azure-AsyncOperation"]
    assert requests.get(reply.headers["Location"], headers={"Authorization": f"Bearer {token}"},
                        timeout=5).status_code == 202
    requests.post(emu.url + "/_emulator/clock", json={"advanceSeconds": 2400}, timeout=5).raise_for_status()
    status = requests.get(status_url, headers={"Authorization": f"Bearer {token}"}, timeout=5).json()
    job = _get(emu, f"{vm['vaultId']}/backupJobs/{status['properties']['jobId']}", token).json()
    assert (status["status"], job["properties"]["status"]) == ("Succeeded", "Completed")
    listed = _get(emu, f"{vm['vaultId']}/backupJobs", token, **{"$filter": "operation eq 'Restore'"}).json()["value"]
    assert [j["name"] for j in listed] == [job["name"]]


def test_scenario_put_merges_and_reset_restores_defaults(emu: Proc) -> None:
    put = requests.put(emu.url + "/_emulator/scenario", json={"jobSeconds": 5}, timeout=5).json()
    assert (put["jobSeconds"], put["operationSeconds"]) == (5, 180)
    assert requests.put(emu.url + "/_emulator/scenario", json={"nope": 1}, timeout=5).status_code == 400
    requests.post(emu.url + "/_emulator/reset", timeout=5).raise_for_status()
    assert requests.get(emu.url + "/_emulator/scenario", timeout=5).json()["jobSeconds"] == 2400


def test_vm_and_vault_get_report_their_location(emu: Proc) -> None:
    token = _token(emu)
    vm = requests.get(f"{emu.url}/_emulator/inventory", timeout=5).json()["vms"][0]
    vm_body = _get(emu, vm["id"], token, **{"api-version": "2024-07-01"})
    vault_body = _get(emu, vm["vaultId"], token, **{"api-version": "2024-04-01"})
    assert vm_body.status_code == 200 and vm_body.json()["location"] == vm["region"]
    assert vault_body.status_code == 200 and vault_body.json()["location"]
    wrong = _get(emu, vm["id"], token, **{"api-version": "2026-02-01"})
    assert wrong.status_code == 400 and "Microsoft.Compute" in wrong.json()["error"]["message"]


def _seconds(duration: str) -> float:
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?([\d.]+)S", duration)
    assert match, duration
    hours, minutes, secs = match.groups()
    return int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(secs)


def test_progress_knobs_shape_what_a_job_reports_over_http(emu: Proc) -> None:
    knobs = {"progressProfile": "frontLoaded", "etaErrorPct": 25, "etaSeed": 3, "jobSeconds": 2400}
    assert requests.put(emu.url + "/_emulator/scenario", json=knobs, timeout=5).json()["progressProfile"] == \
        "frontLoaded"
    vm, token = _web_item(emu), _token(emu)
    inventory = requests.get(emu.url + "/_emulator/inventory", timeout=5).json()
    account = next(sa["id"] for sa in inventory["storageAccounts"]
                   if sa["region"] == vm["region"] and sa["sku"] == "Standard_LRS")
    rp = _get(emu, vm["protectedItemId"] + "/recoveryPoints", token).json()["value"][0]["name"]
    body = {"properties": {"objectType": "IaasVMRestoreRequest", "recoveryPointId": rp, "recoveryType": "RestoreDisks",
                           "sourceResourceId": vm["id"], "storageAccountId": account}}
    requests.post(f"{emu.url}{vm['protectedItemId']}/recoveryPoints/{rp}/restore", params=PRIMARY, json=body,
                  headers={"Authorization": f"Bearer {token}"}, timeout=5).raise_for_status()
    requests.post(emu.url + "/_emulator/clock", json={"advanceSeconds": 600}, timeout=5).raise_for_status()
    job = requests.get(emu.url + "/_emulator/jobs", timeout=5).json()["jobs"][-1]
    props = _get(emu, f"{vm['vaultId']}/backupJobs/{job['name']}", token).json()["properties"]
    elapsed = _seconds(props["duration"])
    info = props["extendedInfo"]
    assert info["progressPercentage"] == percent(ProgressProfile.FRONT_LOADED, elapsed / 2400) > elapsed / 24
    assert 1.125 <= _seconds(info["estimatedRemainingDuration"]) / (2400 - elapsed) <= 1.375


def test_vaults_of_a_subscription_are_listed_page_by_page(emu: Proc) -> None:
    token = _token(emu)
    sub = _web_item(emu)["id"].split("/")[2]
    path = f"/subscriptions/{sub}/providers/Microsoft.RecoveryServices/vaults"
    requests.put(emu.url + "/_emulator/scenario", json={"pageSize": 1}, timeout=5).raise_for_status()
    first = _get(emu, path, token, **{"api-version": "2024-04-01"})
    assert first.status_code == 200, first.text
    [vault] = first.json()["value"]
    assert vault["type"] == "Microsoft.RecoveryServices/vaults" and vault["location"] == "westeurope"
    assert vault["id"].lower().startswith(f"/subscriptions/{sub}/")
    assert first.json()["nextLink"] is None, "one vault in this subscription"
    assert _get(emu, path, None, **{"api-version": "2024-04-01"}).status_code == 401
    assert _get(emu, path, token, **{"api-version": "2099-01-01"}).status_code == 400


def test_a_deleted_vm_is_gone_but_its_backup_item_stays(emu: Proc) -> None:
    token = _token(emu)
    vm = _web_item(emu)
    deleted = requests.post(emu.url + "/_emulator/vms/delete", json={"id": vm["id"]}, timeout=5)
    assert deleted.status_code == 200 and deleted.json() == {"deleted": vm["id"]}
    gone = _get(emu, vm["id"], token, **{"api-version": "2024-07-01"})
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "ResourceNotFound"
    assert _get(emu, vm["protectedItemId"], token).status_code == 200
    again = requests.post(emu.url + "/_emulator/vms/delete", json={"id": vm["id"]}, timeout=5)
    assert again.status_code == 400 and again.json()["error"]["code"] == "InvalidAdminRequest"


def test_the_vms_of_a_group_are_listed_page_by_page_with_their_tags(emu: Proc) -> None:
    token = _token(emu)
    sub = _web_item(emu)["id"].split("/")[2]
    seed = {"subscriptions": [{"id": sub, "virtualMachines": [
        {"resourceGroup": "rg-tagged", "name": f"vm-t{n}", "region": "westeurope", "tags": {"tier": "db", "n": n}}
        for n in range(3)]}]}
    requests.post(emu.url + "/_emulator/seed", json=seed, timeout=5).raise_for_status()
    requests.put(emu.url + "/_emulator/scenario", json={"pageSize": 2}, timeout=5).raise_for_status()
    path = f"/subscriptions/{sub}/resourceGroups/rg-tagged/providers/Microsoft.Compute/virtualMachines"
    first = _get(emu, path, token, **{"api-version": "2024-07-01"})
    assert first.status_code == 200, first.text
    assert [vm["name"] for vm in first.json()["value"]] == ["vm-t0", "vm-t1"]
    assert first.json()["value"][0]["tags"] == {"tier": "db", "n": "0"}
    second = requests.get(first.json()["nextLink"], headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert [vm["name"] for vm in second.json()["value"]] == ["vm-t2"] and second.json()["nextLink"] is None
    assert _get(emu, f"{path}/vm-t1", token, **{"api-version": "2024-07-01"}).json()["tags"]["n"] == "1"


def test_the_vm_list_refuses_what_compute_refuses(emu: Proc) -> None:
    token = _token(emu)
    sub = _web_item(emu)["id"].split("/")[2]
    path = f"/subscriptions/{sub}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines"
    bare = requests.get(emu.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert bare.status_code == 400 and bare.json()["error"]["code"] == "MissingApiVersionParameter"
    assert _get(emu, path, token).json()["error"]["code"] == "NoRegisteredProviderFound"  # a Backup api-version
    assert _get(emu, path, None, **{"api-version": "2024-07-01"}).status_code == 401
    missing = _get(emu, path.replace("rg-app", "rg-nowhere"), token, **{"api-version": "2024-07-01"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "ResourceGroupNotFound"
    tagged = _get(emu, path, token, **{"api-version": "2024-07-01", "$filter": "tagName eq 'tier'"})
    assert tagged.status_code == 400
    vmss = f"'virtualMachineScaleSet/id' eq '/subscriptions/{sub}/resourceGroups/rg-app/providers/" \
           "Microsoft.Compute/virtualMachineScaleSets/ss1'"
    assert _get(emu, path, token, **{"api-version": "2024-07-01", "$filter": vmss}).json()["value"] == []
    assert _get(emu, path, token, **{"api-version": "2024-07-01", "$expand": "instanceView"}).status_code == 400

