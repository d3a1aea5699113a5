"""Drive the emulator with Microsoft's SDK (azure-mgmt-recoveryservicesbackup 9.1.0: the primary client and the
passive-stamp CRR client), authenticated through azure-identity's ManagedIdentityCredential against the emulator's
App Service managed identity endpoint. Every response must deserialise."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import BearerTokenCredentialPolicy
from azure.identity import ManagedIdentityCredential
from azure.mgmt.recoveryservicesbackup.activestamp import RecoveryServicesBackupClient
from azure.mgmt.recoveryservicesbackup.activestamp import models as pm
from azure.mgmt.recoveryservicesbackup.passivestamp import RecoveryServicesBackupPassiveClient
from azure.mgmt.recoveryservicesbackup.passivestamp import models as cm

from tests.support.procs import Proc, running, start_emulator
from tests.support.wait import wait_until


class LoopbackBearerPolicy(BearerTokenCredentialPolicy):
    """The emulator speaks plain HTTP on loopback; azure-core refuses bearer tokens over http unless told."""

    def on_request(self, request: PipelineRequest[Any]) -> None:
        request.context.options["enforce_https"] = False
        super().on_request(request)


@pytest.fixture(scope="module")
def emulator() -> Iterator[Proc]:
    with running(start_emulator(time_scale=3600)) as proc:
        yield proc


@pytest.fixture
def setup(emulator: Proc, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    requests.post(emulator.url + "/_emulator/reset", timeout=5).raise_for_status()
    requests.put(emulator.url + "/_emulator/scenario", json={"retryAfterSeconds": 1, "cancelSeconds": 1},
                 timeout=5).raise_for_status()
    monkeypatch.setenv("IDENTITY_ENDPOINT", emulator.url + "/msi/token")
    monkeypatch.setenv("IDENTITY_HEADER", "local-dev")
    credential = ManagedIdentityCredential()
    inventory = requests.get(emulator.url + "/_emulator/inventory", timeout=5).json()
    vm = next(v for v in inventory["vms"] if v["name"] == "vm-web-01")
    parts = vm["protectedItemId"].split("/")
    kwargs = {"base_url": emulator.url, "polling_interval": 0.05,
              "authentication_policy": LoopbackBearerPolicy(credential, emulator.url + "/.default")}
    return {
        "url": emulator.url, "vm": vm, "inventory": inventory, "sub": parts[2], "rg": parts[4], "vault": parts[8],
        "container": parts[12], "item": parts[14],
        "primary": RecoveryServicesBackupClient(credential, parts[2], **kwargs),
        "crr": RecoveryServicesBackupPassiveClient(credential, parts[2], **kwargs),
    }


def _account(s: dict[str, Any], region: str) -> str:
    return next(a["id"] for a in s["inventory"]["storageAccounts"] if a["region"] == region
                and a["sku"] == "Standard_LRS")


def test_primary_client_lists_gets_restores_and_follows_the_job(setup: dict[str, Any]) -> None:
    s, client = setup, setup["primary"]
    where = (s["vault"], s["rg"], "Azure", s["container"], s["item"])
    points = list(client.recovery_points.list(*where))
    assert points and all(isinstance(p.properties, pm.IaasVMRecoveryPoint) for p in points)
    point = client.recovery_points.get(*where, points[0].name)
    assert point.properties.recovery_point_time is not None
    item = client.protected_items.get(*where)
    assert item.properties.friendly_name == "vm-web-01"
    body = pm.RestoreRequestResource(properties=pm.IaasVMRestoreRequest(
        recovery_point_id=point.name, recovery_type="RestoreDisks", source_resource_id=s["vm"]["id"],
        storage_account_id=_account(s, s["vm"]["region"]), region=s["vm"]["region"], restore_disk_lun_list=[0]))
    # A day-long job (24 wall seconds at scale 3600): the cancel below always finds it running.
    requests.put(s["url"] + "/_emulator/scenario", json={"jobSeconds": 86400}, timeout=5).raise_for_status()
    client.restores.begin_trigger(*where, point.name, body).result(timeout=60)
    jobs = list(client.backup_jobs.list(s["vault"], s["rg"], filter="operation eq 'Restore'"))
    assert [j.properties.operation for j in jobs] == ["Restore"]
    job = client.job_details.get(s["vault"], s["rg"], jobs[0].name)
    assert isinstance(job.properties, pm.AzureIaaSVMJob) and job.properties.extended_info is not None
    client.job_cancellations.trigger(s["vault"], s["rg"], jobs[0].name)
    cancelled = wait_until(lambda: client.job_details.get(s["vault"], s["rg"], jobs[0].name).properties.status,
                           lambda status: status == "Cancelled", timeout=30, what="the job to end Cancelled")
    assert cancelled == "Cancelled"
    emulator_jobs = requests.get(s["url"] + "/_emulator/jobs", timeout=5).json()["jobs"]
    assert [j["properties"]["status"] for j in emulator_jobs if j["name"] == jobs[0].name] == ["Cancelled"]
    log = requests.get(s["url"] + "/_emulator/requests", timeout=5).json()["requests"]
    assert [e["method"] for e in log if f"/backupJobs/{jobs[0].name}/cancel" in e["path"]] == ["POST"]


def test_primary_client_validates_a_restore(setup: dict[str, Any]) -> None:
    s, client = setup, setup["primary"]
    point = next(iter(setup["primary"].recovery_points.list(s["vault"], s["rg"], "Azure", s["container"], s["item"])))
    request = pm.IaasVMRestoreRequest(recovery_point_id=point.name, recovery_type="RestoreDisks",
                                      source_resource_id=s["vm"]["id"], storage_account_id=_account(s, "northeurope"))
    result = client.operation.validate(s["vault"], s["rg"], pm.ValidateIaasVMRestoreOperationRequest(
        restore_request=request))
    codes = [r.code for r in result.validate_operation_response.validation_results]
    assert codes == ["UserErrorStorageAccountLocationMismatch"]


def test_passive_client_runs_a_cross_region_restore(setup: dict[str, Any]) -> None:
    s, crr = setup, setup["crr"]
    secondary = s["vm"]["secondaryRegion"]
    where = (s["vault"], s["rg"], "Azure", s["container"], s["item"])
    aad = crr.aad_properties.get(secondary)
    points = list(crr.recovery_points_crr.list(*where))
    assert points and all(isinstance(p.properties, cm.IaasVMRecoveryPoint) for p in points)
    token = crr.recovery_points.get_access_token(*where, points[0].name, aad)
    assert isinstance(token.properties, cm.WorkloadCrrAccessToken) and token.properties.access_token_string
    group = next(g["id"] for g in s["inventory"]["resourceGroups"] if g["region"] == secondary)
    request = cm.IaasVMRestoreRequest(recovery_point_id=points[0].name, recovery_type="RestoreDisks",
                                      source_resource_id=s["vm"]["id"], storage_account_id=_account(s, secondary),
                                      region=secondary, target_resource_group_id=group)
    crr.cross_region_restore.begin_trigger(secondary, cm.CrossRegionRestoreRequest(
        cross_region_restore_access_details=token.properties, restore_request=request)).result(timeout=60)
    vault_id = s["vm"]["protectedItemId"][:s["vm"]["protectedItemId"].lower().index("/backupfabrics/")]
    jobs = list(crr.backup_crr_jobs.list(secondary, cm.CrrJobRequest(resource_id=vault_id)))  # as az CLI sends it
    assert [j.properties.operation for j in jobs] == ["CrossRegionRestore"]
    job = crr.backup_crr_job_details.get(secondary, cm.CrrJobRequest(resource_id=vault_id, job_name=jobs[0].name))
    assert job.properties.entity_friendly_name == "vm-web-01"


def test_passive_client_lists_the_vaults_items_as_the_secondary_region_sees_them(setup: dict[str, Any]) -> None:
    s, crr = setup, setup["crr"]
    vm_filter = "backupManagementType eq 'AzureIaasVM' and itemType eq 'VM'"
    items = list(crr.backup_protected_items_crr.list(s["vault"], s["rg"], filter=vm_filter))
    assert [i.name for i in items if isinstance(i.properties, cm.AzureIaaSComputeVMProtectedItem)] == \
        [i.name for i in items] and s["item"] in [i.name for i in items]
    web = next(i for i in items if i.name == s["item"])
    replicated = list(crr.recovery_points_crr.list(s["vault"], s["rg"], "Azure", s["container"], s["item"]))
    assert web.properties.extended_info.recovery_point_count == len(replicated)
