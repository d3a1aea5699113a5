"""What the request log keeps of a request body: the parsed JSON with every secret replaced by `***`.

The emulator imports nothing of the app, so this is its own redaction, built on the same rules as the client's
`azbackup/redact.py` (bearer tokens, JWTs, `accessTokenString`) plus one rule of its own: the tokens it issued
itself are never kept, whatever field carries them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

REDACTED = "***"
MAX_BODY_BYTES = 256 * 1024  # a restore body is a few KB; a bigger one is logged as its size only

# Fields whose value is a credential whatever it looks like. The cross-region restore body carries the CRR access
# token as `crossRegionRestoreAccessDetails.accessTokenString` (CS, `CrrAccessToken`; example
# crr/2023-01-15/AzureIaasVm/TriggerCrossRegionRestore_Post.json); `token`, `accessToken`, SAS keys, secrets and
# passwords are named here so a client that sends one under another name still leaves nothing in the log.
_SECRET_FIELD = re.compile(r"(?i)token|sas(key|uri|url|token)?$|secret|password|authorization|credential")
# Values shaped like a token in any field (as in azbackup/redact.py): "Bearer …" and JWTs (three base64url parts
# starting "eyJ").
_TOKEN_SHAPED = (re.compile(r"(?i)bearer\s+[A-Za-z0-9\-._~+/]+=*"),
                 re.compile(r"eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"))


def logged_body(raw: bytes, secrets: Iterable[str] = ()) -> Any:
    """The body as the log shows it: None when empty, parsed JSON (redacted), else the redacted text."""
    if not raw.strip():
        return None
    if len(raw) > MAX_BODY_BYTES:
        return {"omittedBytes": len(raw)}
    known = [s for s in secrets if s]
    text = raw.decode(errors="replace")
    try:
        parsed = json.loads(text)
    except ValueError:
        return _redact_text(text, known)
    return _redact(parsed, known)


def _redact(value: Any, known: list[str]) -> Any:
    if isinstance(value, dict):
        return {key: (REDACTED if _SECRET_FIELD.search(str(key)) and item not in (None, "") else _redact(item, known))
                for key, item in value.items()}
    if isinstance(value, list):
        return [_redact(item, known) for item in value]
    if isinstance(value, str):
        return _redact_text(value, known)
    return value


def _redact_text(text: str, known: list[str]) -> str:
    for secret in known:
        text = text.replace(secret, REDACTED)
    for pattern in _TOKEN_SHAPED:
        text = pattern.sub(REDACTED, text)
    return text
