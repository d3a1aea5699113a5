"""GET of the VMs and vaults the emulator knows (`VirtualMachines_Get`, `Vaults_Get`): enough for region lookups."""

from __future__ import annotations

from starlette.responses import Response

from emulator import serialize
from emulator.httpctx import Ctx, json_response


async def get_vm(ctx: Ctx) -> Response:
    p = ctx.params
    return json_response(serialize.virtual_machine(ctx.backend.lookups.vm(p["sub"], p["rg"], p["vm"])))


async def get_vault(ctx: Ctx) -> Response:
    p = ctx.params
    return json_response(serialize.vault(ctx.backend.lookups.vault(p["sub"], p["rg"], p["vault"])))
