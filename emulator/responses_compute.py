"""Handlers of the Compute, Network and Storage routes a restore drill needs (rules in `compute.py`)."""

from __future__ import annotations

from starlette.responses import Response

from emulator import serialize_compute as s
from emulator.httpctx import Ctx, empty, json_response


async def get_vm(ctx: Ctx) -> Response:
    p = ctx.params
    expand = (ctx.query("$expand") or "").lower()
    return json_response(s.virtual_machine(ctx.backend.lookups.vm(p["sub"], p["rg"], p["vm"]),
                                           expand == "instanceview"))


async def vm_instance_view(ctx: Ctx) -> Response:
    p = ctx.params
    return json_response(s.instance_view(ctx.backend.lookups.vm(p["sub"], p["rg"], p["vm"])))


def _deleted(existed: bool) -> Response:
    # 200 when the emulator deleted it now; 204 when there was nothing to delete (ARM RPC, see compute.py).
    return empty(200) if existed else empty(204)


async def delete_vm(ctx: Ctx) -> Response:
    p = ctx.params
    return _deleted(ctx.backend.compute.delete_vm(p["sub"], p["rg"], p["vm"]))


async def get_disk(ctx: Ctx) -> Response:
    p = ctx.params
    return json_response(s.disk(ctx.backend.compute.disk(p["sub"], p["rg"], p["disk"])))


async def delete_disk(ctx: Ctx) -> Response:
    p = ctx.params
    return _deleted(ctx.backend.compute.delete_disk(p["sub"], p["rg"], p["disk"]))


async def get_nic(ctx: Ctx) -> Response:
    p = ctx.params
    return json_response(s.network_interface(ctx.backend.compute.nic(p["sub"], p["rg"], p["nic"])))


async def delete_nic(ctx: Ctx) -> Response:
    p = ctx.params
    return _deleted(ctx.backend.compute.delete_nic(p["sub"], p["rg"], p["nic"]))


async def get_container(ctx: Ctx) -> Response:
    p = ctx.params
    return json_response(s.blob_container(ctx.backend.compute.container(p["sub"], p["rg"], p["account"],
                                                                        p["container"])))


async def delete_container(ctx: Ctx) -> Response:
    p = ctx.params
    return _deleted(ctx.backend.compute.delete_container(p["sub"], p["rg"], p["account"], p["container"]))
