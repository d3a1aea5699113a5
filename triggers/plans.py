"""The plan HTTP API (docs/api.md, "Plans"): start, status, cancel, approve, reject, list."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from restore.approval import plan_with_policy
from restore.contract import APPROVE_EVENT, CANCEL_EVENT, REJECT_EVENT, Orchestrator
from restore.errors import InvalidSettingError
from restore.instance_ids import (
    JOB_INSTANCE_SUFFIX,
    Source,
    is_plan_instance_id,
    new_plan_id,
    parse_plan_check_id,
    parse_plan_restore_id,
    plan_id_for,
)
from restore.plan import PlanRequest
from restore.plan_status import PlanCustomStatus, PlanOrder
from restore.settings import get_settings
from triggers import links, telemetry
from triggers.approvals import DecisionRefusedError, check_plan_awaiting, parse_decision
from triggers.guard import guarded
from triggers.instances import InstanceQueryError, query_instances
from triggers.intake import RejectedError
from triggers.listing import parse_query
from triggers.plan_admission import admit_plan
from triggers.plan_views import PlanView, http_status, plan_view, read_plan_order
from triggers.problems import FieldProblem, invalid_request, invalid_settings, problem_response
from triggers.request_body import idempotency_key, json_body
from triggers.starter import existing_instance
from triggers.views import RETRY_AFTER_SECONDS, RUNNING_RUNTIME, _read

log = telemetry.get_logger(__name__)
bp = df.Blueprint()
CANCEL_ACK_SECONDS = 10.0  # how long a cancel waits for the plan to stop starting restores before it sweeps them


def _json_response(body: Any, status: int, headers: dict[str, str] | None = None) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(body), status_code=status, mimetype="application/json", headers=headers)


def _url(req: func.HttpRequest, path: str) -> str:
    code = req.params.get("code")
    return f"{links.origin(req)}{links.ROUTE_PREFIX}/{path}" + (f"?code={code}" if code else "")


def _headers(req: func.HttpRequest, plan_id: str) -> dict[str, str]:
    return {"Location": _url(req, f"plans/{plan_id}"), "Retry-After": str(RETRY_AFTER_SECONDS)}


def _with_links(req: func.HttpRequest, view: PlanView) -> dict[str, Any]:
    return view.model_copy(update={"status_url": _url(req, f"plans/{view.id}"),
                                   "cancel_url": _url(req, f"plans/{view.id}/cancel")}).dump()


async def _children(client: Any, plan_id: str) -> list[Any]:
    return await query_instances(client, instance_id_prefix=f"{plan_id}:")


async def _plan_status(client: Any, plan_id: str) -> Any:
    if not is_plan_instance_id(plan_id):
        return None
    status = await existing_instance(client, plan_id)
    if status is None or getattr(status, "name", None) not in (Orchestrator.RESTORE_PLAN, None):
        return None
    return status


@bp.route(route="plans", methods=["GET", "POST"])
@bp.durable_client_input(client_name="client")
@guarded
async def plans(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """POST starts a plan; GET lists plans."""
    if req.method.upper() == "POST":
        return await _start(req, client)
    return await _list(req, client)


async def _start(req: func.HttpRequest, client: Any) -> func.HttpResponse:
    try:
        settings = get_settings()
    except InvalidSettingError as exc:
        return invalid_settings(exc)
    try:
        body = json_body(req)
        key = idempotency_key(req, body) if isinstance(body, dict) else None
        plan = plan_with_policy(admit_plan(body, settings.callback_allow_insecure, settings.restore_allowed_scopes),
                                Source.HTTP, settings)
    except RejectedError as rejected:
        log.info("plan.rejected", extra={"status": rejected.status, "fields": [p.field for p in rejected.problems]})
        return rejected.response()
    plan_id = plan_id_for(key) if key else new_plan_id()
    if key:
        existing = await existing_instance(client, plan_id)
        if existing is not None:
            return await _repeat(req, client, existing, plan)
    order = PlanOrder(plan=plan.to_wire(), requested_at=datetime.now(UTC), idempotency_key=key)
    try:
        await client.start_new(Orchestrator.RESTORE_PLAN, plan_id, order.dump())
    except Exception:  # the DF client raises a bare Exception when a twin request started the instance first
        existing = await existing_instance(client, plan_id) if key else None
        if existing is None:
            log.exception("plan.start.failed", extra={"restore_id": plan_id})
            raise
        return await _repeat(req, client, existing, plan)
    log.info("plan.started", extra={"restore_id": plan_id})
    started = {"id": plan_id, "status": "running", "statusUrl": _url(req, f"plans/{plan_id}"),
               "cancelUrl": _url(req, f"plans/{plan_id}/cancel")}
    return _json_response(started, 202, _headers(req, plan_id))


async def _repeat(req: func.HttpRequest, client: Any, existing: Any, plan: PlanRequest) -> func.HttpResponse:
    order = read_plan_order(existing)
    if order is None or order.plan != plan.to_wire():
        return problem_response(409, "Idempotency key reused", "the key was used for a different plan",
                                [FieldProblem(field="idempotencyKey", reason="used before with a different plan")])
    view = plan_view(existing, await _children(client, existing.instance_id), datetime.now(UTC))
    return _json_response(_with_links(req, view), 200)


async def _list(req: func.HttpRequest, client: Any) -> func.HttpResponse:
    query = parse_query(dict(req.params))
    if isinstance(query, list):
        return invalid_request(query, "the query is invalid")
    created_from = query.created_after.astimezone(UTC).replace(tzinfo=None) if query.created_after else None
    try:
        statuses = await query_instances(client, created_time_from=created_from, instance_id_prefix="pln-")
    except InstanceQueryError as exc:
        return problem_response(503, "Plans cannot be listed now", str(exc), headers={"Retry-After": "30"})
    now = datetime.now(UTC)
    views = [plan_view(s, [], now) for s in statuses if getattr(s, "name", None) == Orchestrator.RESTORE_PLAN
             and is_plan_instance_id(str(s.instance_id))]
    views = [v for v in views if not query.status or v.status in {s.value for s in query.status}]
    views.sort(key=lambda v: (v.created_at.isoformat() if v.created_at else "", v.id), reverse=True)
    items = [_with_links(req, v.model_copy(update={"vms": []})) for v in views[: query.top]]
    return _json_response({"items": items}, 200)


@bp.route(route="plans/{id}", methods=["GET"])
@bp.durable_client_input(client_name="client")
@guarded
async def get_plan(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """The plan: 202 + Location + Retry-After while running, then 200 / 422 / 409."""
    plan_id = req.route_params.get("id", "")
    status = await _plan_status(client, plan_id)
    if status is None:
        return problem_response(404, "Plan not found", f"no plan with ID {plan_id!r}")
    running = getattr(getattr(status, "runtime_status", None), "value", None) in RUNNING_RUNTIME
    try:
        children = await _children(client, plan_id) if running else []
    except InstanceQueryError:
        children = []  # the plan's own counts still answer; per-VM detail comes back on the next poll
    view = plan_view(status, children, datetime.now(UTC))
    headers = _headers(req, plan_id) if view.status == "running" else None
    return _json_response(_with_links(req, view), http_status(view), headers)


@bp.route(route="plans/{id}/cancel", methods=["POST"])
@bp.durable_client_input(client_name="client")
@guarded
async def cancel_plan(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Stop the plan: no more restores start, and every running one is cancelled (Azure jobs included)."""
    plan_id = req.route_params.get("id", "")
    status = await _plan_status(client, plan_id)
    if status is None:
        return problem_response(404, "Plan not found", f"no plan with ID {plan_id!r}")
    if getattr(getattr(status, "runtime_status", None), "value", None) not in RUNNING_RUNTIME:
        return problem_response(409, "Plan already finished", f"plan {plan_id} has ended")
    payload = {"requestedAt": datetime.now(UTC).isoformat()}
    try:
        await client.raise_event(plan_id, CANCEL_EVENT, payload)
    except Exception:  # the DF client raises a bare Exception when the instance ended meanwhile (410)
        return problem_response(409, "Plan already finished", f"plan {plan_id} has ended")
    await _wait_for_ack(client, plan_id)
    cancelled = await _cancel_children(client, plan_id, payload)
    log.info("plan.cancel.requested", extra={"restore_id": plan_id, "restores": cancelled})
    view = plan_view(await client.get_status(plan_id), [], datetime.now(UTC))
    return _json_response(_with_links(req, view), 202, _headers(req, plan_id))


