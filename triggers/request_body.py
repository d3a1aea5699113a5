"""What a POST carries besides its fields: the JSON body itself and its idempotency key (docs/api.md)."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func

from triggers.intake import RejectedError
from triggers.problems import FieldProblem
from triggers.starter import MAX_KEY_LENGTH

IDEMPOTENCY_HEADER = "Idempotency-Key"


def json_body(req: func.HttpRequest) -> Any:
    """The JSON body. Raises: RejectedError (400) when it is not JSON."""
    try:
        return json.loads(req.get_body() or b"null")
    except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
        raise RejectedError(400, [FieldProblem(field="(body)", reason="not valid JSON")], "the request is invalid") \
            from exc


def idempotency_key(req: func.HttpRequest, body: dict[str, Any]) -> str | None:
    """The key from the header or the `idempotencyKey` field (removed from `body`). Raises: RejectedError."""
    header = req.headers.get(IDEMPOTENCY_HEADER)
    field = body.pop("idempotencyKey", None)
    problems = []
    if field is not None and not isinstance(field, str):
        problems.append(FieldProblem(field="idempotencyKey", reason="must be a string"))
    elif header is not None and field is not None and header != field:
        problems.append(FieldProblem(field="idempotencyKey", reason=f"differs from the {IDEMPOTENCY_HEADER} header"))
    key = header if header is not None else field
    if not problems and key is not None and not (0 < len(key) <= MAX_KEY_LENGTH and key.isprintable()):
        problems.append(FieldProblem(field="idempotencyKey", reason=f"1-{MAX_KEY_LENGTH} printable characters"))
    if problems:
        raise RejectedError(400, problems, "the request is invalid")
    return key
