"""Cross-region restore ("passive stamp") handlers."""

from __future__ import annotations

from starlette.responses import Response

from emulator import serialize
from emulator.exceptions import BadRequest, EmulatorError
from emulator.httpctx import Ctx, accepted, empty, json_response, page
from emulator.lifecycle import OperationStatus
from emulator.responses import _item, filter_jobs

CRR_OP_VERSION = "2021-11-15"


def _loc(ctx: Ctx) -> str:
    p = ctx.params
    return f"{ctx.base_url}/subscriptions/{p['sub']}/providers/Microsoft.RecoveryServices/locations/{p['region']}"


async def aad_properties(ctx: Ctx) -> Response:
    return json_response(ctx.backend.aad_properties(ctx.params["sub"], ctx.params["region"]))


async def access_token(ctx: Ctx) -> Response:
    vault, item = _item(ctx)
    return json_response(ctx.backend.crr_access_token(vault, item, ctx.params["rp"], ctx.json()))


async def trigger(ctx: Ctx) -> Response:
    op = ctx.backend.trigger_crr(ctx.params["sub"], ctx.params["region"], ctx.json())
    base = _loc(ctx)
    return accepted(f"{base}/backupCrrOperationResults/{op.id}?api-version={CRR_OP_VERSION}",
                    f"{base}/backupCrrOperationsStatus/{op.id}?api-version={CRR_OP_VERSION}", op.retry_after)


async def operation_status(ctx: Ctx) -> Response:
    op = ctx.backend.get_operation(ctx.params["op"], {"crr"})
    op_path = f"/subscriptions/{ctx.params['sub']}/providers/microsoft.recoveryservices/locations/" \
              f"{ctx.params['region']}/backupCrrOperationsStatus/{op.id}"
    body = serialize.operation_status(op, ctx.backend.clock.now(), resource_id=op_path,
                                      with_job=ctx.backend.scenario.crr_job_id_in_operation)
    return json_response(body)


async def operation_result(ctx: Ctx) -> Response:
    op = ctx.backend.get_operation(ctx.params["op"], {"crr"})
    status = op.status_at(ctx.backend.clock.now())
    if status is OperationStatus.IN_PROGRESS:
        base = _loc(ctx)
        return accepted(f"{base}/backupCrrOperationResults/{op.id}?api-version={CRR_OP_VERSION}",
                        f"{base}/backupCrrOperationsStatus/{op.id}?api-version={CRR_OP_VERSION}", op.retry_after)
    if status is OperationStatus.FAILED and op.error:
        raise EmulatorError(op.error["code"], op.error["message"], status=400)
    return empty(200)


async def get_job(ctx: Ctx) -> Response:
    body = ctx.json()
    if not body.get("jobName"):
        raise BadRequest("BMSUserErrorInvalidInput", "jobName is required.")
    ctx.backend.tick()
    job = ctx.backend.get_job(body["jobName"], region=ctx.params["region"])
    resource = body.get("resourceId")
    if resource and resource.lower() not in ((job.vm_id or "").lower(), ctx.backend._vault_of(job).lower()):
        raise BadRequest("BMSUserErrorInvalidInput", "The job does not belong to the given resourceId.")
    return json_response(serialize.job(job, ctx.backend.clock.now()))


async def list_jobs(ctx: Ctx) -> Response:
    body = ctx.json()
    jobs = filter_jobs(ctx, ctx.backend.crr_jobs(ctx.params["region"], body.get("resourceId") or ""))
    now = ctx.backend.clock.now()
    return json_response(page(ctx, [serialize.job(j, now, extended=False) for j in jobs],
                              ctx.backend.scenario.page_size))
