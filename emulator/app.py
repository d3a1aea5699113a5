"""The ASGI application: front door (faults, request log), ARM dispatch (auth, api-version), MSI, the Event Grid
topic and the admin API."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from emulator import admin, eventgrid, reqbody, serialize, urls
from emulator.exceptions import BadRequest, EmulatorError, NotFound, RegionUnavailable
from emulator.faults import Fault
from emulator.httpctx import Ctx, arm_headers, json_response
from emulator.outage import RECOVERY_SERVICES
from emulator.runtime import Runtime
from emulator.tokens import check_arm_audience

log = logging.getLogger(__name__)

EVENTGRID_PREFIX = "/eventgrid"  # where the Event Grid topics live (not an ARM path: ARM paths start /subscriptions)
REGION_KEY = "emulator.region"  # the ASGI scope key where dispatch leaves the region a request needs


def _version_error(version: str | None, family: str) -> EmulatorError | None:
    if not version:
        return BadRequest("MissingApiVersionParameter",
                          "The api-version query parameter (?api-version=) is required for all requests.")
    allowed = {"primary": urls.PRIMARY_VERSIONS, "crr": urls.CRR_VERSIONS,
               "both": urls.PRIMARY_VERSIONS | urls.CRR_VERSIONS, "compute": urls.COMPUTE_VERSIONS,
               "resources": urls.RESOURCES_VERSIONS, "disks": urls.DISK_VERSIONS, "network": urls.NETWORK_VERSIONS,
               "storage": urls.STORAGE_VERSIONS}[family]
    if version in allowed:
        return None
    namespace = {"compute": "Microsoft.Compute", "disks": "Microsoft.Compute", "network": "Microsoft.Network",
                 "storage": "Microsoft.Storage", "resources": "Microsoft.Resources"}.get(family,
                                                                                       "Microsoft.RecoveryServices")
    return BadRequest("NoRegisteredProviderFound",
                      f"No registered resource provider found for API version '{version}' for namespace "
                      f"'{namespace}'. The supported api-versions are '{', '.join(sorted(allowed))}'.")


async def arm_dispatch(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    backend = runtime.backend
    headers = arm_headers(request)
    try:
        token = backend.tokens.check_arm(request.headers.get("authorization"), backend.now())
        check_arm_audience(token, str(request.base_url))
        found = urls.resolve(request.method, request.url.path)
        if found is None:
            if urls.path_exists(request.url.path):
                raise EmulatorError("MethodNotAllowed", f"The method '{request.method}' is not allowed.", 405)
            raise NotFound("InvalidResourceType", f"No route for '{request.url.path}' in the emulator.")
        route, params = found
        version = request.query_params.get("api-version")
        error = _version_error(version, route.family)
        if error:
            raise error
        crr = route.family != "resources" and version in urls.CRR_VERSIONS
        region = backend.outage.region_of(route.served_by, params, crr)
        request.scope[REGION_KEY] = region
        backend.outage.check(region, "Microsoft.Compute" if route.family == "compute" else RECOVERY_SERVICES)
        backend.tick()
        response = await route.handler(Ctx(request, params, backend, str(version), crr, await request.body()))
    except EmulatorError as exc:
        response = json_response(exc.body(), exc.status, exc.headers)
    except RegionUnavailable as exc:
        response = outage_response(exc, backend.outage.draw())
    response.headers.update(headers)
    return response


def outage_response(exc: RegionUnavailable, failure: str) -> Response:
    """How ARM answers when the region a request needs is down (the sources are in `outage.py`)."""
    if failure == "Drop":
        return DroppedConnection()
    if failure == "GatewayTimeout":
        error = EmulatorError("GatewayTimeout", f"The gateway did not receive a response from '{exc.provider}' "
                                                "within the specified time period.", 504)
    else:
        error = EmulatorError("ServiceUnavailable", f"The service '{exc.provider}' is unavailable in region "
                                                    f"'{exc.region}'. Retry the request later.", 503)
    return json_response(error.body(), error.status)


class DroppedConnection(Response):
    """No answer at all: the TCP connection is closed (a client sees a connection error)."""

    def __init__(self) -> None:
        super().__init__(b"", 503)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _drop(receive)


async def msi_token(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    backend = runtime.backend
    if request.headers.get("x-identity-header") != runtime.identity_header:
        return json_response(serialize.msi_error(401, "Unauthorized: X-IDENTITY-HEADER is missing or wrong.",
                                                 headers_id(request)), 401)
    resource = request.query_params.get("resource")
    if request.query_params.get("api-version") != "2019-08-01" or not resource:
        return json_response(serialize.msi_error(400, "api-version=2019-08-01 and resource are required.",
                                                 headers_id(request)), 400)
    token = backend.tokens.issue_arm(resource, backend.now(), backend.scenario.token_lifetime_seconds,
                                     backend.lookups.tenant_of())
    expires_on = int(backend.clock.wall_epoch_at(token.expires_at))
    log.info("msi.token_issued", extra={"token_sha256": hashlib.sha256(token.token.encode()).hexdigest()})
    return json_response(serialize.msi_token(token, expires_on))


def headers_id(request: Request) -> str:
    return request.headers.get("x-ms-client-request-id", "")


class FrontDoor:
    """Raw ASGI wrapper: applies faults, records every ARM request (never the admin API), saves the state file
    before each answer."""

    def __init__(self, app: Starlette, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode()
        path = scope["path"] + (f"?{query}" if query else "")
        # Both instants are read where they happen, not when the entry is written (after the answer, a second save
        # and other requests on the event loop): a client's wait runs from the answer it got to its next request.
        seen: dict[str, Any] = {"status": 0, "retry": None, "arrived": self.runtime.backend.now(), "answered": None}

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                # The state is saved before the client sees the answer: what a client was told survives a kill.
                self.runtime.persist()
                seen["answered"] = self.runtime.backend.now()
                seen["status"] = message["status"]
                for name, value in message.get("headers", []):
                    if name.lower() == b"retry-after":
                        seen["retry"] = value.decode()
            await send(message)

        # The Event Grid topic is another service (eventgrid.py): its publishes are not ARM requests.
        is_arm = not scope["path"].startswith(("/_emulator", "/msi", EVENTGRID_PREFIX + "/"))
        fault = self.runtime.faults.take(scope["method"], path) if not scope["path"].startswith("/_emulator") \
            else None
        tap = BodyTap(receive)
        try:
            if fault is not None:
                await self._apply(fault, scope, tap.receive, recording_send)
            else:
                await self.app(scope, tap.receive, recording_send)
        finally:
            self.runtime.persist()  # also after a dropped connection, which sends no answer
        if is_arm:
            self._record(scope, path, seen, fault, tap.body())

    async def _apply(self, fault: Fault, scope: Scope, receive: Receive, send: Send) -> None:
        if fault.delay_ms:
            await asyncio.sleep(fault.delay_ms / 1000)
        if fault.drop:
            await _drop(receive)
            return
        if fault.response is None:
            await self.app(scope, receive, send)
            return
        await _drain(receive)  # the request log keeps what the client sent, also when a fault answers it
        body = fault.response.body
        if body is None and fault.response.status >= 400:
            body = EmulatorError(_FAULT_CODES.get(fault.response.status, "InjectedFault"),
                                 "Injected by the emulator fault table.").body()
        data = body.encode() if isinstance(body, str) else (json.dumps(body).encode() if body is not None else b"")
        headers = {"content-type": "application/json; charset=utf-8", **fault.response.headers}
        await Response(data, fault.response.status, headers)(scope, receive, send)

    def _record(self, scope: Scope, path: str, seen: dict[str, Any], fault: Fault | None, raw: bytes) -> None:
        auth = dict(scope.get("headers", [])).get(b"authorization", b"").decode()
        token = auth.partition(" ")[2].strip()
        digest = hashlib.sha256(token.encode()).hexdigest() if token else None
        issued = self.runtime.backend.tokens
        body = reqbody.logged_body(raw, [token, *issued.arm, *issued.crr])
        entry = self.runtime.requests.add(scope["method"], path, seen["status"], seen["retry"], seen["arrived"],
                                          digest, fault.id if fault else None, scope.get(REGION_KEY),
                                          answered_time=seen["answered"], body=body)
        log.info("arm.request", extra={"seq": entry.seq, "method": entry.method, "path": scope["path"],
                                       "status": entry.status, "retry_after": entry.retry_after})


class BodyTap:
    """Keeps the request body as the app reads it, for the request log. `_drop` finds the connection through
    `receive.__self__.transport`, so the tap offers the same attribute."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._chunks: list[bytes] = []

    @property
    def transport(self) -> Any:
        return getattr(getattr(self._receive, "__self__", None), "transport", None)

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self._chunks.append(message.get("body", b""))
        return message

    def body(self) -> bytes:
        return b"".join(self._chunks)


_FAULT_CODES = {429: "TooManyRequests", 500: "InternalServerError", 502: "BadGateway", 503: "ServiceUnavailable",
                504: "GatewayTimeout", 408: "RequestTimeout"}


async def _drain(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


async def _drop(receive: Receive) -> None:
    """Close the TCP connection without a response (uvicorn's protocol object owns the transport)."""
    transport = getattr(getattr(receive, "__self__", None), "transport", None)
    if transport is not None:
        transport.abort()
        await asyncio.sleep(0)
        return
    raise ConnectionAbortedError("injected drop")


def build_app(runtime: Runtime) -> FrontDoor:
    routes = [Route("/msi/token", msi_token, methods=["GET"]), *admin.routes(),
              Route(f"{EVENTGRID_PREFIX}/topics/{{topic}}/api/events", eventgrid.publish, methods=["POST"]),
              Route("/{path:path}", arm_dispatch, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])]
    app = Starlette(routes=routes)
    app.state.runtime = runtime
    return FrontDoor(app, runtime)
