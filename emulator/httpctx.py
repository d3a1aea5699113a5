"""Request context and response helpers shared by the route handlers."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from emulator import serialize
from emulator.backend import Backend
from emulator.exceptions import BadRequest


@dataclass
class Ctx:
    request: Request
    params: dict[str, str]
    backend: Backend
    api_version: str
    crr: bool
    raw_body: bytes = b""
    extra_headers: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"{self.request.url.scheme}://{self.request.url.netloc}"

    def query(self, name: str) -> str | None:
        for key, value in self.request.query_params.multi_items():
            if key.lower() == name.lower():
                return value
        return None

    def json(self) -> dict[str, Any]:
        if not self.raw_body.strip():
            return {}
        try:
            data = json.loads(self.raw_body)
        except ValueError as exc:
            raise BadRequest("InvalidRequestContent", "The request content was invalid and could not be deserialized.")\
                from exc
        if not isinstance(data, dict):
            raise BadRequest("InvalidRequestContent", "The request content must be a JSON object.")
        return data


def arm_headers(request: Request) -> dict[str, str]:
    request_id = str(uuid.uuid4())
    headers = {"x-ms-request-id": request_id, "x-ms-correlation-request-id":
               request.headers.get("x-ms-correlation-request-id", request_id),
               "x-ms-routing-request-id": f"EMULATOR:{request_id}", "Cache-Control": "no-cache"}
    if "x-ms-client-request-id" in request.headers:
        headers["x-ms-client-request-id"] = request.headers["x-ms-client-request-id"]
    return headers


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status_code=status, headers=headers or {},
                    media_type="application/json; charset=utf-8")


def empty(status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(b"", status_code=status, headers=headers or {})


def accepted(location: str | None, async_op: str | None, retry_after: int) -> Response:
    headers = {"Retry-After": str(retry_after)}
    if async_op:
        headers["Azure-AsyncOperation"] = async_op
    if location:
        headers["Location"] = location
    return empty(202, headers)


def page(ctx: Ctx, items: list[dict[str, Any]], size: int) -> dict[str, Any]:
    """One page of `items` and a `nextLink` carrying `$skipToken` when more remain."""
    token = ctx.query("$skipToken") or "0"
    try:
        start = max(0, int(token))
    except ValueError as exc:
        raise BadRequest("InvalidSkipToken", f"'{token}' is not a valid $skipToken.") from exc
    chunk = items[start:start + size]
    next_link = None
    if start + size < len(items):
        query = [(k, v) for k, v in ctx.request.query_params.multi_items() if k.lower() != "$skiptoken"]
        query.append(("$skipToken", str(start + size)))
        next_link = f"{ctx.base_url}{ctx.request.url.path}?{urlencode(query)}"
    return serialize.page(chunk, next_link)
