"""The client's HTTP behaviour against a real local HTTP server (pytest-httpserver), no patched `requests`."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from azbackup.client import BackupClient
from azbackup.config import ClientConfig
from azbackup.errors import (
    CrossTenantTokenError,
    InvalidResourceIdError,
    ResponseError,
    UnsafeUrlError,
)
from azbackup.models import AadProperties, CrrAccessToken, IaasVmRestoreRequest, OperationStatusValues
from tests.unit.azbackup.client_support import (
    ITEM,
    ITEM_PATH,
    SUB,
    TOKEN,
    VAULT,
    VM,
    FakeCredential,
    Sleeps,
    rp_body,
    tenant_token,
)


def test_every_request_carries_token_user_agent_and_client_request_id(
    client: BackupClient, httpserver: HTTPServer, credential: FakeCredential
) -> None:
    httpserver.expect_request(ITEM_PATH, method="GET", query_string={"api-version": "2026-02-01"}).respond_with_json(
        {"id": ITEM, "name": "VM;iaasvmcontainerv2;rg1;vm1", "properties": {"protectedItemType": "x"}}
    )
    item = client.get_protected_item(ITEM)
    request, _ = httpserver.log[0]
    assert item.properties.protected_item_type == "x"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["User-Agent"].startswith("vm-restore-orchestrator/")
    assert len(request.headers["x-ms-client-request-id"]) == 36
    assert credential.scopes == [f"{httpserver.url_for('').rstrip('/')}/.default"]


def test_recovery_points_follow_every_next_link_with_filter(client: BackupClient, httpserver: HTTPServer) -> None:
    base = httpserver.url_for("")
    next_link = f"{base.rstrip('/')}{ITEM}/recoveryPoints?api-version=2026-02-01&$skiptoken=p2"
    httpserver.expect_request(
        f"{ITEM}/recoveryPoints", query_string={"api-version": "2026-02-01", "$filter": "startDate eq 'x'"}
    ).respond_with_json({"value": [rp_body("1")], "nextLink": next_link})
    httpserver.expect_request(
        f"{ITEM}/recoveryPoints", query_string={"api-version": "2026-02-01", "$skiptoken": "p2"}
    ).respond_with_json({"value": [rp_body("2")], "nextLink": None})
    points = client.list_recovery_points(ITEM, filter="startDate eq 'x'")
    assert [p.name for p in points] == ["1", "2"]
    assert str(points[0].tiers[0].type) == "InstantRP"


def test_foreign_next_link_is_refused_without_sending(client: BackupClient, httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"{ITEM}/recoveryPoints").respond_with_json(
        {"value": [rp_body("1")], "nextLink": "https://evil.example/steal?x=1"}
    )
    with pytest.raises(UnsafeUrlError):
        client.list_recovery_points(ITEM)
    assert len(httpserver.log) == 1


def test_crr_recovery_points_use_crr_api_version(client: BackupClient, httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"{ITEM}/recoveryPoints/7", query_string={"api-version": "2023-01-15"}).respond_with_json(
        rp_body("7")
    )
    assert client.get_recovery_point(ITEM, "7", crr=True).name == "7"


def test_trigger_restore_returns_tracking_from_202(client: BackupClient, httpserver: HTTPServer) -> None:
    base = httpserver.url_for("").rstrip("/")
    headers = {
        "Azure-AsyncOperation": f"{base}{ITEM}/operationsStatus/op1?api-version=2017-07-01",
        "Location": f"{base}{ITEM}/operationResults/op1?api-version=2017-07-01",
        "Retry-After": "60",
    }
    httpserver.expect_request(f"{ITEM}/recoveryPoints/42/restore", method="POST").respond_with_data(
        "", status=202, headers=headers
    )
    body = IaasVmRestoreRequest(recovery_point_id="42", recovery_type="RestoreDisks", source_resource_id=VM)
    op = client.trigger_restore(ITEM, "42", body, auxiliary_token="aux-token-1234")
    request, _ = httpserver.log[0]
    sent = json.loads(request.get_data())
    assert sent["properties"]["objectType"] == "IaasVMRestoreRequest"
    assert sent["properties"]["recoveryType"] == "RestoreDisks"
    assert request.headers["x-ms-authorization-auxiliary"] == "Bearer aux-token-1234"
    assert (op.status_url, op.result_url, op.retry_after) == (
        headers["Azure-AsyncOperation"],
        headers["Location"],
        60,
    )


def test_get_operation_reads_job_id_from_status_url(client: BackupClient, httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"{ITEM}/operationsStatus/op1").respond_with_json(
        {"status": "Succeeded", "properties": {"objectType": "OperationStatusJobExtendedInfo", "jobId": "job-9"}}
    )
    state = client.get_operation(httpserver.url_for(f"{ITEM}/operationsStatus/op1") + "?api-version=2017-07-01")
    assert (state.status, state.job_id) == (OperationStatusValues.SUCCEEDED, "job-9")


def test_get_operation_on_result_url_202_is_in_progress(client: BackupClient, httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"{ITEM}/operationResults/op1").respond_with_data(
        "", status=202, headers={"Retry-After": "20"}
    )
    state = client.get_operation(httpserver.url_for(f"{ITEM}/operationResults/op1"))
    assert (state.status, state.retry_after) == (OperationStatusValues.IN_PROGRESS, 20)


def test_foreign_tracking_url_is_refused_and_nothing_is_sent(
    client: BackupClient, httpserver: HTTPServer, credential: FakeCredential
) -> None:
    with pytest.raises(UnsafeUrlError):
        client.get_operation("https://attacker.example/operationsStatus/1")
    port = httpserver.port + 1
    with pytest.raises(UnsafeUrlError):
        client.get_operation(f"http://{httpserver.host}:{port}/operationsStatus/1")
    assert httpserver.log == []
    assert credential.scopes == []


def test_backup_status_posts_vm_id_to_the_region(client: BackupClient, httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        f"/subscriptions/{SUB}/providers/Microsoft.RecoveryServices/locations/westeurope/backupStatus",
        method="POST",
        json={"resourceType": "VM", "resourceId": VM},
    ).respond_with_json({"protectionStatus": "Protected", "vaultId": VAULT, "containerName": "c"})
    status = client.get_backup_status("westeurope", VM)
    assert status.is_protected and status.vault_id == VAULT


def test_list_jobs_pages_through_next_link(client: BackupClient, httpserver: HTTPServer) -> None:
    second = httpserver.url_for(f"{VAULT}/backupJobs") + "?api-version=2026-02-01&$skiptoken=2"
    httpserver.expect_request(
        f"{VAULT}/backupJobs", query_string={"api-version": "2026-02-01", "$filter": "operation eq 'Restore'"}
    ).respond_with_json({"value": [{"name": "a", "properties": {"status": "Completed"}}], "nextLink": second})
    httpserver.expect_request(
        f"{VAULT}/backupJobs", query_string={"api-version": "2026-02-01", "$skiptoken": "2"}
    ).respond_with_json({"value": [{"name": "b", "properties": {"status": "InProgress"}}]})
    assert [j.job_id for j in client.list_jobs(VAULT, filter="operation eq 'Restore'")] == ["a", "b"]


def test_cross_region_restore_flow_uses_crr_version_and_keeps_token_out_of_errors(
    client: BackupClient, httpserver: HTTPServer
) -> None:
    loc = f"/subscriptions/{SUB}/providers/Microsoft.RecoveryServices/locations/southeastasia"
    crr = {"api-version": "2023-01-15"}
    aad_body = {"id": f"/subscriptions/{SUB}", "properties": {"audience": "aud", "tenantId": "t"}}
    httpserver.expect_request(f"{loc}/backupAadProperties", query_string=crr).respond_with_json(aad_body)
    httpserver.expect_request(
        f"{ITEM}/recoveryPoints/42/accessToken",
        method="POST",
        query_string=crr,
        json={"properties": {"audience": "aud", "tenantId": "t"}},
    ).respond_with_json(
        {
            "properties": {
                "objectType": "WorkloadCrrAccessToken",
                "accessTokenString": "CRR-SECRET-TOKEN",
                "subscriptionId": SUB,
            }
        }
    )
    httpserver.expect_request(f"{loc}/backupCrossRegionRestore", method="POST", query_string=crr).respond_with_json(
        {"error": {"code": "BadRequest", "message": "token CRR-SECRET-TOKEN rejected"}}, status=400
    )
    aad = client.get_aad_properties("southeastasia", VAULT)
    assert isinstance(aad, AadProperties) and aad.properties.audience == "aud"
    token = client.get_crr_access_token(ITEM, "42", aad)
    assert isinstance(token, CrrAccessToken)
    assert "CRR-SECRET-TOKEN" not in repr(token)
    with pytest.raises(ResponseError) as caught:
        client.trigger_cross_region_restore("southeastasia", token, IaasVmRestoreRequest(recovery_point_id="42"))
    assert "CRR-SECRET-TOKEN" not in str(caught.value)
    sent = json.loads(httpserver.log[-1][0].get_data())
    assert sent["crossRegionRestoreAccessDetails"]["accessTokenString"] == "CRR-SECRET-TOKEN"
    assert sent["restoreRequest"]["objectType"] == "IaasVMRestoreRequest"


def test_crr_jobs_are_posted_with_the_vault_id(client: BackupClient, httpserver: HTTPServer) -> None:
    """`CrrJobRequest.resourceId` is the vault's ID, as az CLI and Az PowerShell send it (not a VM ID)."""
    loc = f"/subscriptions/{SUB}/providers/Microsoft.RecoveryServices/locations/southeastasia"
    httpserver.expect_request(
        f"{loc}/backupCrrJob", method="POST", json={"resourceId": VAULT, "jobName": "j1"}
    ).respond_with_json({"name": "j1", "properties": {"operation": "CrossRegionRestore", "status": "InProgress"}})
    httpserver.expect_request(f"{loc}/backupCrrJobs", method="POST", json={"resourceId": VAULT}).respond_with_json(
        {"value": [{"name": "j1", "properties": {"status": "InProgress"}}]}
    )
    assert client.get_crr_job("southeastasia", VAULT, "j1").properties.operation == "CrossRegionRestore"
    assert [j.job_id for j in client.list_crr_jobs("southeastasia", VAULT)] == ["j1"]
    with pytest.raises(InvalidResourceIdError):
        client.get_crr_job("southeastasia", VM, "j1")


