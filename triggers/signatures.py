"""HMAC-SHA256 webhook signatures: `X-Signature: sha256=<hex>` over `<X-Signature-Timestamp>.<raw body>`.

The timestamp is Unix seconds; a request outside a 5-minute window either way is refused, so a captured request
cannot be replayed later. Digests are compared in constant time. Neither the secret nor a signature is logged.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Signature-Timestamp"
REPLAY_WINDOW_SECONDS = 300
_PREFIX = "sha256="
# HMAC-SHA256 keys shorter than the hash output weaken it (RFC 2104 section 3: "less than L bytes is strongly
# discouraged"); L = 32 for SHA-256.
MIN_SECRET_BYTES = 32
# App Service passes a Key Vault reference through literally when it cannot resolve it
# (https://learn.microsoft.com/azure/app-service/app-service-key-vault-references#troubleshooting-key-vault-references).
KEY_VAULT_REFERENCE = "@microsoft.keyvault("


def secret_problem(secret: str) -> str | None:
    """Why a configured webhook secret cannot be used (never its value), or None; an empty one is "not configured"."""
    if not secret:
        return None
    if secret.strip().lower().startswith(KEY_VAULT_REFERENCE):
        return "is an unresolved Key Vault reference (check the app's access to the vault and the secret URI)"
    if len(secret.encode()) < MIN_SECRET_BYTES:
        return f"is shorter than {MIN_SECRET_BYTES} bytes"
    return None


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The `X-Signature` value for `body` sent at `timestamp` (what a caller computes)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return _PREFIX + digest


def signature_problem(secret: str, timestamp: str | None, signature: str | None, body: bytes,
                      now: float) -> str | None:
    """Why the request is not authentic, or None when it is."""
    if not secret:
        return "the webhook secret is not configured"
    if not timestamp or not signature:
        return f"missing {SIGNATURE_HEADER} or {TIMESTAMP_HEADER}"
    try:
        sent_at = int(timestamp)
    except ValueError:
        return f"{TIMESTAMP_HEADER} must be Unix seconds"
    if abs(now - sent_at) > REPLAY_WINDOW_SECONDS:
        return f"{TIMESTAMP_HEADER} is outside the {REPLAY_WINDOW_SECONDS // 60}-minute window"
    given = signature.strip().lower()
    given = given if given.startswith(_PREFIX) else _PREFIX + given
    if not hmac.compare_digest(sign(secret, timestamp, body).encode(), given.encode()):
        return "signature mismatch"
    return None