@bp.route(route="plans/{id}/approve", methods=["POST"])
@bp.durable_client_input(client_name="client")
@guarded
async def approve_plan(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Approve a plan in `awaitingApproval` (`{by, reason?}`): 202, then its restores start group by group."""
    return await _decide(req, client, APPROVE_EVENT)


@bp.route(route="plans/{id}/reject", methods=["POST"])
@bp.durable_client_input(client_name="client")
@guarded
async def reject_plan(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Reject a plan in `awaitingApproval` (`{by, reason?}`): 202, then it ends cancelled, nothing started."""
    return await _decide(req, client, REJECT_EVENT)


async def _decide(req: func.HttpRequest, client: Any, event: str) -> func.HttpResponse:
    plan_id = req.route_params.get("id", "")
    status = await _plan_status(client, plan_id)
    if status is None:
        return problem_response(404, "Plan not found", f"no plan with ID {plan_id!r}")
    try:
        decision = parse_decision(req.get_body())
        check_plan_awaiting(status, decision)
    except DecisionRefusedError as refused:
        log.info("plan.approval.refused", extra={"restore_id": plan_id, "status": refused.status, "event": event})
        return refused.response()
    try:
        await client.raise_event(plan_id, event, decision.dump())
    except Exception:  # the DF client raises a bare Exception when the instance ended meanwhile (410)
        return problem_response(409, "Plan already finished", f"plan {plan_id} has ended")
    log.info("plan.approval.decided", extra={"restore_id": plan_id, "event": event})
    view = plan_view(status, [], datetime.now(UTC))
    return _json_response(_with_links(req, view), 202, _headers(req, plan_id))


async def _wait_for_ack(client: Any, plan_id: str) -> None:
    """Wait (bounded) until the plan shows the cancel, so that it starts no restore after the sweep."""
    deadline = asyncio.get_running_loop().time() + CANCEL_ACK_SECONDS
    while asyncio.get_running_loop().time() < deadline:
        status = await client.get_status(plan_id)
        custom = _read(PlanCustomStatus, getattr(status, "custom_status", None))
        runtime = getattr(getattr(status, "runtime_status", None), "value", None)
        if runtime not in RUNNING_RUNTIME or (custom is not None and custom.cancel_requested):
            return
        await asyncio.sleep(0.2)


async def _signal(client: Any, instance_id: str, payload: dict[str, str]) -> None:
    try:
        await client.raise_event(instance_id, CANCEL_EVENT, payload)
    except Exception:  # it ended meanwhile (410)
        log.info("plan.cancel.job_wait_ended", extra={"restore_id": instance_id})


async def _cancel_children(client: Any, plan_id: str, payload: dict[str, str]) -> int:
    """Hand the cancel to every running `restore_vm` of the plan (the orchestrator context cannot raise events)."""
    count = 0
    for child in await _children(client, plan_id):
        runtime = getattr(getattr(child, "runtime_status", None), "value", None)
        if runtime not in RUNNING_RUNTIME:
            continue
        if str(child.instance_id).endswith(JOB_INSTANCE_SUFFIX):
            # Its job wait too, as `cancel_restore` does: a job is then read at once, not after a long adaptive wait
            # (a cross-region job's wait stops).
            await _signal(client, str(child.instance_id), payload)
            continue
        child_id = str(child.instance_id)
        if parse_plan_restore_id(child_id) is None and parse_plan_check_id(child_id) is None:
            continue  # neither a restore `{plan}:{n}` nor its check `{plan}:{n}:check`
        try:
            await client.raise_event(child.instance_id, CANCEL_EVENT, payload)
        except Exception:  # it ended meanwhile (410): nothing left to cancel
            log.info("plan.cancel.restore_ended", extra={"restore_id": child.instance_id})
        else:
            count += 1
    return count