def test_a_vault_region_is_read_from_arms_resource_list(client: BackupClient, httpserver: HTTPServer) -> None:
    """ARM's own list answers while the vault's region is down; the vault GET (its provider) would not."""
    group = f"/subscriptions/{SUB}/resourceGroups/{VAULT.split('/')[4]}"
    httpserver.expect_request(
        f"{group}/resources", method="GET",
        query_string={"api-version": "2021-04-01", "$filter": "resourceType eq 'Microsoft.RecoveryServices/vaults'"},
    ).respond_with_json({"value": [{"id": VAULT.upper(), "name": "v", "type": "Microsoft.RecoveryServices/vaults",
                                    "location": "West Europe"}]})
    assert client.get_location_from_arm(VAULT) == "westeurope"


def test_old_api_versions_come_from_config(httpserver: HTTPServer, credential: FakeCredential, sleeps: Sleeps) -> None:
    config = ClientConfig(
        arm_endpoint=httpserver.url_for("").rstrip("/"), api_version="2019-05-13", crr_api_version="2018-12-20"
    )
    client = BackupClient(config, credential, sleep=sleeps)
    httpserver.expect_request(f"{ITEM}/recoveryPoints/1", query_string={"api-version": "2019-05-13"}).respond_with_json(
        rp_body("1")
    )
    httpserver.expect_request(f"{ITEM}/recoveryPoints/1", query_string={"api-version": "2018-12-20"}).respond_with_json(
        rp_body("1")
    )
    assert client.get_recovery_point(ITEM, "1").name == "1"
    assert client.get_recovery_point(ITEM, "1", crr=True).name == "1"


