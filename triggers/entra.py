"""Microsoft Entra bearer tokens on the incident webhook: what an Azure Monitor action group's secure webhook sends.

An action group webhook with `useAadAuth: true` gets an access token for the app registration named by its
`objectId`/`identifierUri` and sends it as `Authorization: Bearer <token>`
(https://learn.microsoft.com/azure/azure-monitor/alerts/action-groups#secure-webhook). The token is issued to the
Action Groups first-party application, app ID `461e8683-5575-4561-ac7f-899cc907d62a` (the same page, "Secure
webhook PowerShell script": `$actionGroupsAppId`). A token is accepted when:

- its signature is RS256 by a key of the tenant's published key set, `{authority}/{tenant}/discovery/v2.0/keys`
  (https://learn.microsoft.com/entra/identity-platform/access-tokens#validate-the-signature); that URL only, no
  redirects, cached for a day and re-read (at most every 5 minutes) when a token names a key it does not hold;
- its issuer is the tenant's v2.0 (`{authority}/{tenant}/v2.0`) or v1.0 (`https://sts.windows.net/{tenant}/`) issuer
  and `tid` is that tenant (access-tokens#payload-claims: v1 tokens carry `appid`, v2 tokens `azp`);
- its audience is one of INCIDENT_AAD_AUDIENCE (the app registration's client ID and/or Application ID URI);
- it is within `nbf`/`exp` (5 minutes of clock skew, the Microsoft.IdentityModel default `ClockSkew`);
- `azp`/`appid` is the Action Groups application.

The token is never logged nor echoed; refusals name the failed check only.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

import azure.functions as func
import jwt
import requests

from restore.settings import Settings
from triggers import telemetry
from triggers.alerts import COMMON_ALERT_SCHEMA
from triggers.problems import FieldProblem, problem_response

AZURE_MONITOR_APP_ID = "461e8683-5575-4561-ac7f-899cc907d62a"
ALGORITHMS = ["RS256"]
CLOCK_SKEW_SECONDS = 300
KEYS_TTL_SECONDS = 24 * 3600
KEYS_REFRESH_SECONDS = 300
KEYS_TIMEOUT_SECONDS = 10
KEYS_RETRY_SECONDS = 60  # after a failed read, the next one waits this long (requests meanwhile answer 503)
MAX_KEYS_BYTES = 1 << 20
MAX_TOKEN_LENGTH = 16_384
V1_ISSUER = "https://sts.windows.net/{tenant}/"
log = telemetry.get_logger(__name__)


@dataclass(frozen=True)
class EntraConfig:
    """INCIDENT_AAD_TENANT_ID, INCIDENT_AAD_AUDIENCE and INCIDENT_AAD_AUTHORITY."""

    tenant_id: str
    audiences: tuple[str, ...]
    authority: str

    @property
    def keys_url(self) -> str:
        return f"{self.authority}/{self.tenant_id}/discovery/v2.0/keys"

    @property
    def issuers(self) -> tuple[str, ...]:
        return f"{self.authority}/{self.tenant_id}/v2.0", V1_ISSUER.format(tenant=self.tenant_id)


@dataclass(frozen=True)
class TokenRefused:
    """Why a bearer token is not accepted: 401, or 503 when the tenant's keys cannot be read now."""

    status: int
    reason: str


class KeysUnavailableError(Exception):
    """The tenant's key set could not be read; the message says why (never a key)."""


