"""Primary-region handlers: parse, call the backend's rule objects, serialise (moto's responses.py)."""

from __future__ import annotations

from starlette.responses import Response

from emulator import serialize
from emulator.exceptions import BadRequest, EmulatorError
from emulator.filters import RECOVERY_POINT_FIELDS, JobQuery, ProtectedItemQuery, filter_time, parse_filter
from emulator.httpctx import Ctx, accepted, empty, json_response, page
from emulator.lifecycle import OperationStatus
from emulator.resources import ProtectedItem, Vault

ITEM_OP_VERSION = "2016-12-01"
JOB_OP_VERSION = "2017-07-01"
VALIDATE_OP_VERSION = "2022-03-01"


def vault_of(ctx: Ctx) -> Vault:
    p = ctx.params
    return ctx.backend.lookups.vault(p["sub"], p["rg"], p["vault"])


def item_of(ctx: Ctx) -> tuple[Vault, ProtectedItem]:
    vault = vault_of(ctx)
    p = ctx.params
    return vault, ctx.backend.lookups.item(vault, p["fabric"], p["container"], p["item"])


def _tracking_item_path(ctx: Ctx, item: ProtectedItem) -> str:
    # Tracking URLs use the service's own mixed-case names; clients must follow them as received.
    rg, vm = item.vm_resource_group, item.vm_name
    return (f"{ctx.base_url}{item.vault_id}/backupFabrics/Azure/protectionContainers/"
            f"iaasvmcontainer;iaasVMContainerV2;{rg};{vm}/protectedItems/vm;iaasVMContainerV2;{rg};{vm}")


async def backup_status(ctx: Ctx) -> Response:
    body = ctx.json()
    if str(body.get("resourceType", "")).upper() != "VM" or not body.get("resourceId"):
        raise BadRequest("BMSUserErrorInvalidInput", "resourceType 'VM' and resourceId are required.")
    return json_response(serialize.backup_status(ctx.backend.lookups.protection_of(body["resourceId"])))


async def get_protected_item(ctx: Ctx) -> Response:
    vault, item = item_of(ctx)
    return json_response(serialize.protected_item(item, vault.id))


async def list_protected_items(ctx: Ctx) -> Response:
    """BackupProtectedItems_List, or with a CRR api-version BackupProtectedItemsCrr_List (the secondary's view)."""
    vault = vault_of(ctx)
    query = ProtectedItemQuery.parse(ctx.query("$filter"))
    if ctx.crr:
        items = [serialize.protected_item(it, vault.id, points) for it, points in
                 ctx.backend.crr.protected_items(vault, query)]
    else:
        items = [serialize.protected_item(it, vault.id) for it in ctx.backend.lookups.items_of(vault)
                 if query.matches(it)]
    return json_response(page(ctx, items, ctx.backend.scenario.page_size))


async def list_recovery_points(ctx: Ctx) -> Response:
    _, item = item_of(ctx)
    filters = parse_filter(ctx.query("$filter"), RECOVERY_POINT_FIELDS)
    points = ctx.backend.lookups.points(item, filter_time(filters, "startdate"), filter_time(filters, "enddate"),
                                        crr=ctx.crr)
    values = [serialize.recovery_point(item, rp) for rp in points]
    return json_response(page(ctx, values, ctx.backend.scenario.page_size))


async def get_recovery_point(ctx: Ctx) -> Response:
    _, item = item_of(ctx)
    rp = ctx.backend.lookups.point(item, ctx.params["rp"], crr=ctx.crr)
    return json_response(serialize.recovery_point(item, rp))


async def trigger_restore(ctx: Ctx) -> Response:
    vault, item = item_of(ctx)
    op = ctx.backend.restores.trigger(vault, item, ctx.params["rp"], ctx.json())
    base = _tracking_item_path(ctx, item)
    return accepted(f"{base}/operationResults/{op.id}?api-version={ITEM_OP_VERSION}",
                    f"{base}/operationsStatus/{op.id}?api-version={ITEM_OP_VERSION}", op.retry_after)


