"""Replay every official example request (tests/contract/examples) against the emulator, seeded with the examples'
resources; check status, tracking headers and body shape (same keys and value types; IDs and times may differ)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import requests
import yaml

from tests.support.procs import Proc, running, start_emulator

EXAMPLES = Path(__file__).parent / "examples"
# Official examples the emulator serves but the app's models do not parse yet (see that folder's SOURCES.json).
EMULATOR_EXAMPLES = Path(__file__).parent / "examples_emulator"
FILES = sorted(p for folder in (EXAMPLES, EMULATOR_EXAMPLES) for p in folder.rglob("*.json")
               if p.name != "SOURCES.json")
ZERO = "00000000-0000-0000-0000-000000000000"
CCY = "f2edfd5d-5496-4683-b94f-b3588c579009"
HOME = {"subscriptionId": ZERO, "resourceGroupName": "netsdktestrg", "vaultName": "testVault", "fabricName": "Azure",
        "containerName": "IaasVMContainer;iaasvmcontainerv2;netsdktestrg;netvmtestv2vm1",
        "protectedItemName": "VM;iaasvmcontainerv2;netsdktestrg;netvmtestv2vm1"}
HOME_RP = "348916168024334"
CRR_HOME = {"subscriptionId": ZERO, "resourceGroupName": "rshhtestmdvmrg", "vaultName": "rshvault",
            "fabricName": "Azure", "containerName": "IaasVMContainer;iaasvmcontainerv2;rshhtestmdvmrg;rshmdvmsmall",
            "protectedItemName": "VM;iaasvmcontainerv2;rshhtestmdvmrg;rshmdvmsmall", "azureRegion": "southeastasia"}
CRR_VAULT = f"/subscriptions/{ZERO}/resourceGroups/rshhtestmdvmrg/providers/Microsoft.RecoveryServices/vaults/rshvault"
CRR_VM = f"/subscriptions/{ZERO}/resourceGroups/rshhtestmdvmrg/providers/Microsoft.Compute/virtualMachines/rshmdvmsmall"

SUB = "/subscriptions/{subscriptionId}"
LOC = SUB + "/providers/Microsoft.RecoveryServices/locations/{azureRegion}"
VAULT = SUB + "/resourceGroups/{resourceGroupName}/providers/Microsoft.RecoveryServices/vaults/{vaultName}"
ITEM = VAULT + "/backupFabrics/{fabricName}/protectionContainers/{containerName}/protectedItems/{protectedItemName}"
PATHS: dict[str, tuple[str, str]] = {
    "BackupStatus_Get": ("POST", LOC + "/backupStatus"),
    "BackupProtectedItems_List": ("GET", VAULT + "/backupProtectedItems"),
    "BackupProtectedItemsCrr_List": ("GET", VAULT + "/backupProtectedItems/"),
    "ProtectedItems_Get": ("GET", ITEM),
    "RecoveryPoints_List": ("GET", ITEM + "/recoveryPoints"),
    "RecoveryPointsCrr_List": ("GET", ITEM + "/recoveryPoints/"),
    "RecoveryPoints_Get": ("GET", ITEM + "/recoveryPoints/{recoveryPointId}"),
    "RecoveryPointsCrr_Get": ("GET", ITEM + "/recoveryPoints/{recoveryPointId}"),
    "Restores_Trigger": ("POST", ITEM + "/recoveryPoints/{recoveryPointId}/restore"),
    "ProtectedItemOperationStatuses_Get": ("GET", ITEM + "/operationsStatus/{operationId}"),
    "ProtectedItemOperationResults_Get": ("GET", ITEM + "/operationResults/{operationId}"),
    "BackupOperationStatuses_Get": ("GET", VAULT + "/backupOperations/{operationId}"),
    "JobDetails_Get": ("GET", VAULT + "/backupJobs/{jobName}"),
    "BackupJobs_List": ("GET", VAULT + "/backupJobs"),
    "JobCancellations_Trigger": ("POST", VAULT + "/backupJobs/{jobName}/cancel"),
    "JobOperationResults_Get": ("GET", VAULT + "/backupJobs/{jobName}/operationResults/{operationId}"),
    "Operation_Validate": ("POST", VAULT + "/backupValidateOperation"),
    "ValidateOperation_Trigger": ("POST", VAULT + "/backupTriggerValidateOperation"),
    "ValidateOperationResults_Get": ("GET", VAULT + "/backupValidateOperationResults/{operationId}"),
    "ValidateOperationStatuses_Get": ("GET", VAULT + "/backupValidateOperationsStatuses/{operationId}"),
    "AadProperties_Get": ("GET", LOC + "/backupAadProperties"),
    "RecoveryPoints_GetAccessToken": ("POST", ITEM + "/recoveryPoints/{recoveryPointId}/accessToken"),
    "CrossRegionRestore_Trigger": ("POST", LOC + "/backupCrossRegionRestore"),
    "CrrOperationStatus_Get": ("GET", LOC + "/backupCrrOperationsStatus/{operationId}"),
    "CrrOperationResults_Get": ("GET", LOC + "/backupCrrOperationResults/{operationId}"),
    "BackupCrrJobDetails_Get": ("POST", LOC + "/backupCrrJob"),
    "BackupCrrJobs_List": ("POST", LOC + "/backupCrrJobs"),
}


def _rg(name: str, region: str = "southeastasia") -> dict[str, str]:
    return {"name": name, "region": region}


def _sa(rg: str, name: str) -> dict[str, str]:
    return {"resourceGroup": rg, "name": name, "region": "southeastasia", "sku": "Standard_LRS"}


def _vm(rg: str, name: str, vault: str, points: list[dict[str, Any]], region: str = "southeastasia") -> dict[str, Any]:
    return {"resourceGroup": rg, "name": name, "region": region, "dataDiskCount": 2, "zone": 1,
            "backup": {"vault": vault, "recoveryPoints": points}}


def examples_seed() -> dict[str, Any]:
    """The resources the examples name (subscription 000… and the CRR examples' f2edfd5d… subscription)."""
    old = [{"name": n, "ageHours": 72 + i, "type": "CrashConsistent"} for i, n in
           enumerate(["26083826328862", "22244821112382", "24977149827250", "70477518625276"])]
    static_jobs = [
        {"vault": "NetSDKTestRsVault", "name": "11111111-0000-0000-0000-000000000001", "operation": "Backup",
         "status": "InProgress", "entityFriendlyName": "testvm", "time": "2017-08-03T05:31:07Z"},
        {"vault": "NetSDKTestRsVault", "name": "11111111-0000-0000-0000-000000000002", "operation": "ConfigureBackup",
         "status": "Completed", "entityFriendlyName": "testvm", "time": "2017-08-03T05:30:32Z", "durationSeconds": 31},
    ]
    zero = {
        "id": ZERO,
        "resourceGroups": [_rg(n) for n in ["netsdktestrg", "netsdktestrg2", "testRg", "testingRg", "testRG",
                                            "SwaggerTestRg", "PythonSDKBackupTestRg", "iaasvm-rg", "testVault"]]
        + [_rg("rshhtestmdvmrg", "eastasia")],
        "virtualNetworks": [{"resourceGroup": "testRg", "name": "testNet", "region": "southeastasia"}],
        "storageAccounts": [_sa("testRg", "testingAccount"), _sa("testingRg", "testAccount")],
        "vaults": [{"resourceGroup": rg, "name": name, "region": "southeastasia"} for rg, name in [
            ("netsdktestrg", "testVault"), ("testRG", "testVault"),
            ("PythonSDKBackupTestRg", "PySDKBackupTestRsVault"), ("testRg", "testVault")]]
        + [{"resourceGroup": "SwaggerTestRg", "name": "NetSDKTestRsVault", "region": "southeastasia",
            "crossRegionRestore": True}]
        + [{"resourceGroup": "rshhtestmdvmrg", "name": "rshvault", "region": "eastasia", "crossRegionRestore": True}],
        "virtualMachines": [
            _vm("netsdktestrg", "netvmtestv2vm1", "/subscriptions/" + ZERO + "/resourceGroups/netsdktestrg/providers/"
                "Microsoft.RecoveryServices/vaults/testVault", [{"name": HOME_RP, "ageHours": 30}]),
            _vm("iaasvm-rg", "iaasvm-1", "PySDKBackupTestRsVault", [{"name": "1", "ageHours": 5}]),
            _vm("testRg", "testVm", "/subscriptions/" + ZERO + "/resourceGroups/testRg/providers/"
                "Microsoft.RecoveryServices/vaults/testVault", [{"name": "2", "ageHours": 5}]),
            _vm("rshhtestmdvmrg", "rshmdvmsmall", "rshvault", old, "eastasia"),
            _vm("SwaggerTestRg", "swaggervm", "NetSDKTestRsVault", [{"name": "3", "ageHours": 30}]),
        ],
        "jobs": static_jobs,
    }
    ccy = {"id": CCY, "resourceGroups": [_rg("00prjaiTestRg1"), _rg("00networkAckl"), _rg("00networkAcklVaultCCY")],
           "virtualNetworks": [{"resourceGroup": "00networkAcklVaultCCY", "name": "00networkAcklVaultCCY-vnet",
                                "region": "southeastasia"}],
           "storageAccounts": [_sa("00prjaiTestRg1", "00prjaitestrg1disks993")]}
    return {"regionPairs": {"eastasia": "southeastasia"}, "subscriptions": [zero, ccy]}


class Client:
    def __init__(self, proc: Proc) -> None:
        self.url = proc.url
        token = requests.get(proc.url + "/msi/token", params={"api-version": "2019-08-01", "resource": proc.url},
                             headers={"X-IDENTITY-HEADER": "local-dev"}, timeout=5).json()["access_token"]
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, template: str, params: dict[str, Any], body: Any = None) -> requests.Response:
        path = template.format(**params)
        query = {"api-version": params["api-version"]}
        if "$filter" in params:
            query["$filter"] = params["$filter"]
        return requests.request(method, self.url + path, params=query, json=body if method == "POST" else None,
                                headers=self.headers, timeout=10)

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        reply = requests.request(method, f"{self.url}/_emulator/{path}", json=body, timeout=5)
        reply.raise_for_status()
        return reply.json()

    def advance(self, seconds: float) -> None:
        self.admin("POST", "clock", {"advanceSeconds": seconds})


