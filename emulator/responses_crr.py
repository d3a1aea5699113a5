"""Cross-region restore ("passive stamp") handlers."""

from __future__ import annotations

from starlette.responses import Response

from emulator import serialize
from emulator.exceptions import BadRequest, EmulatorError
from emulator.filters import JobQuery
from emulator.httpctx import Ctx, accepted, empty, json_response, page
from emulator.lifecycle import OperationStatus
from emulator.responses import item_of

CRR_OP_VERSION = "2021-11-15"


def _loc(ctx: Ctx) -> str:
    p = ctx.params
    return f"{ctx.base_url}/subscriptions/{p['sub']}/providers/Microsoft.RecoveryServices/locations/{p['region']}"


async def aad_properties(ctx: Ctx) -> Response:
    return json_response(serialize.aad_properties(ctx.backend.crr.aad_properties(ctx.params["sub"],
                                                                                 ctx.params["region"])))


async def access_token(ctx: Ctx) -> Response:
    vault, item = item_of(ctx)
    props = ctx.json().get("properties")
    aad_audience = props.get("audience") if isinstance(props, dict) else None
    grant = ctx.backend.crr.access_token(vault, item, ctx.params["rp"], aad_audience)
    return json_response(serialize.crr_access_token(grant))


async def trigger(ctx: Ctx) -> Response:
    body = ctx.json()
    details = body.get("crossRegionRestoreAccessDetails")
    op = ctx.backend.crr.trigger(ctx.params["region"], details if isinstance(details, dict) else {},
                                 body.get("restoreRequest"))
    base = _loc(ctx)
    return accepted(f"{base}/backupCrrOperationResults/{op.id}?api-version={CRR_OP_VERSION}",
                    f"{base}/backupCrrOperationsStatus/{op.id}?api-version={CRR_OP_VERSION}", op.retry_after)


async def operation_status(ctx: Ctx) -> Response:
    op = ctx.backend.lookups.operation(ctx.params["op"], {"crr"})
    op_path = f"/subscriptions/{ctx.params['sub']}/providers/microsoft.recoveryservices/locations/" \
              f"{ctx.params['region']}/backupCrrOperationsStatus/{op.id}"
    body = serialize.operation_status(op, ctx.backend.now(), resource_id=op_path,
                                      with_job=ctx.backend.crr.reports_job_id())
    return json_response(body)


async def operation_result(ctx: Ctx) -> Response:
    op = ctx.backend.lookups.operation(ctx.params["op"], {"crr"})
    status = op.status_at(ctx.backend.now())
    if status is OperationStatus.IN_PROGRESS:
        base = _loc(ctx)
        return accepted(f"{base}/backupCrrOperationResults/{op.id}?api-version={CRR_OP_VERSION}",
                        f"{base}/backupCrrOperationsStatus/{op.id}?api-version={CRR_OP_VERSION}", op.retry_after)
    if status is OperationStatus.FAILED and op.error:
        raise EmulatorError(op.error.code, op.error.message, status=400)
    return empty(200)


async def get_job(ctx: Ctx) -> Response:
    body = ctx.json()
    if not body.get("jobName"):
        raise BadRequest("BMSUserErrorInvalidInput", "jobName is required.")
    job = ctx.backend.jobs.crr_job(ctx.params["region"], body["jobName"], body.get("resourceId"))
    return json_response(serialize.job(job, ctx.backend.now()))


async def list_jobs(ctx: Ctx) -> Response:
    body = ctx.json()
    query = JobQuery.parse(ctx.query("$filter"))
    jobs = ctx.backend.jobs.crr_jobs(ctx.params["region"], body.get("resourceId") or "", query)
    now = ctx.backend.now()
    return json_response(page(ctx, [serialize.job(j, now, extended=False) for j in jobs],
                              ctx.backend.scenario.page_size))
