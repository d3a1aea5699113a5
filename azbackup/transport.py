"""One ARM HTTP call: URL guard, bearer token, standard headers, retry, error mapping and a log line."""

from __future__ import annotations

import base64
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from azure.core.exceptions import AzureError, ServiceRequestError, ServiceResponseError
from pydantic import ValidationError
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

from azbackup import identity
from azbackup.config import ClientConfig
from azbackup.errors import (
    AuthenticationError,
    BackupError,
    CrossTenantTokenError,
    ResponseError,
    TransportError,
    error_class_for,
)
from azbackup.models_common import ArmErrorBody
from azbackup.polling import has_retry_after, parse_retry_after
from azbackup.redact import redact
from azbackup.retry import Retry
from azbackup.urlguard import check_url

log = logging.getLogger("azbackup.client")

_RETRY_AFTER_HEADERS = ("retry-after", "retry-after-ms", "x-ms-retry-after-ms")


class TokenCredential(Protocol):
    """What we need from an azure-identity credential."""

    def get_token(self, *scopes: str, **kwargs: Any) -> Any: ...


def _connect_failed(exc: requests.RequestException) -> bool:
    """True when the request never reached the server (safe to repeat even a POST)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError | NameResolutionError | ConnectTimeoutError)


def _path(url: str) -> str:
    return urlsplit(url).path


class ArmTransport:
    """Sends requests to ARM only; never sleeps on a long `Retry-After`."""

    def __init__(
        self,
        config: ClientConfig,
        credential: TokenCredential,
        session: requests.Session,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.credential = credential
        self.session = session
        self.sleep = sleep
        self.retry = Retry(max_attempts=max(1, config.max_attempts))

    def request(
        self,
        method: str,
        url: str,
        *,
        body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        secrets: Iterable[str | None] = (),
    ) -> requests.Response:
        """Send with retries; return a 1xx/2xx response.

        Raises:
            UnsafeUrlError: `url` is not on the ARM endpoint (nothing was sent).
            ResponseError: ARM answered with an error status (subclass by status).
            TransportError: no answer after the allowed attempts.
            AuthenticationError: no token.
        """
        check_url(url, self.config.arm_endpoint)
        secret_list = tuple(secrets)
        attempt, slept = 1, 0.0
        while True:
            try:
                return self._send_once(method, url, body, headers, secret_list, attempt)
            except BackupError as error:
                wait = self.retry.delay(attempt, error, method, slept)
                if wait is None:
                    raise
            log.info("arm.retry", extra={"method": method, "path": _path(url), "attempt": attempt, "wait_s": wait})
            self.sleep(wait)
            attempt, slept = attempt + 1, slept + wait

    def _token(self) -> str:
        return self.token_for_tenant(None)

    def token_for_tenant(self, tenant_id: str | None) -> str:
        """An ARM token from the credential, for another tenant when `tenant_id` is given (Resource Guard)."""
        kwargs = {"tenant_id": tenant_id} if tenant_id else {}
        identity.forget_answer()
        try:
            token = self.credential.get_token(self.config.token_scope, **kwargs)
        except (ServiceRequestError, ServiceResponseError) as exc:  # the identity endpoint did not answer: retry later
            raise TransportError(f"could not reach the identity endpoint: {type(exc).__name__}") from exc
        except AzureError as exc:  # ClientAuthenticationError, CredentialUnavailableError, ...
            answer = identity.last_answer()
            if answer is not None and answer.is_transient:
                raise self._identity_busy(answer) from exc
            raise AuthenticationError(f"could not get an ARM token: {type(exc).__name__}") from exc
        return str(token.token)

    def auxiliary_token(self, tenant_id: str) -> str:
        """An ARM token for `tenant_id` (a Resource Guard's tenant), checked to be one: its `tid` claim must name that
        tenant. A managed identity cannot get tokens for another tenant and azure-identity silently ignores the
        `tenant_id` it is given (`ManagedIdentityCredential.get_token`), so without this check a home-tenant token
        would be sent as the auxiliary one.

        Raises:
            CrossTenantTokenError: the token is not for `tenant_id` (or its tenant cannot be read); never the token.
        """
        token = self.token_for_tenant(tenant_id)
        found = token_tenant(token)
        if found is None or found.lower() != tenant_id.lower():
            raise CrossTenantTokenError(
                f"the credential gave no token for the Resource Guard's tenant {tenant_id} (it answered for tenant "
                f"{found or 'unknown'}): a managed identity cannot get tokens for another tenant; use a multi-tenant "
                "app registration whose federated credential trusts the identity, or a Resource Guard in the home "
                "tenant (docs/deploy.md, Resource Guard)", secrets=(token,))
        return token

    def _identity_busy(self, answer: identity.IdentityAnswer) -> TransportError:
        """The identity endpoint throttled (429) or failed (5xx), also after azure-identity's own retries: transient,
        with its Retry-After, so the orchestrator waits on a timer instead of failing the restore."""
        retry_after = (
            parse_retry_after(answer.headers, self.config.retry_after_default, self.config.retry_after_max)
            if has_retry_after(answer.headers)
            else None
        )
        return TransportError(f"the identity endpoint answered {answer.status}; no token yet", retry_after=retry_after)

    def _send_once(
        self,
        method: str,
        url: str,
        body: Mapping[str, Any] | None,
        extra_headers: Mapping[str, str] | None,
        secrets: tuple[str | None, ...],
        attempt: int,
    ) -> requests.Response:
        token = self._token()
        client_request_id = str(uuid.uuid4())
        headers = {
            "Authorization": f"Bearer {token}",
            "User-Agent": self.config.user_agent,
            "x-ms-client-request-id": client_request_id,
            "Accept": "application/json",
            **(extra_headers or {}),
        }
        started = time.monotonic()
        fields: dict[str, Any] = {"method": method, "path": _path(url), "attempt": attempt}
        fields["client_request_id"] = client_request_id
        try:
            response = self.session.request(
                method, url, json=body, headers=headers, timeout=self.config.timeout, allow_redirects=False
            )
        except requests.RequestException as exc:
            fields["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
            log.warning("arm.request_failed", extra={**fields, "error": type(exc).__name__})
            raise TransportError(
                f"{method} {_path(url)} failed: {type(exc).__name__}", connect_failed=_connect_failed(exc)
            ) from exc
        fields["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
        fields["status"] = response.status_code
        fields["request_id"] = response.headers.get("x-ms-request-id")
        log.info("arm.request", extra=fields)
        if response.status_code >= 300:
            raise self._error(response, (token, *secrets))
        return response

    def _error(self, response: requests.Response, secrets: tuple[str | None, ...]) -> ResponseError:
        status = response.status_code
        code: str | None = None
        message = f"HTTP {status} {response.reason or ''}".strip()
        target: str | None = None
        try:
            detail = ArmErrorBody.model_validate(response.json()).error
        except (ValueError, ValidationError):
            detail = None
        if detail is not None:
            code, target = detail.code, detail.target
            message = detail.message or message
        elif response.text:
            message = f"{message}: {response.text[:300]}"
        if 300 <= status < 400:
            code = code or "UnexpectedRedirect"
        has_retry_after = any(h in response.headers for h in _RETRY_AFTER_HEADERS)
        retry_after = (
            parse_retry_after(response.headers, self.config.retry_after_default, self.config.retry_after_max)
            if has_retry_after
            else None
        )
        return error_class_for(status)(
            status,
            code,
            redact(message, secrets),
            request_id=response.headers.get("x-ms-request-id"),
            retry_after=retry_after,
            target=target,
            secrets=secrets,
        )


def token_tenant(token: str) -> str | None:
    """The tenant an Entra ID access token was issued in: its `tid` claim, else the tenant in `iss`. The payload is
    only read, not verified: this is our own token, checked for where it may be sent."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    if not isinstance(claims, dict):
        return None
    tid = claims.get("tid")
    if isinstance(tid, str) and tid:
        return tid
    issuer = claims.get("iss")
    parts = [p for p in issuer.split("/") if p] if isinstance(issuer, str) else []
    return parts[-1] if len(parts) >= 3 else None
