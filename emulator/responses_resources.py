"""GET of the VMs and vaults the emulator knows (`VirtualMachines_Get`, `Vaults_Get`, `Vaults_ListBySubscriptionId`):
enough for region lookups and for finding the vaults of a subscription."""

from __future__ import annotations

from starlette.responses import Response

from emulator import serialize
from emulator.httpctx import Ctx, json_response, page


async def get_vm(ctx: Ctx) -> Response:
    p = ctx.params
    return json_response(serialize.virtual_machine(ctx.backend.lookups.vm(p["sub"], p["rg"], p["vm"])))


async def get_vault(ctx: Ctx) -> Response:
    p = ctx.params
    return json_response(serialize.vault(ctx.backend.lookups.vault(p["sub"], p["rg"], p["vault"])))


async def list_vaults(ctx: Ctx) -> Response:
    """Vaults_ListBySubscriptionId (azure-rest-api-specs `specification/recoveryservices/resource-manager/
    Microsoft.RecoveryServices/stable/2024-04-01/vaults.json`): a pageable `VaultList` (`value`, `nextLink`)."""
    vaults = [serialize.vault(v) for v in ctx.backend.lookups.vaults_of(ctx.params["sub"])]
    return json_response(page(ctx, vaults, ctx.backend.scenario.page_size))