@pytest.fixture
def foreign_server() -> Iterator[HTTPServer]:
    """A second, real server on another port: it must never see a request (and so never a token)."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


def test_authorization_is_never_sent_to_a_listening_foreign_server(
    client: BackupClient, httpserver: HTTPServer, foreign_server: HTTPServer
) -> None:
    foreign_next = foreign_server.url_for(f"{ITEM}/recoveryPoints") + "?page=2"
    httpserver.expect_request(f"{ITEM}/recoveryPoints").respond_with_json({"value": [], "nextLink": foreign_next})
    with pytest.raises(UnsafeUrlError):
        client.list_recovery_points(ITEM)
    with pytest.raises(UnsafeUrlError):
        client.get_operation(foreign_server.url_for(f"{ITEM}/operationsStatus/op1"))
    assert foreign_server.log == []
    assert len(httpserver.log) == 1


@pytest.mark.parametrize("bad", ["../../x", "a/b", "", "..", "x?y"])
def test_path_segments_from_callers_cannot_escape_their_resource(
    client: BackupClient, httpserver: HTTPServer, bad: str
) -> None:
    with pytest.raises(InvalidResourceIdError):
        client.get_recovery_point(ITEM, bad)
    with pytest.raises(InvalidResourceIdError):
        client.get_job(VAULT, bad)
    assert httpserver.log == []


def test_resource_location_reads_vm_and_vault_regions(client: BackupClient, httpserver: HTTPServer) -> None:
    httpserver.expect_request(VM, method="GET", query_string="api-version=2024-07-01").respond_with_json(
        {"id": VM, "location": "West Europe"})
    httpserver.expect_request(VAULT, method="GET", query_string="api-version=2024-04-01").respond_with_json(
        {"id": VAULT, "location": "northeurope"})
    assert client.get_resource_location(VM) == "westeurope"
    assert client.get_resource_location(VAULT) == "northeurope"


def test_resource_guard_trigger_sends_an_auxiliary_token_fetched_for_the_guard_tenant(
    client: BackupClient, httpserver: HTTPServer, credential: FakeCredential
) -> None:
    rp_path = f"{ITEM}/recoveryPoints/42/restore"
    aux = tenant_token("guard-tenant")
    httpserver.expect_request(rp_path, method="POST", headers={"x-ms-authorization-auxiliary": f"Bearer {aux}"}
                              ).respond_with_data("", status=202, headers={"Location": httpserver.url_for("/op")})
    body = IaasVmRestoreRequest(recovery_point_id="42", recovery_type="RestoreDisks",
                                resource_guard_operation_requests=["/subscriptions/x/guard"])
    client.trigger_restore(ITEM, "42", body, auxiliary_tenant_id="guard-tenant")
    assert "guard-tenant" in credential.tenants
    sent = json.loads(httpserver.log[-1][0].get_data())
    assert sent["properties"]["resourceGuardOperationRequests"] == ["/subscriptions/x/guard"]


def test_a_home_tenant_token_is_never_sent_as_the_guard_tenants_auxiliary_token(
    httpserver: HTTPServer, sleeps: Sleeps
) -> None:
    """A managed identity ignores `tenant_id` (azure-identity): the client refuses rather than send that token."""
    credential = FakeCredential(honours_tenant=False)
    config = ClientConfig(arm_endpoint=httpserver.url_for("/").rstrip("/"), api_version="2026-02-01",
                          crr_api_version="2023-01-15")
    client = BackupClient(config, credential, sleep=sleeps)
    body = IaasVmRestoreRequest(recovery_point_id="42", recovery_type="RestoreDisks",
                                resource_guard_operation_requests=["/subscriptions/x/guard"])
    with pytest.raises(CrossTenantTokenError) as caught:
        client.trigger_restore(ITEM, "42", body, auxiliary_tenant_id="guard-tenant")
    assert caught.value.code == "CrossTenantTokenUnavailable" and "guard-tenant" in caught.value.message
    assert TOKEN not in str(caught.value) and httpserver.log == []