def _start_home_restore(client: Client) -> tuple[str, str]:
    """Trigger a restore on the home item; returns (operation ID, job name)."""
    account = f"/subscriptions/{ZERO}/resourceGroups/testingRg/providers/Microsoft.Storage/storageAccounts/testAccount"
    body = {"properties": {"objectType": "IaasVMRestoreRequest", "recoveryPointId": HOME_RP,
                           "recoveryType": "RestoreDisks", "storageAccountId": account}}
    reply = client.call("POST", PATHS["Restores_Trigger"][1], {**HOME, "recoveryPointId": HOME_RP,
                                                               "api-version": "2026-02-01"}, body)
    assert reply.status_code == 202, reply.text
    op = urlparse(reply.headers["Azure-AsyncOperation"]).path.rsplit("/", 1)[1]
    job = next(j["name"] for j in client.admin("GET", "jobs")["jobs"] if j["properties"]["operation"] == "Restore")
    return op, job


def _crr_token(client: Client) -> dict[str, Any]:
    aad = client.call("GET", PATHS["AadProperties_Get"][1], {**CRR_HOME, "api-version": "2023-01-15"}).json()
    reply = client.call("POST", PATHS["RecoveryPoints_GetAccessToken"][1],
                        {**CRR_HOME, "recoveryPointId": "26083826328862", "api-version": "2023-01-15"}, aad)
    assert reply.status_code == 200, reply.text
    return dict(reply.json()["properties"])


