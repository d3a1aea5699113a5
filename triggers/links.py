"""URLs the API hands out: absolute, on the caller's origin, carrying the caller's `code` (function key) if any.

Logic Apps polls `Location` without the original headers, so a key given as `?code=` must travel with it
(docs/api.md, "Logic Apps"); a key given in `x-functions-key` is never copied into a URL.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import azure.functions as func

ROUTE_PREFIX = "/api"


def origin(req: func.HttpRequest) -> str:
    """`scheme://host[:port]` of the request."""
    parts = urlsplit(req.url)
    return f"{parts.scheme}://{parts.netloc}"


def _with_code(req: func.HttpRequest, url: str) -> str:
    code = req.params.get("code")
    return f"{url}?{urlencode({'code': code})}" if code else url


def status_url(req: func.HttpRequest, instance_id: str) -> str:
    """GET /api/restores/{id}."""
    return _with_code(req, f"{origin(req)}{ROUTE_PREFIX}/restores/{instance_id}")


def plan_url(req: func.HttpRequest, plan_id: str) -> str:
    """GET /api/plans/{id}."""
    return _with_code(req, f"{origin(req)}{ROUTE_PREFIX}/plans/{plan_id}")


def cancel_url(req: func.HttpRequest, instance_id: str) -> str:
    """POST /api/restores/{id}/cancel."""
    return _with_code(req, f"{origin(req)}{ROUTE_PREFIX}/restores/{instance_id}/cancel")


def list_url(req: func.HttpRequest, query: dict[str, str]) -> str:
    """GET /api/restores with `query` (plus the caller's `code`)."""
    params = dict(query)
    if req.params.get("code"):
        params["code"] = req.params["code"]
    return f"{origin(req)}{ROUTE_PREFIX}/restores?{urlencode(params)}"
