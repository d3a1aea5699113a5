"""ARM bearer tokens (issued by the managed identity endpoint) and CRR access tokens (bound to a recovery point)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from emulator.exceptions import BadRequest, Unauthorized


def sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class ArmToken:
    token: str
    resource: str
    issued_at: datetime
    expires_at: datetime


@dataclass
class CrrToken:
    token: str
    item_id: str
    recovery_point: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


# ARM's audiences, as its 401 `InvalidAuthenticationTokenAudience` lists them ("The access token has been obtained
# for wrong audience or resource '...'. It should exactly match with one of the allowed audiences
# 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/',
# 'https://management.azure.com'.", quoted in JetBrains/azure-tools-for-intellij#16 and
# hashicorp/go-azure-helpers#51). The emulator stands in for ARM at its own URL, so a client aimed at it
# (ARM_ENDPOINT + "/.default") gets a token for that URL, which it accepts too: on any port of its host, since a
# `--state-file` keeps the issued tokens across a restart that may bind another port.
ARM_AUDIENCES = ("https://management.core.windows.net/", "https://management.core.windows.net",
                 "https://management.azure.com/", "https://management.azure.com")


def check_arm_audience(token: ArmToken, own_url: str) -> None:
    """Raises: Unauthorized (InvalidAuthenticationTokenAudience) for a token of another service, e.g. Event Grid."""
    audience = urlsplit(token.resource.rstrip("/").lower())
    own = urlsplit(own_url.lower())
    is_own = (audience.scheme, audience.hostname, audience.path) == (own.scheme, own.hostname, "")
    if not is_own and token.resource.rstrip("/").lower() not in {a.rstrip("/") for a in ARM_AUDIENCES}:
        raise Unauthorized("InvalidAuthenticationTokenAudience",
                           f"The access token has been obtained for wrong audience or resource '{token.resource}'. It "
                           "should exactly match with one of the allowed audiences "
                           + ",".join(f"'{a}'" for a in ARM_AUDIENCES) + ".")


class TokenStore:
    """Issues and checks tokens; every token issued stays listed for `/_emulator/tokens`."""

    def __init__(self, key: bytes | None = None) -> None:
        self.key = key or secrets.token_bytes(32)
        self.arm: dict[str, ArmToken] = {}
        self.crr: dict[str, CrrToken] = {}

    def issue_arm(self, resource: str, now: datetime, lifetime: float, tenant: str) -> ArmToken:
        expires = now + timedelta(seconds=lifetime)
        header = {"typ": "JWT", "alg": "HS256", "kid": "emulator"}
        claims = {"aud": resource, "iss": f"https://sts.windows.net/{tenant}/", "iat": int(now.timestamp()),
                  "nbf": int(now.timestamp()), "exp": int(expires.timestamp()), "oid": secrets.token_hex(16),
                  "idtyp": "app", "jti": secrets.token_urlsafe(12)}
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        signature = hmac.new(self.key, signing_input.encode(), hashlib.sha256).digest()
        token = ArmToken(f"{signing_input}.{_b64(signature)}", resource, now, expires)
        self.arm[token.token] = token
        return token

    def check_arm(self, authorization: str | None, now: datetime) -> ArmToken:
        """Raises: Unauthorized with the ARM codes for a missing, malformed, unknown or expired token."""
        if not authorization:
            raise Unauthorized("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized("AuthenticationFailed",
                               "Authentication failed. The 'Authorization' header is provided in an invalid format.")
        token = self.arm.get(value.strip())
        if token is None:
            raise Unauthorized("InvalidAuthenticationToken", "The access token is invalid.")
        if now >= token.expires_at:
            raise Unauthorized("ExpiredAuthenticationToken",
                               f"The access token expiry UTC time '{token.expires_at:%m/%d/%Y %I:%M:%S %p}' is earlier "
                               f"than current UTC time '{now:%m/%d/%Y %I:%M:%S %p}'.")
        return token

    def issue_crr(self, item_id: str, recovery_point: str, now: datetime, lifetime: float) -> CrrToken:
        token = CrrToken("crr." + secrets.token_urlsafe(48), item_id, recovery_point, now,
                         now + timedelta(seconds=lifetime))
        self.crr[token.token] = token
        return token

    def redeem_crr(self, value: str | None, item_id: str | None, recovery_point: str | None,
                   now: datetime, consume: bool = True) -> CrrToken:
        """Check and consume a CRR token. Raises: BadRequest for a missing, unknown, expired, foreign or reused one."""
        if not value:
            raise BadRequest("UserErrorCrrAccessTokenMissing",
                             "crossRegionRestoreAccessDetails.accessTokenString is required for cross region restore.")
        token = self.crr.get(value)
        if token is None:
            raise BadRequest("UserErrorInvalidCrrAccessToken", "The cross region restore access token is not valid.")
        if now >= token.expires_at:
            raise BadRequest("UserErrorCrrAccessTokenExpired",
                             "The cross region restore access token has expired. Fetch a new access token and retry.")
        foreign_item = item_id is not None and item_id.lower() != token.item_id.lower()
        if foreign_item or (recovery_point is not None and recovery_point != token.recovery_point):
            raise BadRequest("UserErrorCrrAccessTokenMismatch",
                             "The access token was issued for a different recovery point.")
        if token.used_at is not None:
            raise BadRequest("UserErrorCrrAccessTokenAlreadyUsed",
                             "The cross region restore access token was already used. Fetch a new access token.")
        if consume:
            token.used_at = now
        return token

    def clear_crr(self) -> None:
        self.crr.clear()
