"""HTTP triggers at /api/{route}: route templates, methods, auth levels, HttpRequest/HttpResponse conversion."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import azure.functions as func
from starlette.requests import Request
from starlette.responses import Response

from devhost.binding import client_binding
from devhost.config import HostConfig, is_authorized, key_from
from devhost.registry import HttpFunction, call_kwargs

log = logging.getLogger("devhost.http")
ROUTE_PREFIX = "api"
_PARAM = re.compile(r"^\{(\*?)([A-Za-z_][A-Za-z0-9_]*)(?::[^}?]*)?(\??)\}$")


@dataclass
class CompiledRoute:
    function: HttpFunction
    pattern: re.Pattern[str]
    precedence: tuple[int, ...]


def compile_route(function: HttpFunction) -> CompiledRoute:
    """ASP.NET-style template (`a/{id}`, `{id?}`, `{*rest}`, `{id:int}`) to a regex; literals win over params."""
    parts, ranks = [], []
    for segment in [s for s in function.route.split("/") if s]:
        match = _PARAM.match(segment)
        if not match:
            parts.append("/" + re.escape(segment))
            ranks.append(0)
        elif match.group(1):
            parts.append(f"(?:/(?P<{match.group(2)}>.*))?")
            ranks.append(3)
        elif match.group(3):
            parts.append(f"(?:/(?P<{match.group(2)}>[^/]+))?")
            ranks.append(2)
        else:
            parts.append(f"/(?P<{match.group(2)}>[^/]+)")
            ranks.append(1)
    pattern = re.compile("^" + "".join(parts) + "/?$", re.IGNORECASE)
    return CompiledRoute(function, pattern, tuple(ranks))


class HttpTriggers:
    """Match a request path to a function and invoke it the way the Python worker does."""

    def __init__(self, functions: list[HttpFunction], config: HostConfig):
        self.config = config
        self.routes = sorted((compile_route(f) for f in functions), key=lambda r: r.precedence)

    def match(self, path: str, method: str) -> tuple[CompiledRoute | None, dict[str, str], bool]:
        """(route, route params, path matched but method not allowed)."""
        wrong_method = False
        for route in self.routes:
            found = route.pattern.match(path)
            if found is None:
                continue
            if method.upper() not in route.function.methods:
                wrong_method = True
                continue
            return route, {k: v for k, v in found.groupdict().items() if v is not None}, False
        return None, {}, wrong_method

    async def handle(self, request: Request) -> Response:
        path = "/" + request.path_params.get("path", "")
        route, params, wrong_method = self.match(path.rstrip("/") or "/", request.method)
        if route is None:
            return Response(status_code=405 if wrong_method else 404)
        function = route.function
        headers = {k.lower(): v for k, v in request.headers.items()}
        if not is_authorized(self.config, function.auth_level, key_from(dict(request.query_params), headers)):
            return Response(status_code=401)
        req = func.HttpRequest(method=request.method, url=str(request.url), headers=dict(request.headers),
                               params=dict(request.query_params), route_params=params, body=await request.body())
        values: dict[str, Any] = {function.trigger_arg: req}
        if function.client_arg:
            values[function.client_arg] = client_binding(self.config)
        try:
            result = await invoke(function.func, values, function.name)
        except Exception:  # an unhandled function error is a 500, as on Azure
            log.exception("http.function_failed", extra={"function": function.name})
            return Response(status_code=500)
        log.info("http.invoked", extra={"function": function.name, "method": request.method, "path": path})
        return to_response(result)


async def invoke(function: Callable[..., Any], values: dict[str, Any], name: str) -> Any:
    """Await async functions on the host's loop; run sync ones on a worker thread (as the Python worker does)."""
    kwargs = call_kwargs(function, values, name)
    if inspect.iscoroutinefunction(function):
        return await function(**kwargs)
    result = await asyncio.get_running_loop().run_in_executor(None, lambda: function(**kwargs))
    if inspect.isawaitable(result):
        return await result
    return result


def to_response(result: Any) -> Response:
    """Convert an azure.functions.HttpResponse (or a plain str/bytes/dict return) to a Starlette response."""
    if result is None:
        return Response(status_code=204)
    if isinstance(result, func.HttpResponse):
        headers = dict(result.headers.items())
        if not any(k.lower() == "content-type" for k in headers) and result.mimetype:
            charset = f"; charset={result.charset}" if result.mimetype.startswith("text/") or \
                result.mimetype == "application/json" else ""
            headers["Content-Type"] = result.mimetype + (charset if result.charset else "")
        return Response(content=result.get_body(), status_code=result.status_code, headers=headers)
    if isinstance(result, bytes | str):
        return Response(content=result, status_code=200, media_type="text/plain")
    return Response(content=json.dumps(result), status_code=200, media_type="application/json")