def _start_crr(client: Client, example_request: dict[str, Any] | None = None) -> tuple[str, str]:
    token = _crr_token(client)
    request = dict(example_request or {"objectType": "IaasVMRestoreRequest", "recoveryType": "RestoreDisks",
                                       "storageAccountId": f"/subscriptions/{CCY}/resourceGroups/00prjaiTestRg1/"
                                       "providers/Microsoft.Storage/storageAccounts/00prjaitestrg1disks993",
                                       "targetResourceGroupId": f"/subscriptions/{CCY}/resourceGroups/00prjaiTestRg1"})
    request.update(sourceResourceId=CRR_VM, recoveryPointId=token["recoveryPointId"])
    body = {"crossRegionRestoreAccessDetails": token, "restoreRequest": request}
    reply = client.call("POST", PATHS["CrossRegionRestore_Trigger"][1], {**CRR_HOME, "api-version": "2023-01-15"},
                        body)
    assert reply.status_code == 202, reply.text
    op = urlparse(reply.headers["Azure-AsyncOperation"]).path.rsplit("/", 1)[1]
    job = next(j["name"] for j in client.admin("GET", "jobs")["jobs"]
               if j["properties"]["operation"] == "CrossRegionRestore")
    return op, job


Prepared = tuple[dict[str, Any], Any]
Hook = Callable[[Client, dict[str, Any], Any], Prepared]


