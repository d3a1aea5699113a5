"""The control API under `/_emulator/` (no auth): health, inventory, requests, faults, tokens, jobs, scenario,
seed, clock, reset, VM delete, Event Grid events."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator import serialize_admin
from emulator.clock import ClockShared, iso
from emulator.faults import Fault
from emulator.httpctx import json_response
from emulator.runtime import Runtime


def _rt(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    return data


def _bad(exc: Exception) -> Response:
    detail = exc.errors(include_url=False) if isinstance(exc, ValidationError) else str(exc)
    return json_response({"error": {"code": "InvalidAdminRequest", "message": str(detail)}}, 400)


def _scale(rt: Runtime) -> float:
    return float(getattr(rt.backend.clock, "scale", 1.0))


async def health(request: Request) -> Response:
    rt = _rt(request)
    return json_response({"status": "ok", **serialize_admin.clock(rt.backend.now(), _scale(rt))})


async def inventory(request: Request) -> Response:
    backend = _rt(request).backend
    backend.tick()
    return json_response(serialize_admin.inventory(backend.lookups.world()))


async def requests_log(request: Request) -> Response:
    rt = _rt(request)
    if request.method == "DELETE":
        rt.requests.clear()
        return json_response({"cleared": True})
    return json_response(serialize_admin.requests(rt.requests.listing()))


async def faults(request: Request) -> Response:
    rt = _rt(request)
    if request.method == "DELETE":
        rt.faults.clear()
        return json_response({"cleared": True})
    if request.method == "POST":
        try:
            fault = rt.faults.add(Fault.model_validate(await _body(request)))
        except (ValidationError, ValueError) as exc:
            return _bad(exc)
        return json_response(fault.model_dump(by_alias=True), 201)
    return json_response({"faults": rt.faults.listing()})


async def tokens(request: Request) -> Response:
    return json_response(serialize_admin.tokens(_rt(request).backend.tokens))


async def reset(request: Request) -> Response:
    rt = _rt(request)
    rt.backend.reset(clear_arm_tokens=request.query_params.get("tokens", "").lower() == "true")
    rt.faults.clear()
    rt.requests.clear()
    rt.events.clear()
    return json_response({"reset": True, "serviceTime": iso(rt.backend.now())})


async def eventgrid_events(request: Request) -> Response:
    """`GET /_emulator/eventgrid/events`: what the Event Grid topics accepted (`DELETE` forgets it)."""
    rt = _rt(request)
    if request.method == "DELETE":
        rt.events.clear()
        return json_response({"cleared": True})
    return json_response(serialize_admin.events(rt.events.listing()))


async def jobs(request: Request) -> Response:
    backend = _rt(request).backend
    return json_response(serialize_admin.jobs(backend.jobs.all(), backend.now()))


async def scenario(request: Request) -> Response:
    backend = _rt(request).backend
    if request.method == "PUT":
        try:
            backend.set_scenario(await _body(request))
        except (ValidationError, ValueError) as exc:
            return _bad(exc)
    return json_response(backend.scenario.model_dump(mode="json", by_alias=True))


async def seed(request: Request) -> Response:
    backend = _rt(request).backend
    try:
        backend.add_seed(await _body(request))
    except (KeyError, ValueError, StopIteration) as exc:
        return _bad(exc)
    return json_response(serialize_admin.inventory(backend.lookups.world()), 201)


async def delete_vm(request: Request) -> Response:
    """`POST /_emulator/vms/delete {"id": VM ID}`: the VM is gone (an accidental delete), its backups stay."""
    backend = _rt(request).backend
    try:
        vm_id = str((await _body(request))["id"])
        backend.delete_vm(vm_id)
    except (KeyError, ValueError) as exc:
        return _bad(ValueError(f"no such VM: {exc}"))
    return json_response({"deleted": vm_id})


async def clock(request: Request) -> Response:
    rt = _rt(request)
    backend = rt.backend
    if request.method == "POST":
        try:
            seconds = float((await _body(request)).get("advanceSeconds", 0))
        except (TypeError, ValueError) as exc:
            return _bad(exc)
        if seconds < 0:
            return _bad(ValueError("advanceSeconds must not be negative"))
        try:
            backend.clock.advance(seconds)
        except ClockShared as exc:
            return json_response({"error": {"code": "ClockShared", "message": str(exc)}}, 409)
        backend.tick()
    return json_response(serialize_admin.clock(backend.now(), _scale(rt)))


def routes() -> list[Route]:
    return [
        Route("/_emulator/health", health, methods=["GET"]),
        Route("/_emulator/inventory", inventory, methods=["GET"]),
        Route("/_emulator/requests", requests_log, methods=["GET", "DELETE"]),
        Route("/_emulator/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/_emulator/tokens", tokens, methods=["GET"]),
        Route("/_emulator/reset", reset, methods=["POST"]),
        Route("/_emulator/jobs", jobs, methods=["GET"]),
        Route("/_emulator/scenario", scenario, methods=["GET", "PUT"]),
        Route("/_emulator/seed", seed, methods=["POST"]),
        Route("/_emulator/clock", clock, methods=["GET", "POST"]),
        Route("/_emulator/vms/delete", delete_vm, methods=["POST"]),
        Route("/_emulator/eventgrid/events", eventgrid_events, methods=["GET", "DELETE"]),
    ]