def bearer_token(authorization: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None for another scheme."""
    scheme, _, token = authorization.strip().partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _fetch_keys(url: str) -> jwt.PyJWKSet:
    try:
        with requests.get(url, timeout=KEYS_TIMEOUT_SECONDS, allow_redirects=False, stream=True) as response:
            status = response.status_code
            body = response.raw.read(MAX_KEYS_BYTES + 1, decode_content=True)
    except (requests.RequestException, OSError) as exc:
        raise KeysUnavailableError(f"key set request failed: {type(exc).__name__}") from exc
    if status != 200:
        raise KeysUnavailableError(f"key set answered HTTP {status}")
    if len(body) > MAX_KEYS_BYTES:
        raise KeysUnavailableError("key set larger than 1 MiB")
    try:
        return jwt.PyJWKSet.from_json(body.decode())
    except (ValueError, jwt.PyJWKError, jwt.PyJWKSetError) as exc:
        raise KeysUnavailableError("key set is not a JSON Web Key Set") from exc


class KeyCache:
    """The key set per URL: kept `KEYS_TTL_SECONDS`, re-read for an unknown `kid` at most every 5 minutes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sets: dict[str, tuple[float, jwt.PyJWKSet]] = {}
        self._failed: dict[str, tuple[float, str]] = {}

    def key(self, url: str, kid: str) -> jwt.PyJWK | None:
        """The signing key `kid`, or None. Raises: KeysUnavailableError."""
        with self._lock:
            cached = self._sets.get(url)
            age = time.monotonic() - cached[0] if cached else None
            if cached is None or age is None or age > KEYS_TTL_SECONDS:
                cached = self._refresh(url)
            found = _find(cached[1], kid)
            if found is None and time.monotonic() - cached[0] > KEYS_REFRESH_SECONDS:
                found = _find(self._refresh(url)[1], kid)
            return found

    def _refresh(self, url: str) -> tuple[float, jwt.PyJWKSet]:
        failed = self._failed.get(url)
        if failed and time.monotonic() - failed[0] < KEYS_RETRY_SECONDS:
            raise KeysUnavailableError(failed[1])
        try:
            entry = (time.monotonic(), _fetch_keys(url))
        except KeysUnavailableError as exc:
            self._failed[url] = (time.monotonic(), str(exc))
            raise
        self._failed.pop(url, None)
        self._sets[url] = entry
        return entry

    def clear(self) -> None:
        with self._lock:
            self._sets.clear()
            self._failed.clear()


def _find(keys: jwt.PyJWKSet, kid: str) -> jwt.PyJWK | None:
    return next((k for k in keys.keys if k.key_id == kid), None)


KEYS = KeyCache()


def _claims(token: str, config: EntraConfig, cache: KeyCache) -> dict[str, Any] | TokenRefused:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError:
        return TokenRefused(401, "the bearer token is not a JWT")
    if header.get("alg") not in ALGORITHMS:
        return TokenRefused(401, f"token algorithm must be {', '.join(ALGORITHMS)}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        return TokenRefused(401, "token names no signing key (kid)")
    try:
        key = cache.key(config.keys_url, kid)
    except KeysUnavailableError as exc:
        return TokenRefused(503, f"the tenant's signing keys cannot be read now ({exc})")
    if key is None:
        return TokenRefused(401, "token signed by a key the tenant does not publish")
    try:
        return dict(jwt.decode(token, key.key, algorithms=ALGORITHMS, audience=list(config.audiences),
                               issuer=list(config.issuers), leeway=CLOCK_SKEW_SECONDS,
                               options={"require": ["exp", "iss", "aud"]}))
    except jwt.ExpiredSignatureError:
        return TokenRefused(401, "token expired")
    except jwt.ImmatureSignatureError:
        return TokenRefused(401, "token not yet valid")
    except jwt.InvalidAudienceError:
        return TokenRefused(401, "token audience is not INCIDENT_AAD_AUDIENCE")
    except jwt.InvalidIssuerError:
        return TokenRefused(401, "token issuer is not the tenant INCIDENT_AAD_TENANT_ID")
    except jwt.InvalidSignatureError:
        return TokenRefused(401, "token signature does not verify")
    except jwt.InvalidTokenError:
        return TokenRefused(401, "token is invalid")


def token_refusal(token: str, config: EntraConfig, cache: KeyCache = KEYS) -> TokenRefused | None:
    """Why the bearer token is not an Azure Monitor action group's token for this app, or None when it is."""
    if len(token) > MAX_TOKEN_LENGTH:
        return TokenRefused(401, "token too long")
    claims = _claims(token, config, cache)
    if isinstance(claims, TokenRefused):
        return claims
    if str(claims.get("tid", "")).lower() != config.tenant_id:
        return TokenRefused(401, "token tenant (tid) is not INCIDENT_AAD_TENANT_ID")
    if (claims.get("azp") or claims.get("appid")) != AZURE_MONITOR_APP_ID:
        return TokenRefused(401, "token was not issued to Azure Monitor action groups (azp/appid)")
    return None


def entra_config(settings: Settings) -> EntraConfig | None:
    """The Entra settings of the incident webhook, or None when bearer tokens are not accepted."""
    if not settings.incident_aad_tenant_id:
        return None
    return EntraConfig(settings.incident_aad_tenant_id, settings.incident_aad_audience,
                       settings.incident_aad_authority)


def is_bearer_request(authorization: str | None, settings: Settings) -> bool:
    """True when Entra tokens are configured and the request carries a bearer token (else HMAC decides)."""
    return entra_config(settings) is not None and bool(authorization) and bearer_token(authorization or "") is not None


def alert_only_refusal(body: bytes) -> func.HttpResponse | None:
    """An action group posts the common alert schema only; with its token nothing else is acted on (a generic
    incident body could choose the restore's options, which for alerts come from INCIDENT_DEFAULT_REQUEST)."""
    try:
        parsed = json.loads(body or b"null")
    except (ValueError, RecursionError):
        parsed = None
    if isinstance(parsed, dict) and parsed.get("schemaId") == COMMON_ALERT_SCHEMA:
        return None
    return problem_response(400, "Invalid alert", "with an Entra token the body must be an Azure Monitor common "
                            "alert schema payload", [FieldProblem(field="schemaId",
                                                                  reason=f"must be {COMMON_ALERT_SCHEMA}")])


def bearer_refusal(authorization: str, settings: Settings) -> func.HttpResponse | None:
    """None when `authorization` holds a valid action group token, else its 401 (or 503: keys unreadable)."""
    config = entra_config(settings)
    token = bearer_token(authorization)
    refused = token_refusal(token, config) if config and token else TokenRefused(401, "no bearer token")
    if refused is None:
        log.info("incident.authenticated", extra={"method": "entra"})
        return None
    log.warning("incident.unauthenticated", extra={"method": "entra", "reason": refused.reason})
    if refused.status != 401:
        return problem_response(refused.status, "Token keys unavailable", refused.reason, headers={"Retry-After": "60"})
    return problem_response(401, "Bearer token refused", refused.reason,
                            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