def _home_op(advance: float) -> Hook:
    def hook(client: Client, params: dict[str, Any], body: Any) -> Prepared:
        op, job = _start_home_restore(client)
        client.advance(advance)
        return {**params, **HOME, "operationId": op, "jobName": job}, body
    return hook


def _cancel_result(client: Client, params: dict[str, Any], body: Any) -> Prepared:
    _, job = _start_home_restore(client)
    reply = client.call("POST", PATHS["JobCancellations_Trigger"][1], {**HOME, "jobName": job,
                                                                       "api-version": "2026-02-01"})
    op = urlparse(reply.headers["Location"]).path.rsplit("/", 1)[1]
    return {**params, **HOME, "jobName": job, "operationId": op}, body


def _validate_op(advance: float) -> Hook:
    def hook(client: Client, params: dict[str, Any], body: Any) -> Prepared:
        example = json.loads((EXAMPLES / "primary/2026-02-01/AzureIaasVm/TriggerValidateOperation_RestoreDisk.json")
                             .read_text())["parameters"]
        vault = {k: example[k] for k in ("subscriptionId", "resourceGroupName", "vaultName")}
        reply = client.call("POST", PATHS["ValidateOperation_Trigger"][1], {**vault, "api-version": "2026-02-01"},
                            example["parameters"])
        client.advance(advance)
        op = urlparse(reply.headers["Azure-AsyncOperation"]).path.rsplit("/", 1)[1]
        return {**params, **vault, "operationId": op}, body
    return hook


def _validation_errors(client: Client, params: dict[str, Any], body: Any) -> Prepared:
    client.admin("PUT", "scenario", {"validationErrors": [{"code": "UserErrorCoreCountSubscriptionQuotaReached",
                                                           "message": "Core Count subscription quota has been "
                                                           "reached.", "recommendations": ["Contact support."]}]})
    return params, body


def _with_validation_errors(inner: Hook) -> Hook:
    def hook(client: Client, params: dict[str, Any], body: Any) -> Prepared:
        return inner(client, *_validation_errors(client, params, body))
    return hook


def _access_token(client: Client, params: dict[str, Any], body: Any) -> Prepared:
    aad = client.call("GET", PATHS["AadProperties_Get"][1], {**CRR_HOME, "api-version": "2023-01-15"}).json()
    return {**params, **CRR_HOME}, aad


def _crr_trigger(client: Client, params: dict[str, Any], body: Any) -> Prepared:
    token = _crr_token(client)
    request = {**body["restoreRequest"], "sourceResourceId": CRR_VM, "recoveryPointId": token["recoveryPointId"]}
    return {**params, **CRR_HOME}, {"crossRegionRestoreAccessDetails": token, "restoreRequest": request}


def _crr_op(advance: float) -> Hook:
    def hook(client: Client, params: dict[str, Any], body: Any) -> Prepared:
        op, _ = _start_crr(client)
        client.advance(advance)
        return {**params, **CRR_HOME, "operationId": op}, None
    return hook


def _crr_job(client: Client, params: dict[str, Any], body: Any) -> Prepared:
    _, job = _start_crr(client)
    # The vault's ID, as az CLI and PowerShell send it (the example's VM ID is refused: emulator/jobs.py).
    return {**params, **CRR_HOME}, {"resourceId": CRR_VAULT, "jobName": job}


def _small_pages(client: Client, params: dict[str, Any], body: Any) -> Prepared:
    client.admin("PUT", "scenario", {"pageSize": 1})
    return params, body


