"""The client's retries, error classes, redaction and logging against a real local HTTP server."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from azure.core.exceptions import ServiceResponseError
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from azbackup import ids
from azbackup.client import BackupClient
from azbackup.config import ClientConfig
from azbackup.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    ResponseError,
    ServerError,
    ThrottledError,
    TransportError,
)
from azbackup.identity import record_answer
from azbackup.models import IaasVmRestoreRequest
from tests.unit.azbackup.client_support import ITEM, TOKEN, VAULT, FakeCredential, Sleeps


def test_throttled_then_ok_is_retried_after_short_retry_after(
    client: BackupClient, httpserver: HTTPServer, sleeps: Sleeps
) -> None:
    httpserver.expect_ordered_request(f"{VAULT}/backupJobs/j1").respond_with_json(
        {"error": {"code": "TooManyRequests", "message": "slow"}}, status=429, headers={"Retry-After": "2"}
    )
    httpserver.expect_ordered_request(f"{VAULT}/backupJobs/j1").respond_with_json(
        {"name": "j1", "properties": {"status": "Completed", "duration": "00:20:23.0896697"}}
    )
    job = client.get_job(VAULT, "j1")
    assert job.is_terminal and job.duration is not None and job.duration.total_seconds() > 1223
    assert sleeps == [2.0]


def test_long_retry_after_is_raised_for_a_durable_wait(
    client: BackupClient, httpserver: HTTPServer, sleeps: Sleeps
) -> None:
    httpserver.expect_request(f"{VAULT}/backupJobs/j1").respond_with_json(
        {"error": {"code": "TooManyRequests", "message": "slow"}}, status=429, headers={"Retry-After": "120"}
    )
    with pytest.raises(ThrottledError) as caught:
        client.get_job(VAULT, "j1")
    assert caught.value.retry_after == 120
    assert caught.value.to_info().transient
    assert sleeps == []
    assert len(httpserver.log) == 1


def test_server_errors_are_retried_up_to_max_attempts_with_capped_backoff(
    client: BackupClient, httpserver: HTTPServer, sleeps: Sleeps
) -> None:
    httpserver.expect_request(f"{VAULT}/backupJobs/j1").respond_with_json(
        {"error": {"code": "InternalError", "message": "oops"}}, status=500, headers={"x-ms-request-id": "rid-5"}
    )
    with pytest.raises(ServerError) as caught:
        client.get_job(VAULT, "j1")
    assert len(httpserver.log) == 4
    assert sleeps == [0.5, 1.0, 2.0]
    assert (caught.value.request_id, caught.value.retry_after) == ("rid-5", None)


def test_post_is_not_retried_on_500(client: BackupClient, httpserver: HTTPServer, sleeps: Sleeps) -> None:
    httpserver.expect_request(f"{VAULT}/backupJobs/j1/cancel", method="POST").respond_with_json(
        {"error": {"code": "InternalError", "message": "oops"}}, status=500
    )
    with pytest.raises(ServerError):
        client.cancel_job(VAULT, "j1")
    assert len(httpserver.log) == 1 and sleeps == []


def test_post_is_retried_when_service_asks_with_503_retry_after(
    client: BackupClient, httpserver: HTTPServer, sleeps: Sleeps
) -> None:
    httpserver.expect_ordered_request(f"{VAULT}/backupJobs/j1/cancel", method="POST").respond_with_data(
        "", status=503, headers={"Retry-After": "1"}
    )
    httpserver.expect_ordered_request(f"{VAULT}/backupJobs/j1/cancel", method="POST").respond_with_data(
        "", status=202, headers={"Location": httpserver.url_for(f"{VAULT}/backupJobs/j1/operationResults/o")}
    )
    op = client.cancel_job(VAULT, "j1")
    assert op.result_url and op.result_url.endswith("/operationResults/o")
    assert sleeps == [1.0]


def test_terminal_400_surfaces_arm_code_message_and_request_id(client: BackupClient, httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"{VAULT}/backupValidateOperation", method="POST").respond_with_json(
        {"error": {"code": "BMSUserErrorInvalidInput", "message": "Input is invalid", "target": "storageAccountId"}},
        status=400,
        headers={"x-ms-request-id": "rid-400"},
    )
    body = IaasVmRestoreRequest(recovery_point_id="42", recovery_type="RestoreDisks")
    with pytest.raises(ResponseError) as caught:
        client.validate_restore(VAULT, ids.recovery_point_id(ITEM, "42"), body)
    error = caught.value
    assert (error.status, error.code, error.message, error.request_id) == (
        400,
        "BMSUserErrorInvalidInput",
        "Input is invalid",
        "rid-400",
    )
    assert not error.is_transient
    assert len(httpserver.log) == 1


@pytest.mark.parametrize(("status", "cls"), [(404, NotFoundError), (409, ConflictError)])
def test_not_found_and_conflict_have_their_own_classes(
    client: BackupClient, httpserver: HTTPServer, status: int, cls: type[ResponseError]
) -> None:
    httpserver.expect_request(f"{VAULT}/backupJobs/j1").respond_with_json(
        {"error": {"code": "X", "message": "m"}}, status=status
    )
    with pytest.raises(cls):
        client.get_job(VAULT, "j1")


def test_error_body_echoing_authorization_is_redacted(client: BackupClient, httpserver: HTTPServer) -> None:
    def echo(request: Request) -> Response:
        message = f"bad request with headers Authorization: {request.headers['Authorization']}"
        return Response(json.dumps({"error": {"code": "BadRequest", "message": message}}), status=400)

    httpserver.expect_request(f"{VAULT}/backupJobs/j1").respond_with_handler(echo)
    with pytest.raises(ResponseError) as caught:
        client.get_job(VAULT, "j1")
    for text in (str(caught.value), repr(caught.value), caught.value.to_info().model_dump_json()):
        assert TOKEN not in text
        assert "***" in text


def test_non_json_error_body_is_reported_with_status(client: BackupClient, httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"{VAULT}/backupJobs/j1").respond_with_data(f"<html>Bearer {TOKEN}</html>", status=403)
    with pytest.raises(ResponseError) as caught:
        client.get_job(VAULT, "j1")
    assert caught.value.code == "Http403"
    assert TOKEN not in str(caught.value)


def test_redirect_is_not_followed(client: BackupClient, httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"{VAULT}/backupJobs/j1").respond_with_data(
        "", status=307, headers={"Location": "https://evil.example/x"}
    )
    with pytest.raises(ResponseError) as caught:
        client.get_job(VAULT, "j1")
    assert caught.value.code == "UnexpectedRedirect"


def test_connection_refused_is_a_transient_transport_error(credential: FakeCredential, sleeps: Sleeps) -> None:
    client = BackupClient(ClientConfig(arm_endpoint="http://127.0.0.1:9", max_attempts=2), credential, sleep=sleeps)
    with pytest.raises(TransportError) as caught:
        client.cancel_job(VAULT, "j1")
    assert caught.value.is_transient and caught.value.connect_failed
    assert sleeps == [0.5]  # a POST that never reached the server may be repeated


def test_credential_failure_is_authentication_error_without_token(httpserver: HTTPServer, sleeps: Sleeps) -> None:
    config = ClientConfig(arm_endpoint=httpserver.url_for("").rstrip("/"))
    client = BackupClient(config, credential=FakeCredential(fail=True), sleep=sleeps)
    with pytest.raises(AuthenticationError) as caught:
        client.get_job(VAULT, "j1")
    assert TOKEN not in str(caught.value)
    assert httpserver.log == []


def test_log_line_has_method_path_status_and_request_id_but_no_secrets(
    client: BackupClient, httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request(f"{VAULT}/backupJobs/j1").respond_with_json(
        {"name": "j1", "properties": {"status": "InProgress"}}, headers={"x-ms-request-id": "rid-1"}
    )
    with caplog.at_level(logging.INFO, logger="azbackup.client"):
        client.get_job(VAULT, "j1")
    record = next(r for r in caplog.records if r.getMessage() == "arm.request")
    fields = record.__dict__
    assert (fields["method"], fields["path"], fields["status"], fields["request_id"]) == (
        "GET",
        f"{VAULT}/backupJobs/j1",
        200,
        "rid-1",
    )
    assert "api-version" not in fields["path"]
    assert isinstance(fields["duration_ms"], float)
    assert all(TOKEN not in str(v) for v in fields.values())


def test_unreachable_identity_endpoint_is_a_transient_transport_error(httpserver: HTTPServer, sleeps: Sleeps) -> None:
    class Unreachable:
        def get_token(self, *scopes: str, **kwargs: Any) -> Any:
            raise ServiceResponseError("Connection aborted.")

    client = BackupClient(ClientConfig(arm_endpoint=httpserver.url_for("").rstrip("/")), credential=Unreachable(),
                          sleep=sleeps)
    with pytest.raises(TransportError) as caught:
        client.get_job(VAULT, "j1")
    assert caught.value.is_transient and caught.value.to_info().transient
    assert httpserver.log == []


@pytest.mark.parametrize(("status", "headers", "retry_after"), [
    (429, {"Retry-After": "30"}, 30),
    (429, {}, None),
    (503, {"Retry-After": "45"}, 45),
    (500, {}, None),
])
def test_a_throttled_or_failing_identity_endpoint_is_transient_not_an_authentication_failure(
        httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, sleeps: Sleeps, status: int,
        headers: dict[str, str], retry_after: int | None) -> None:
    # The real azure-identity credential against a local identity endpoint (App Service style), its own retries off.
    from azure.identity import ManagedIdentityCredential

    monkeypatch.setenv("IDENTITY_ENDPOINT", httpserver.url_for("/msi/token"))
    monkeypatch.setenv("IDENTITY_HEADER", "local-dev")
    httpserver.expect_request("/msi/token").respond_with_json(
        {"error": {"code": "TooManyRequests", "message": "slow down"}}, status=status, headers=headers)
    credential = ManagedIdentityCredential(retry_total=0, raw_response_hook=record_answer)
    client = BackupClient(ClientConfig(arm_endpoint=httpserver.url_for("").rstrip("/"), max_attempts=1),
                          credential=credential, sleep=sleeps)
    with pytest.raises(TransportError) as caught:
        client.get_job(VAULT, "j1")
    info = caught.value.to_info()
    assert info.transient and info.retry_after == retry_after
    assert str(status) in info.message
    assert all(entry[0].path == "/msi/token" for entry in httpserver.log), "no ARM call without a token"


def test_an_identity_endpoint_that_refuses_the_identity_is_still_an_authentication_failure(
        httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, sleeps: Sleeps) -> None:
    from azure.identity import ManagedIdentityCredential

    monkeypatch.setenv("IDENTITY_ENDPOINT", httpserver.url_for("/msi/token"))
    monkeypatch.setenv("IDENTITY_HEADER", "local-dev")
    httpserver.expect_request("/msi/token").respond_with_json({"error": "invalid_client"}, status=400)
    client = BackupClient(ClientConfig(arm_endpoint=httpserver.url_for("").rstrip("/"), max_attempts=1),
                          credential=ManagedIdentityCredential(retry_total=0, raw_response_hook=record_answer),
                          sleep=sleeps)
    with pytest.raises(AuthenticationError) as caught:
        client.get_job(VAULT, "j1")
    assert not caught.value.to_info().transient
