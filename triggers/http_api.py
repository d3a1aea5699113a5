"""The restore HTTP API (docs/api.md): start, status, cancel, approve, reject, list, OpenAPI, health."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from restore.contract import APPROVE_EVENT, CANCEL_EVENT, REJECT_EVENT, Orchestrator
from restore.errors import InvalidSettingError
from restore.instance_ids import Source, instance_id_for, is_restore_instance_id
from restore.instance_ids import job_instance_id as job_wait_instance_id
from restore.settings import get_settings
from triggers import approvals, links, listing, openapi, telemetry
from triggers.guard import guarded
from triggers.instances import InstanceQueryError, query_instances
from triggers.intake import RejectedError, admit
from triggers.problems import FieldProblem, invalid_request, invalid_settings, problem_response
from triggers.request_body import idempotency_key, json_body
from triggers.starter import (
    IdempotencyConflictError,
    existing_instance,
    start_restore,
)
from triggers.views import (
    RETRY_AFTER_SECONDS,
    RestoreStarted,
    RestoreStatus,
    RestoreView,
    http_status,
    job_instance_id,
    needs_job_status,
    restore_view,
    retry_after,
)

log = telemetry.get_logger(__name__)
bp = df.Blueprint()

JSON = "application/json"


def _json_response(body: Any, status: int, headers: dict[str, str] | None = None) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(body), status_code=status, mimetype=JSON, headers=headers)


def _polling_headers(req: func.HttpRequest, instance_id: str, wait: int = RETRY_AFTER_SECONDS) -> dict[str, str]:
    return {"Location": links.status_url(req, instance_id), "Retry-After": str(wait)}


def _with_links(req: func.HttpRequest, view: RestoreView) -> RestoreView:
    return view.model_copy(update={"status_url": links.status_url(req, view.id),
                                   "cancel_url": links.cancel_url(req, view.id)})


async def _job_custom_status(client: Any, status: Any) -> Any:
    """The job sub-orchestration's custom status while the restore waits for its job, else None."""
    if not needs_job_status(status):
        return None
    job_status = await client.get_status(job_instance_id(status))
    return getattr(job_status, "custom_status", None) if job_status else None


