"""Primary-region handlers: parse, call the backend, serialise (moto's responses.py)."""

from __future__ import annotations

from starlette.responses import Response

from emulator import serialize
from emulator.exceptions import BadRequest, EmulatorError
from emulator.filters import JOB_FIELDS, RECOVERY_POINT_FIELDS, filter_time, parse_filter
from emulator.httpctx import Ctx, accepted, empty, json_response, page
from emulator.lifecycle import OperationStatus
from emulator.resources import ProtectedItem, Vault

ITEM_OP_VERSION = "2016-12-01"
JOB_OP_VERSION = "2017-07-01"
VALIDATE_OP_VERSION = "2022-03-01"


def _vault(ctx: Ctx) -> Vault:
    p = ctx.params
    return ctx.backend.get_vault(p["sub"], p["rg"], p["vault"])


def _item(ctx: Ctx) -> tuple[Vault, ProtectedItem]:
    vault = _vault(ctx)
    p = ctx.params
    return vault, ctx.backend.get_item(vault, p["fabric"], p["container"], p["item"])


def _tracking_item_path(ctx: Ctx, item: ProtectedItem) -> str:
    # Tracking URLs use the service's own mixed-case names; clients must follow them as received.
    rg, vm = item.vm_resource_group, item.vm_name
    return (f"{ctx.base_url}{item.vault_id}/backupFabrics/Azure/protectionContainers/"
            f"iaasvmcontainer;iaasVMContainerV2;{rg};{vm}/protectedItems/vm;iaasVMContainerV2;{rg};{vm}")


async def backup_status(ctx: Ctx) -> Response:
    body = ctx.json()
    if str(body.get("resourceType", "")).upper() != "VM" or not body.get("resourceId"):
        raise BadRequest("BMSUserErrorInvalidInput", "resourceType 'VM' and resourceId are required.")
    return json_response(ctx.backend.backup_status(ctx.params["region"], body["resourceId"]))


async def get_protected_item(ctx: Ctx) -> Response:
    vault, item = _item(ctx)
    return json_response(serialize.protected_item(item, vault.id))


async def list_protected_items(ctx: Ctx) -> Response:
    vault = _vault(ctx)
    items = [serialize.protected_item(it, vault.id) for it in ctx.backend.world.items.values()
             if it.vault_id.lower() == vault.id.lower()]
    return json_response(page(ctx, items, ctx.backend.scenario.page_size))


async def list_recovery_points(ctx: Ctx) -> Response:
    _, item = _item(ctx)
    filters = parse_filter(ctx.query("$filter"), RECOVERY_POINT_FIELDS)
    start, end = filter_time(filters, "startdate"), filter_time(filters, "enddate")
    points = [rp for rp in item.sorted_points()
              if (start is None or rp.time >= start) and (end is None or rp.time <= end)
              and (not ctx.crr or ctx.backend.is_replicated(rp))]
    values = [serialize.recovery_point(item, rp) for rp in points]
    return json_response(page(ctx, values, ctx.backend.scenario.page_size))


async def get_recovery_point(ctx: Ctx) -> Response:
    _, item = _item(ctx)
    rp = ctx.backend.get_point(item, ctx.params["rp"], crr=ctx.crr)
    return json_response(serialize.recovery_point(item, rp))


async def trigger_restore(ctx: Ctx) -> Response:
    vault, item = _item(ctx)
    op = ctx.backend.trigger_restore(vault, item, ctx.params["rp"], ctx.json())
    base = _tracking_item_path(ctx, item)
    return accepted(f"{base}/operationResults/{op.id}?api-version={ITEM_OP_VERSION}",
                    f"{base}/operationsStatus/{op.id}?api-version={ITEM_OP_VERSION}", op.retry_after)


async def item_operation_status(ctx: Ctx) -> Response:
    _item(ctx)
    op = ctx.backend.get_operation(ctx.params["op"], {"restore"})
    return json_response(serialize.operation_status(op, ctx.backend.clock.now()))


async def item_operation_result(ctx: Ctx) -> Response:
    _, item = _item(ctx)
    op = ctx.backend.get_operation(ctx.params["op"], {"restore"})
    status = op.status_at(ctx.backend.clock.now())
    if status is OperationStatus.IN_PROGRESS:
        base = _tracking_item_path(ctx, item)
        return accepted(f"{base}/operationResults/{op.id}?api-version={ITEM_OP_VERSION}",
                        f"{base}/operationsStatus/{op.id}?api-version={ITEM_OP_VERSION}", op.retry_after)
    if status is OperationStatus.FAILED and op.error:
        raise EmulatorError(op.error["code"], op.error["message"], status=400)
    return empty(204)