async def item_operation_status(ctx: Ctx) -> Response:
    item_of(ctx)
    op = ctx.backend.lookups.operation(ctx.params["op"], {"restore"})
    return json_response(serialize.operation_status(op, ctx.backend.now()))


async def item_operation_result(ctx: Ctx) -> Response:
    _, item = item_of(ctx)
    op = ctx.backend.lookups.operation(ctx.params["op"], {"restore"})
    status = op.status_at(ctx.backend.now())
    if status is OperationStatus.IN_PROGRESS:
        base = _tracking_item_path(ctx, item)
        return accepted(f"{base}/operationResults/{op.id}?api-version={ITEM_OP_VERSION}",
                        f"{base}/operationsStatus/{op.id}?api-version={ITEM_OP_VERSION}", op.retry_after)
    if status is OperationStatus.FAILED and op.error:
        raise EmulatorError(op.error.code, op.error.message, status=400)
    return empty(204)


async def vault_operation_status(ctx: Ctx) -> Response:
    vault_of(ctx)
    op = ctx.backend.lookups.operation(ctx.params["op"], {"restore", "cancel", "validate"})
    return json_response(serialize.operation_status(op, ctx.backend.now()))


async def list_jobs(ctx: Ctx) -> Response:
    jobs = ctx.backend.jobs.of_vault(vault_of(ctx), JobQuery.parse(ctx.query("$filter")))
    now = ctx.backend.now()
    return json_response(page(ctx, [serialize.job(j, now, extended=False) for j in jobs],
                              ctx.backend.scenario.page_size))


async def get_job(ctx: Ctx) -> Response:
    job = ctx.backend.jobs.get(ctx.params["job"], vault_of(ctx))
    return json_response(serialize.job(job, ctx.backend.now()))


async def cancel_job(ctx: Ctx) -> Response:
    vault = vault_of(ctx)
    op = ctx.backend.jobs.cancel(vault, ctx.params["job"])
    location = f"{ctx.base_url}{vault.id}/backupJobs/{op.job_name}/operationResults/{op.id}" \
               f"?api-version={JOB_OP_VERSION}"
    return accepted(location, None, op.retry_after)


async def cancel_result(ctx: Ctx) -> Response:
    vault = vault_of(ctx)
    op = ctx.backend.lookups.operation(ctx.params["op"], {"cancel"})
    if op.status_at(ctx.backend.now()) is OperationStatus.IN_PROGRESS:
        location = f"{ctx.base_url}{vault.id}/backupJobs/{op.job_name}/operationResults/{op.id}" \
                   f"?api-version={JOB_OP_VERSION}"
        return accepted(location, None, op.retry_after)
    return empty(204)


async def validate(ctx: Ctx) -> Response:
    problems = ctx.backend.restores.validate(vault_of(ctx), ctx.json())
    return json_response(serialize.validate_response(problems))


def _validate_urls(ctx: Ctx, vault: Vault, op_id: str) -> tuple[str, str]:
    base = f"{ctx.base_url}{vault.id}"
    return (f"{base}/backupValidateOperationResults/{op_id}?api-version={VALIDATE_OP_VERSION}",
            f"{base}/backupValidateOperationsStatuses/{op_id}?api-version={VALIDATE_OP_VERSION}")


async def trigger_validate(ctx: Ctx) -> Response:
    vault = vault_of(ctx)
    op = ctx.backend.restores.trigger_validate(vault, ctx.json())
    return accepted(*_validate_urls(ctx, vault, op.id), op.retry_after)


async def validate_result(ctx: Ctx) -> Response:
    vault = vault_of(ctx)
    op = ctx.backend.lookups.operation(ctx.params["op"], {"validate"})
    if op.status_at(ctx.backend.now()) is OperationStatus.IN_PROGRESS:
        return accepted(*_validate_urls(ctx, vault, op.id), op.retry_after)
    return json_response(serialize.validate_response(op.validation or []))


async def validate_status(ctx: Ctx) -> Response:
    vault_of(ctx)
    op = ctx.backend.lookups.operation(ctx.params["op"], {"validate"})
    return json_response(serialize.operation_status(op, ctx.backend.now()))
