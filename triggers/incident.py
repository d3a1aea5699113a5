"""POST /api/webhooks/incident: restores requested by incident tooling or an Azure Monitor alert (HMAC-signed)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import azure.durable_functions as df
import azure.functions as func
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from azbackup.ids import fold
from restore.errors import InvalidSettingError
from restore.instance_ids import Source, instance_id_for
from restore.request import RestoreRequest
from restore.settings import Settings, get_settings
from triggers import alerts, entra, links, plan_intake, telemetry
from triggers.guard import guarded
from triggers.intake import RejectedError, admit
from triggers.problems import FieldProblem, invalid_settings, problem_response
from triggers.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER, secret_problem, signature_problem
from triggers.starter import IdempotencyConflictError, start_restore

log = telemetry.get_logger(__name__)
bp = df.Blueprint()


class _Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class StartedRestore(_Body):
    """One restore the webhook started (or found already started for this incident)."""

    id: str
    vm_id: str = Field(description="the VM (or protected item) restored")
    created: bool = Field(description="false when this incident had already started it")
    status_url: str


class SkippedTarget(_Body):
    target: str
    reason: str


class IncidentResponse(_Body):
    """What the webhook did: 202 when it started anything, else 200."""

    incident_id: str
    restores: list[StartedRestore] = Field(default_factory=list)
    skipped: list[SkippedTarget] = Field(default_factory=list)


# The function key (`code`) is the only query parameter: the signature covers the body alone, so an option in the
# query string could be added by anyone who replays a signed body within the window.
KEY_PARAMETER = "code"


def _unsigned_params(req: func.HttpRequest) -> RejectedError | None:
    extra = sorted(name for name in req.params if name != KEY_PARAMETER)
    if not extra:
        return None
    return RejectedError(400, [FieldProblem(field=f"query.{name}", reason="not covered by the signature; put restore "
                                            "options in the signed body or INCIDENT_DEFAULT_REQUEST")
                               for name in extra], "unsigned query parameters")


def _plan(body: Any, settings: Settings) -> tuple[str, list[tuple[str, RestoreRequest]],
                                                                            list[SkippedTarget]]:
    """(incident ID, [(instance ID, request)], skipped targets). Raises: RejectedError; nothing started yet."""
    if alerts.is_common_alert(body):
        alert = alerts.parse_alert(body)
        if not alert.fired:
            return alert.alert_id, [], [SkippedTarget(target=t, reason="alert resolved") for t in alert.vm_ids]
        if not alert.vm_ids:
            raise RejectedError(400, [FieldProblem(field="data.essentials.alertTargetIDs",
                                                   reason="no virtual machine among the alert targets")],
                                "the alert names no VM")
        raws = [alerts.alert_request(settings.incident_default_request, vm, alert) for vm in alert.vm_ids]
        planned = _admit_all(raws, settings, "alert")
        plan = [(instance_id_for(Source.INCIDENT, "alert", alert.alert_id, fold(r.source_id)), r) for r in planned]
        return alert.alert_id, plan, [SkippedTarget(target=s.target, reason=s.reason) for s in alert.skipped]
    if not isinstance(body, dict):
        raise RejectedError(400, [FieldProblem(field="(body)", reason="must be a JSON object")], "invalid body")
    incident_id, raw = alerts.incident_request(body)
    request = admit(raw, settings)
    return incident_id, [(instance_id_for(Source.INCIDENT, "incident", incident_id, fold(request.source_id)),
                          request)], []


def _admit_all(raws: list[dict[str, Any]], settings: Settings, kind: str) -> list[RestoreRequest]:
    """Every target's request, or one refusal naming the problems of all (400 before 403)."""
    admitted: list[RestoreRequest] = []
    refusals: list[RejectedError] = []
    for raw in raws:
        try:
            admitted.append(admit(raw, settings))
        except RejectedError as rejected:
            refusals.append(rejected)
    if not refusals:
        return admitted
    status = 400 if any(r.status == 400 for r in refusals) else 403
    problems = list(dict.fromkeys(p for r in refusals if r.status == status for p in r.problems))
    raise RejectedError(status, problems, refusals[0].detail + f" ({kind} targets)")