async def vault_operation_status(ctx: Ctx) -> Response:
    _vault(ctx)
    op = ctx.backend.get_operation(ctx.params["op"], {"restore", "cancel", "validate"})
    return json_response(serialize.operation_status(op, ctx.backend.clock.now()))


async def list_jobs(ctx: Ctx) -> Response:
    vault = _vault(ctx)
    ctx.backend.tick()
    jobs = filter_jobs(ctx, [j for j in ctx.backend.jobs.values()
                             if j.vault_id and j.vault_id.lower() == vault.id.lower()])
    now = ctx.backend.clock.now()
    return json_response(page(ctx, [serialize.job(j, now, extended=False) for j in jobs],
                              ctx.backend.scenario.page_size))


def filter_jobs(ctx: Ctx, jobs: list) -> list:  # type: ignore[type-arg]
    f = parse_filter(ctx.query("$filter"), JOB_FIELDS)
    start, end = filter_time(f, "starttime"), filter_time(f, "endtime")

    def keep(j) -> bool:  # type: ignore[no-untyped-def]
        return ((start is None or j.start >= start) and (end is None or j.start <= end)
                and ("operation" not in f or j.operation.lower() == f["operation"].lower())
                and ("status" not in f or str(j.status).lower() == f["status"].lower())
                and ("jobid" not in f or j.name.lower() == f["jobid"].lower())
                and ("backupmanagementtype" not in f or f["backupmanagementtype"].lower() == "azureiaasvm"))

    return sorted((j for j in jobs if keep(j)), key=lambda j: j.start, reverse=True)


async def get_job(ctx: Ctx) -> Response:
    ctx.backend.tick()
    job = ctx.backend.get_job(ctx.params["job"], vault=_vault(ctx))
    return json_response(serialize.job(job, ctx.backend.clock.now()))


async def cancel_job(ctx: Ctx) -> Response:
    vault = _vault(ctx)
    op = ctx.backend.cancel_job(vault, ctx.params["job"])
    location = f"{ctx.base_url}{vault.id}/backupJobs/{op.job_name}/operationResults/{op.id}" \
               f"?api-version={JOB_OP_VERSION}"
    return accepted(location, None, op.retry_after)


async def cancel_result(ctx: Ctx) -> Response:
    vault = _vault(ctx)
    op = ctx.backend.get_operation(ctx.params["op"], {"cancel"})
    if op.status_at(ctx.backend.clock.now()) is OperationStatus.IN_PROGRESS:
        location = f"{ctx.base_url}{vault.id}/backupJobs/{op.job_name}/operationResults/{op.id}" \
                   f"?api-version={JOB_OP_VERSION}"
        return accepted(location, None, op.retry_after)
    return empty(204)


async def validate(ctx: Ctx) -> Response:
    results = ctx.backend.validate_restore(_vault(ctx), ctx.json())
    return json_response({"validateOperationResponse": {"validationResults": results}})


def _validate_urls(ctx: Ctx, vault: Vault, op_id: str) -> tuple[str, str]:
    base = f"{ctx.base_url}{vault.id}"
    return (f"{base}/backupValidateOperationResults/{op_id}?api-version={VALIDATE_OP_VERSION}",
            f"{base}/backupValidateOperationsStatuses/{op_id}?api-version={VALIDATE_OP_VERSION}")


async def trigger_validate(ctx: Ctx) -> Response:
    vault = _vault(ctx)
    op = ctx.backend.trigger_validate(vault, ctx.json())
    return accepted(*_validate_urls(ctx, vault, op.id), op.retry_after)


async def validate_result(ctx: Ctx) -> Response:
    vault = _vault(ctx)
    op = ctx.backend.get_operation(ctx.params["op"], {"validate"})
    if op.status_at(ctx.backend.clock.now()) is OperationStatus.IN_PROGRESS:
        return accepted(*_validate_urls(ctx, vault, op.id), op.retry_after)
    return json_response(op.result)


async def validate_status(ctx: Ctx) -> Response:
    _vault(ctx)
    op = ctx.backend.get_operation(ctx.params["op"], {"validate"})
    return json_response(serialize.operation_status(op, ctx.backend.clock.now()))