@bp.route(route="restores", methods=["GET", "POST"])
@bp.durable_client_input(client_name="client")
@guarded
async def restores(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """POST starts a restore; GET lists restores."""
    if req.method.upper() == "POST":
        return await _start(req, client)
    return await _list(req, client)


async def _start(req: func.HttpRequest, client: Any) -> func.HttpResponse:
    try:
        settings = get_settings()
    except InvalidSettingError as exc:
        log.error("settings.invalid", extra={"settings": list(exc.names)})
        return invalid_settings(exc)
    try:
        body = json_body(req)
        key = idempotency_key(req, body) if isinstance(body, dict) else None
        request = admit(body, settings)
    except RejectedError as rejected:
        log.info("restore.rejected", extra={"status": rejected.status, "fields": [p.field for p in rejected.problems]})
        return rejected.response()
    instance_id = instance_id_for(Source.HTTP, key) if key else None
    try:
        started = await start_restore(client, request, source=Source.HTTP, instance_id=instance_id,
                                      idempotency_key=key, now=datetime.now(UTC))
    except IdempotencyConflictError as conflict:
        return problem_response(409, "Idempotency key reused", str(conflict),
                                [FieldProblem(field="idempotencyKey", reason="used before with a different request")])
    with telemetry.restore_context(started.instance_id):
        if not started.created:
            # A repeat answers exactly what GET answers now, so a retried Logic App action sees the truth.
            return await _status_response(req, client, started.instance_id, started.status)
        body_out = RestoreStarted(id=started.instance_id, status_url=links.status_url(req, started.instance_id),
                                  cancel_url=links.cancel_url(req, started.instance_id))
        return _json_response(body_out.dump(), 202, _polling_headers(req, started.instance_id))


async def _list(req: func.HttpRequest, client: Any) -> func.HttpResponse:
    query = listing.parse_query(dict(req.params))
    if isinstance(query, list):
        return invalid_request(query, "the query is invalid")
    created_from = query.created_after.astimezone(UTC).replace(tzinfo=None) if query.created_after else None
    runtime = [df.OrchestrationRuntimeStatus(s) for s in query.runtime_statuses()] or None
    try:
        statuses = await query_instances(client, created_time_from=created_from, runtime_status=runtime)
    except InstanceQueryError as exc:
        log.warning("restore.list.failed", extra={"reason": str(exc)})
        return problem_response(503, "Restores cannot be listed now", str(exc), headers={"Retry-After": "30"})
    items, cursor = listing.page(statuses, query)
    next_link = None
    if cursor is not None:
        params = {k: v for k, v in req.params.items() if k not in ("code", "continuationToken")}
        next_link = links.list_url(req, {**params, "continuationToken": cursor.encode()})
    body = listing.RestoreList(items=[_with_links(req, v) for v in items], next_link=next_link)
    return _json_response(body.model_dump(mode="json", by_alias=True), 200)


async def _restore_status(client: Any, instance_id: str) -> Any:
    """The `restore_vm` instance's status, or None (unknown ID, or not a restore)."""
    if not is_restore_instance_id(instance_id):
        return None
    status = await existing_instance(client, instance_id)
    if status is None or getattr(status, "name", Orchestrator.RESTORE_VM) not in (Orchestrator.RESTORE_VM, None):
        return None
    return status


def _not_found(instance_id: str) -> func.HttpResponse:
    return problem_response(404, "Restore not found", f"no restore with ID {instance_id!r}")


@bp.route(route="restores/{id}", methods=["GET"])
@bp.durable_client_input(client_name="client")
@guarded
async def get_restore(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """The restore: 202 + Location + Retry-After while running, then 200 / 422 / 409 (docs/api.md)."""
    instance_id = req.route_params.get("id", "")
    with telemetry.restore_context(instance_id):
        status = await _restore_status(client, instance_id)
        if status is None:
            return _not_found(instance_id)
        return await _status_response(req, client, instance_id, status)


async def _status_response(req: func.HttpRequest, client: Any, instance_id: str, status: Any) -> func.HttpResponse:
    """202 + Location + Retry-After while running, else the final code (200 / 422 / 409), with the restore body."""
    job = await _job_custom_status(client, status)
    view = _with_links(req, restore_view(status, job))
    headers = None
    if view.status is RestoreStatus.RUNNING:
        headers = _polling_headers(req, instance_id, retry_after(status, job, datetime.now(UTC)))
    return _json_response(view.dump(), http_status(view), headers)


@bp.route(route="restores/{id}/cancel", methods=["POST"])
@bp.durable_client_input(client_name="client")
@guarded
async def cancel_restore(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Ask a running restore to stop (a running job is cancelled in Azure first): 202, or 409 if it has ended."""
    instance_id = req.route_params.get("id", "")
    with telemetry.restore_context(instance_id):
        status = await _restore_status(client, instance_id)
        if status is None:
            return _not_found(instance_id)
        view = restore_view(status)
        if view.status.is_terminal:
            return problem_response(409, "Restore already finished", f"restore {instance_id} is {view.status.value}")
        body = _body_of_cancel(req)
        try:
            await client.raise_event(instance_id, CANCEL_EVENT, {"requestedAt": datetime.now(UTC).isoformat(), **body})
        except Exception:  # the DF client raises a bare Exception when the instance ended meanwhile (410)
            log.info("restore.cancel.too_late")
            return problem_response(409, "Restore already finished", f"restore {instance_id} has ended")
        await _signal_job_wait(client, instance_id, body)
        log.info("restore.cancel.requested")
        return _json_response(_with_links(req, view).dump(), 202, _polling_headers(req, instance_id))


async def _signal_job_wait(client: df.DurableOrchestrationClient, instance_id: str, body: dict[str, str]) -> None:
    """Tell the job wait (`{id}:job`) too: a cross-region job has no cancel in Azure, so its wait stops polling and
    the restore can end; any other job is read at once rather than after a long adaptive wait (the restore cancels
    it in Azure). Best effort: before the job is known there is no job wait yet, and the restore deals with it."""
    try:
        await client.raise_event(job_wait_instance_id(instance_id), CANCEL_EVENT,
                                 {"requestedAt": datetime.now(UTC).isoformat(), **body})
    except Exception:  # no such instance (yet or any more): nothing to stop
        log.info("restore.cancel.no_job_wait")


@bp.route(route="restores/{id}/approve", methods=["POST"])
@bp.durable_client_input(client_name="client")
@guarded
async def approve_restore(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Approve a restore in `awaitingApproval` (`{by, reason?}`): 202, then it triggers the restore."""
    return await _decide(req, client, APPROVE_EVENT)


@bp.route(route="restores/{id}/reject", methods=["POST"])
@bp.durable_client_input(client_name="client")
@guarded
async def reject_restore(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Reject a restore in `awaitingApproval` (`{by, reason?}`): 202, then it ends cancelled, nothing started."""
    return await _decide(req, client, REJECT_EVENT)


async def _decide(req: func.HttpRequest, client: Any, event: str) -> func.HttpResponse:
    instance_id = req.route_params.get("id", "")
    with telemetry.restore_context(instance_id):
        status = await _restore_status(client, instance_id)
        if status is None:
            return _not_found(instance_id)
        try:
            decision = approvals.parse_decision(req.get_body())
            view = approvals.check_awaiting(status, decision)
        except approvals.DecisionRefusedError as refused:
            log.info("restore.approval.refused", extra={"status": refused.status, "event": event})
            return refused.response()
        try:
            await client.raise_event(instance_id, event, decision.dump())
        except Exception:  # the DF client raises a bare Exception when the instance ended meanwhile (410)
            return problem_response(409, "Restore already finished", f"restore {instance_id} has ended")
        log.info("restore.approval.decided", extra={"event": event})
        return _json_response(_with_links(req, view).dump(), 202, _polling_headers(req, instance_id))


def _body_of_cancel(req: func.HttpRequest) -> dict[str, str]:
    try:
        body = json.loads(req.get_body() or b"{}")
    except (ValueError, RecursionError):
        return {}
    reason = body.get("reason") if isinstance(body, dict) else None
    return {"reason": reason[:500]} if isinstance(reason, str) else {}


@bp.route(route="openapi.json", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@guarded
def openapi_document(req: func.HttpRequest) -> func.HttpResponse:
    """The OpenAPI 3.1 description of this API, generated from the models."""
    return _json_response(openapi.document(links.origin(req)), 200)


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@guarded
def health(req: func.HttpRequest) -> func.HttpResponse:
    """Liveness: the app loaded and its settings parse (503 naming the settings that do not)."""
    try:
        get_settings()
    except InvalidSettingError as exc:
        return invalid_settings(exc, status=503)
    return _json_response({"status": "ok", "time": datetime.now(UTC).isoformat()}, 200)