HOOKS: dict[str, Hook] = {
    "BackupJobs_List": _small_pages,
    "ProtectedItemOperationStatuses_Get": _home_op(600), "ProtectedItemOperationResults_Get": _home_op(0),
    "BackupOperationStatuses_Get": _home_op(0), "JobDetails_Get": _home_op(0),
    "JobCancellations_Trigger": _home_op(0), "JobOperationResults_Get": _cancel_result,
    "Operation_Validate": _validation_errors,
    "ValidateOperationResults_Get": _with_validation_errors(_validate_op(600)),
    "ValidateOperationStatuses_Get": _with_validation_errors(_validate_op(600)),
    "RecoveryPoints_GetAccessToken": _access_token, "CrossRegionRestore_Trigger": _crr_trigger,
    "CrrOperationStatus_Get": _crr_op(600), "CrrOperationResults_Get": _crr_op(0),
    "BackupCrrJobDetails_Get": _crr_job, "BackupCrrJobs_List": _crr_job,
}


def _operation_id(path: Path, example: dict[str, Any]) -> str:
    if "operationId" in example:
        return str(example["operationId"])
    return "Restores_Trigger" if path.name.startswith("TriggerRestore") else path.stem


FREE_FORM_MAPS = {"propertyBag", "recoveryPointMoveReadinessInfo", "rpTierInformation"}


def shape_problems(expected: Any, actual: Any, where: str = "$") -> list[str]:
    """Keys of `expected` missing from `actual` or holding another JSON type (null in the example matches all);
    free-form maps (property bags) only need to be objects."""
    if expected is None:
        return []
    if where.rsplit(".", 1)[-1] in FREE_FORM_MAPS:
        return [] if isinstance(actual, dict) else [f"{where}: expected object"]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected object, got {type(actual).__name__}"]
        problems = [f"{where}.{k}: missing" for k in expected if k not in actual]
        return problems + [p for k, v in expected.items() if k in actual
                           for p in shape_problems(v, actual[k], f"{where}.{k}")]
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{where}: expected array"]
        if not expected or not actual:
            return []
        common = _common_shape(expected)
        return [p for i, item in enumerate(actual) for p in shape_problems(common, item, f"{where}[{i}]")]
    kinds = {bool: (bool,), int: (int, float), float: (int, float), str: (str,)}
    ok = isinstance(actual, kinds[type(expected)]) and not (isinstance(actual, bool) and type(expected) is not bool)
    return [] if ok else [f"{where}: expected {type(expected).__name__}, got {actual!r}"]


def _common_shape(items: list[Any]) -> Any:
    if all(isinstance(i, dict) for i in items):
        keys = set.intersection(*(set(i) for i in items))
        return {k: items[0][k] for k in keys}
    return items[0]


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proc]:
    seed = tmp_path_factory.mktemp("seed") / "examples.yaml"
    seed.write_text(yaml.safe_dump(examples_seed()))
    with running(start_emulator(time_scale=1.0, extra=["--seed", str(seed)])) as proc:
        yield proc


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(p.parents[4])) for p in FILES])
def test_example_replays_with_the_same_status_headers_and_shape(emulator: Proc, path: Path) -> None:
    example = json.loads(path.read_text())
    client = Client(emulator)
    client.admin("POST", "reset")
    op_id = _operation_id(path, example)
    method, template = PATHS[op_id]
    params = dict(example["parameters"])
    body = params.pop("parameters", None) if method == "POST" else None
    if op_id in HOOKS:
        params, body = HOOKS[op_id](client, params, body)
    reply = client.call(method, template, params, body)
    expected = {int(k): v for k, v in example["responses"].items()}
    assert reply.status_code in expected, f"{reply.status_code} not in {sorted(expected)}: {reply.text}"
    response = expected[reply.status_code] or {}
    for name in response.get("headers") or {}:
        assert name in reply.headers, f"header {name} missing"
        if name == "Retry-After":
            assert int(reply.headers[name]) > 0
        else:
            assert reply.headers[name].startswith(emulator.url)
    if "body" in response:
        assert shape_problems(response["body"], reply.json()) == []