def report_secret_at_startup() -> None:
    """Log once, when the app starts, that the webhook secret is unusable (the webhook then answers 503)."""
    try:
        problem = secret_problem(get_settings().incident_webhook_secret)
    except InvalidSettingError:
        return  # every front door reports invalid settings on use
    if problem:
        log.error("incident.secret_refused", extra={"setting": "INCIDENT_WEBHOOK_SECRET", "reason": problem})


def _authenticate(req: func.HttpRequest, settings: Settings) -> func.HttpResponse | None:
    authorization = req.headers.get("Authorization")
    if entra.is_bearer_request(authorization, settings):  # an Azure Monitor secure webhook (triggers/entra.py)
        return entra.bearer_refusal(authorization or "", settings) or entra.alert_only_refusal(req.get_body())
    unusable = secret_problem(settings.incident_webhook_secret)
    if unusable:
        log.error("incident.secret_refused", extra={"setting": "INCIDENT_WEBHOOK_SECRET", "reason": unusable})
        return problem_response(503, "Webhook not available", f"INCIDENT_WEBHOOK_SECRET {unusable}")
    problem = signature_problem(settings.incident_webhook_secret, req.headers.get(TIMESTAMP_HEADER),
                                req.headers.get(SIGNATURE_HEADER), req.get_body() or b"", time.time())
    if problem is None:
        return None
    log.warning("incident.unauthenticated", extra={"reason": problem})
    return problem_response(401, "Signature required", problem, headers={"WWW-Authenticate": "HMAC-SHA256"})


@bp.route(route="webhooks/incident", methods=["POST"])
@bp.durable_client_input(client_name="client")
@guarded
async def incident_webhook(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Start one restore per VM of the incident or alert; a repeat of the same incident starts nothing new."""
    return await handle_incident(req, client)


async def handle_incident(req: func.HttpRequest, client: Any) -> func.HttpResponse:
    """Authenticate, plan every restore (refusing before any start), then start or find each one."""
    try:
        settings = get_settings()
    except InvalidSettingError as exc:
        log.error("settings.invalid", extra={"settings": list(exc.names)})
        return invalid_settings(exc)
    refused = _authenticate(req, settings)
    if refused is not None:
        return refused
    unsigned = _unsigned_params(req)
    if unsigned is not None:
        log.info("incident.rejected", extra={"status": 400, "fields": [p.field for p in unsigned.problems]})
        return unsigned.response()
    try:
        body = json.loads(req.get_body() or b"null")
        asked = plan_intake.incident_plan(body, settings)
        if asked is None:
            incident_id, plan, skipped = _plan(body, settings)
    except (ValueError, RecursionError) as exc:  # JSON errors (also absurd nesting) and alerts.AlertError
        field_name = getattr(exc, "field", "(body)")
        reason = getattr(exc, "reason", "not valid JSON")
        return RejectedError(400, [FieldProblem(field=field_name, reason=reason)], "invalid incident").response()
    except RejectedError as rejected:
        log.info("incident.rejected", extra={"status": rejected.status, "fields": [p.field for p in rejected.problems]})
        return rejected.response()
    if asked is not None:  # resource groups, a vault or a plan body: one plan (triggers/plan_intake.py)
        return await plan_intake.start_incident_plan(req, client, asked, settings)
    started: list[StartedRestore] = []
    for instance_id, request in plan:
        with telemetry.restore_context(instance_id):
            try:
                result = await start_restore(client, request, source=Source.INCIDENT, instance_id=instance_id,
                                             idempotency_key=incident_id, now=datetime.now(UTC))
            except IdempotencyConflictError as conflict:
                return problem_response(409, "Incident already handled differently", str(conflict))
            started.append(StartedRestore(id=instance_id, vm_id=request.source_id, created=result.created,
                                          status_url=links.status_url(req, instance_id)))
    response = IncidentResponse(incident_id=incident_id, restores=started, skipped=skipped)
    code = 202 if any(s.created for s in started) else 200
    return func.HttpResponse(json.dumps(response.model_dump(mode="json", by_alias=True)), status_code=code,
                             mimetype="application/json")
