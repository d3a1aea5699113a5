"""Remove bearer tokens, JWTs and CRR access tokens from text before it reaches an error, a log or a repr."""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "***"

# Why each pattern: an ARM error body may echo request headers (Authorization, x-ms-authorization-auxiliary);
# AAD tokens are JWTs (three base64url parts starting "eyJ"); a CRR token travels as "accessTokenString".
_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9\-._~+/]+=*"),
    re.compile(r"eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"),
    re.compile(r"(?i)(\"?accessTokenString\"?\s*[:=]\s*\"?)[^\",}\s]+"),
    re.compile(r"(?i)((?:authorization|x-ms-authorization-auxiliary)\"?\s*[:=]\s*\"?)[^\",}\r\n]+"),
)

# Secrets shorter than this are not replaced literally: replacing "a" everywhere would mangle the text.
_MIN_SECRET_LENGTH = 8


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Return `text` with known secrets and anything shaped like a token replaced by `***`."""
    for secret in secrets:
        if secret and len(secret) >= _MIN_SECRET_LENGTH:
            text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + REDACTED, text)
    return text
