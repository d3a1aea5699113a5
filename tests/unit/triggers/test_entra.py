"""The incident webhook's second authentication: an Azure Monitor action group's Entra token, checked against the
tenant's key set served by a local stand-in (tests/support/entra.py) over HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from restore import settings
from restore.errors import InvalidSettingError
from tests.support.entra import AUDIENCE, LocalTenant, new_key
from tests.unit.triggers.fakes import IDS, FakeClient, example, http_request
from triggers import entra
from triggers.incident import handle_incident

URL = "http://127.0.0.1:7071/api/webhooks/incident"
OTHER_TENANT = "0b6c8a3e-1111-4222-8333-444455556666"


@pytest.fixture(scope="module")
def tenant() -> Iterator[LocalTenant]:
    with LocalTenant() as local:
        yield local


@pytest.fixture(autouse=True)
def app_settings(monkeypatch: pytest.MonkeyPatch, tenant: LocalTenant) -> Iterator[None]:
    monkeypatch.setenv("RESTORE_ALLOWED_SCOPES", f"/subscriptions/{IDS['SUBSCRIPTION']}")
    monkeypatch.setenv("INCIDENT_WEBHOOK_SECRET", "")  # no HMAC secret: only the token can authenticate
    monkeypatch.setenv("INCIDENT_DEFAULT_REQUEST", json.dumps({"targetResourceGroupId": IDS["TARGET_RG_ID"],
                                                              "storageAccountId": IDS["STORAGE_ACCOUNT_ID"]}))
    for name, value in tenant.settings().items():
        monkeypatch.setenv(name, value)
    settings.get_settings.cache_clear()
    entra.KEYS.clear()
    yield
    settings.get_settings.cache_clear()
    entra.KEYS.clear()


def call(client: FakeClient, authorization: str | None, body: Any | None = None) -> Any:
    raw = json.dumps(body or example("azure-monitor-alert.json")).encode()
    headers = {"Authorization": authorization} if authorization is not None else {}
    return asyncio.run(handle_incident(http_request("POST", URL, headers=headers, raw=raw), client))


def test_an_action_group_token_starts_the_alert_restore(tenant: LocalTenant) -> None:
    client = FakeClient()
    response = call(client, f"Bearer {tenant.token()}")
    assert response.status_code == 202, response.get_body()
    assert len(client.started) == 1 and client.started[0][2]["source"] == "incident"
    assert tenant.requests == [f"/{tenant.tenant_id}/discovery/v2.0/keys"]


def test_a_v1_token_with_appid_and_the_sts_issuer_is_accepted(tenant: LocalTenant) -> None:
    client = FakeClient()
    token = tenant.token(azp=None, appid="461e8683-5575-4561-ac7f-899cc907d62a", ver="1.0",
                         iss=f"https://sts.windows.net/{tenant.tenant_id}/")
    assert call(client, f"Bearer {token}").status_code == 202 and len(client.started) == 1


def test_with_a_token_only_an_alert_is_acted_on(tenant: LocalTenant) -> None:
    client = FakeClient()
    generic = {"incidentId": "INC-entra", "vmId": IDS["VM_ID"], "mode": "replaceDisks",
               "storageAccountId": IDS["STORAGE_ACCOUNT_ID"]}
    response = call(client, f"Bearer {tenant.token()}", generic)
    assert response.status_code == 400 and client.started == []
    assert json.loads(response.get_body())["errors"][0]["field"] == "schemaId"


def test_the_key_set_is_read_once_and_cached(tenant: LocalTenant) -> None:
    before = len(tenant.requests)
    for _ in range(3):
        assert call(FakeClient(), f"Bearer {tenant.token()}").status_code == 202
    assert len(tenant.requests) - before == 1


REFUSED: dict[str, Any] = {
    "wrong audience": lambda t: t.token(aud="api://another-app"),
    "no audience": lambda t: t.token(aud=None),
    "wrong issuer": lambda t: t.token(iss=f"https://login.microsoftonline.com/{OTHER_TENANT}/v2.0"),
    "issuer of the right tenant on another host": lambda t: t.token(
        iss=f"https://evil.example/{t.tenant_id}/v2.0"),
    "another tenant's tid": lambda t: t.token(tid=OTHER_TENANT),
    "another application (azp)": lambda t: t.token(azp="00000000-1111-2222-3333-444444444444"),
    "no application claim": lambda t: t.token(azp=None),
    "expired": lambda t: t.token(exp=int(time.time()) - 3600, iat=int(time.time()) - 7200),
    "not yet valid": lambda t: t.token(nbf=int(time.time()) + 3600),
    "no expiry": lambda t: t.token(exp=None),
    "signed by another key with the tenant's kid": lambda t: t.token(key=new_key()),
    "signed by an unpublished key": lambda t: t.token(key=new_key(), kid="unpublished"),
    "alg none": lambda t: t.unsigned_token(),
    "not a JWT": lambda t: "not-a-token",
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_bad_token_is_401_and_starts_nothing(tenant: LocalTenant, case: str,
                                                caplog: pytest.LogCaptureFixture) -> None:
    client = FakeClient()
    token = REFUSED[case](tenant)
    response = call(client, f"Bearer {token}")
    assert response.status_code == 401, (case, response.get_body())
    assert client.started == []
    body = json.loads(response.get_body())
    assert token not in response.get_body().decode() and body["status"] == 401
    assert token not in caplog.text


def test_without_a_token_or_signature_the_webhook_is_401(tenant: LocalTenant) -> None:
    client = FakeClient()
    assert call(client, None).status_code == 401 and client.started == []


def test_unreadable_keys_are_503_with_retry_after(monkeypatch: pytest.MonkeyPatch, tenant: LocalTenant) -> None:
    monkeypatch.setenv("INCIDENT_AAD_TENANT_ID", OTHER_TENANT)  # the local tenant serves no keys for it: 404
    settings.get_settings.cache_clear()
    client = FakeClient()
    response = call(client, f"Bearer {tenant.token(tid=OTHER_TENANT)}")
    assert response.status_code == 503 and response.headers["Retry-After"] == "60" and client.started == []
    before = len(tenant.requests)
    assert call(client, f"Bearer {tenant.token(tid=OTHER_TENANT)}").status_code == 503
    assert len(tenant.requests) == before  # a failed read is not retried for every request


def test_without_entra_settings_a_bearer_token_is_not_enough(monkeypatch: pytest.MonkeyPatch,
                                                             tenant: LocalTenant) -> None:
    for name in ("INCIDENT_AAD_TENANT_ID", "INCIDENT_AAD_AUDIENCE"):
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("INCIDENT_WEBHOOK_SECRET", "s3cret-0123456789abcdef0123456789abcdef")
    settings.get_settings.cache_clear()
    client, before = FakeClient(), len(tenant.requests)
    assert call(client, f"Bearer {tenant.token()}").status_code == 401 and client.started == []
    assert len(tenant.requests) == before  # the keys were not even fetched


def test_keys_are_never_fetched_through_a_redirect(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []

    class Answer:
        status_code = 302

        def __enter__(self) -> Answer:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        class raw:
            @staticmethod
            def read(*args: object, **kwargs: object) -> bytes:
                return b""

    def fake_get(url: str, **kwargs: Any) -> Answer:
        calls.append({"url": url, **kwargs})
        return Answer()

    monkeypatch.setattr(entra.requests, "get", fake_get)
    config = entra.EntraConfig(OTHER_TENANT, (AUDIENCE,), "https://login.microsoftonline.com")
    with pytest.raises(entra.KeysUnavailableError, match="HTTP 302"):
        entra.KeyCache().key(config.keys_url, "kid")
    assert calls[0]["url"] == f"https://login.microsoftonline.com/{OTHER_TENANT}/discovery/v2.0/keys"
    assert calls[0]["allow_redirects"] is False


@pytest.mark.parametrize(("name", "value"), [("INCIDENT_AAD_TENANT_ID", "common"),
                                             ("INCIDENT_AAD_AUTHORITY", "http://login.example.com"),
                                             ("INCIDENT_AAD_AUDIENCE", "")])
def test_unusable_entra_settings_are_named(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(InvalidSettingError) as raised:
        settings.read_settings()
    assert name in raised.value.names
