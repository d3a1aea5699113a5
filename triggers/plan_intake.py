"""Plans started by the incident webhook and the Event Grid trigger (docs/api.md, "Plans from incidents and events").

A body asks for a plan when it carries a plan (`plan: {…}`, used as it is), or names resource groups or a vault
instead of a VM (`resourceGroupIds` with optional `tags`, or `vaultId` without `vmId` / `protectedItemId`: the body is
then the plan, over INCIDENT_DEFAULT_REQUEST for the webhook). An Azure Monitor alert whose targets include resource
groups or Recovery Services vaults starts one plan: a group for its VM targets, one for its resource groups, one
per vault (`onFailure: continue` unless the defaults say otherwise: the targets do not depend on one another).

The plan's ID comes from the incident, the alert or the event (`plan_id_for`), so a repeat starts nothing new.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import azure.functions as func
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from azbackup.ids import fold
from restore.approval import plan_with_policy
from restore.contract import Orchestrator
from restore.instance_ids import Source, plan_id_for
from restore.plan import PlanRequest
from restore.plan_status import PlanOrder
from restore.settings import Settings
from triggers import alerts, links, telemetry
from triggers.intake import RejectedError
from triggers.plan_admission import admit_plan
from triggers.plan_views import read_plan_order
from triggers.problems import FieldProblem, problem_response
from triggers.starter import IdempotencyConflictError, existing_instance

log = telemetry.get_logger(__name__)
_RG_TARGET = re.compile(r"^/subscriptions/[^/]+/resourceGroups/[^/]+$", re.IGNORECASE)
_VAULT_TARGET = re.compile(r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.RecoveryServices/"
                           r"vaults/[^/]+$", re.IGNORECASE)
# Restore fields a plan does not take (a plan's VMs come from its body; its restores report to the plan).
_NOT_PLAN_DEFAULTS = ("vmId", "protectedItemId", "recoveryPointId", "vaultId", "callbackUrl")


class _Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class StartedPlan(_Body):
    id: str
    created: bool
    status_url: str


class IncidentPlanResponse(_Body):
    """What the webhook did for an incident or alert that asks for a plan: 202 when it started it, else 200."""

    incident_id: str
    plan: StartedPlan


@dataclass(frozen=True)
class AskedPlan:
    """A plan a body asks for: its raw body, where the plan's fields sit in the body, its idempotency key, and the
    incident (or alert) it answers."""

    body: Any
    prefix: str
    key: str
    incident_id: str = ""


def asks_for_plan(data: Any) -> bool:
    """Whether a webhook body or event data asks for a plan rather than a single restore."""
    if not isinstance(data, dict):
        return False
    if "plan" in data:
        return True
    names_vm = any(data.get(name) is not None for name in ("vmId", "protectedItemId"))
    return not names_vm and any(data.get(name) is not None for name in ("resourceGroupIds", "vaultId"))


def _defaults(defaults: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in defaults.items() if k not in _NOT_PLAN_DEFAULTS}


def body_plan(data: dict[str, Any], defaults: dict[str, Any], prefix: str, key: str) -> AskedPlan:
    """The plan of a body that asks for one (`asks_for_plan`): its `plan`, or the body itself over `defaults`."""
    if "plan" in data:
        return AskedPlan(body=data["plan"], prefix=f"{prefix}.plan" if prefix else "plan", key=key)
    return AskedPlan(body={**_defaults(defaults), **data}, prefix=prefix, key=key)


def incident_plan(body: Any, settings: Settings) -> AskedPlan | None:
    """The plan an incident body or a fired alert asks for, or None (then it asks for single restores).

    Raises: alerts.AlertError for an alert or incident without its ID.
    """
    if alerts.is_common_alert(body):
        alert = alerts.parse_alert(body)
        return alert_plan(alert, settings.incident_default_request) if alert.fired else None
    if not asks_for_plan(body):
        return None
    incident_id, data = alerts.incident_request(body)
    asked = body_plan(data, settings.incident_default_request, "", "\x1f".join(["incident", incident_id]))
    return AskedPlan(body=asked.body, prefix=asked.prefix, key=asked.key, incident_id=incident_id)


def alert_plan(alert: alerts.AlertTargets, defaults: dict[str, Any]) -> AskedPlan | None:
    """The plan of an alert whose targets include resource groups or vaults; None when it names only VMs."""
    others = [s.target.strip() for s in alert.skipped]
    groups = [t for t in others if _RG_TARGET.match(t)]
    vaults = [t for t in others if _VAULT_TARGET.match(t)]
    if not groups and not vaults:
        return None
    plan_groups: list[dict[str, Any]] = [{"name": "vms", "vms": alert.vm_ids}] if alert.vm_ids else []
    if groups:
        plan_groups.append({"name": "resourceGroups", "selector": {"resourceGroupIds": groups}})
    plan_groups += [{"name": f"vault-{v.rsplit('/', 1)[-1]}"[:80], "selector": {"vaultId": v}} for v in vaults]
    reason = f"Azure Monitor alert {alert.rule or ''} {alert.alert_id}".replace("  ", " ")[:1000]
    body = {"onFailure": "continue", "reason": reason, **_defaults(defaults), "groups": plan_groups}
    return AskedPlan(body=body, prefix="", key="\x1f".join(["alert", alert.alert_id]), incident_id=alert.alert_id)


def admit(asked: AskedPlan, settings: Settings) -> PlanRequest:
    """The validated, authorized plan. Raises: RejectedError (400 / 403, fields named from the body's root)."""
    try:
        return admit_plan(asked.body, settings.callback_allow_insecure, settings.restore_allowed_scopes)
    except RejectedError as rejected:
        if not asked.prefix:
            raise
        problems = [FieldProblem(field=f"{asked.prefix}.{p.field}" if p.field != "(body)" else asked.prefix,
                                 reason=p.reason) for p in rejected.problems]
        raise RejectedError(rejected.status, problems, rejected.detail) from rejected


async def start_plan(client: Any, plan: PlanRequest, key: str, source: Source, settings: Settings) -> tuple[str, bool]:
    """Start the plan under the ID its key makes, or find it (`created` False).

    A plan the `APPROVAL_REQUIRED` policy covers waits for approval (`restore.approval.plan_with_policy`).

    Raises: IdempotencyConflictError when that ID already runs a different plan.
    """
    plan = plan_with_policy(plan, source, settings)
    plan_id = plan_id_for(key)
    existing = await existing_instance(client, plan_id)
    if existing is None:
        order = PlanOrder(plan=plan.to_wire(), requested_at=datetime.now(UTC), idempotency_key=key)
        try:
            await client.start_new(Orchestrator.RESTORE_PLAN, plan_id, order.dump())
            log.info("plan.started", extra={"restore_id": plan_id})
            return plan_id, True
        except Exception:  # the DF client raises a bare Exception when a twin delivery started it first
            existing = await existing_instance(client, plan_id)
            if existing is None:
                raise
    stored = read_plan_order(existing)
    if stored is None or stored.plan != plan.to_wire():
        raise IdempotencyConflictError(plan_id)
    return plan_id, False


async def start_incident_plan(req: func.HttpRequest, client: Any, asked: AskedPlan,
                              settings: Settings) -> func.HttpResponse:
    """Admit and start (or find) the plan of an incident or alert; the webhook's HTTP answer."""
    try:
        plan = admit(asked, settings)
    except RejectedError as rejected:
        log.info("incident.rejected", extra={"status": rejected.status, "fields": [p.field for p in rejected.problems]})
        return rejected.response()
    try:
        plan_id, created = await start_plan(client, plan, asked.key, Source.INCIDENT, settings)
    except IdempotencyConflictError as conflict:
        return problem_response(409, "Incident already handled differently", str(conflict))
    body = IncidentPlanResponse(incident_id=asked.incident_id,
                                plan=StartedPlan(id=plan_id, created=created, status_url=links.plan_url(req, plan_id)))
    return func.HttpResponse(json.dumps(body.model_dump(mode="json", by_alias=True)),
                             status_code=202 if created else 200, mimetype="application/json")


async def start_event_plan(client: Any, topic: str, event_id: str, data: dict[str, Any],
                           settings: Settings) -> str | None:
    """Start (or find) the plan an Event Grid event asks for; None when it is refused (logged, acknowledged)."""
    facts = {"event_id": event_id}
    asked = body_plan(data, {}, "data", "\x1f".join(["eventgrid", fold(topic), event_id]))
    try:
        plan = admit(asked, settings)
    except RejectedError as rejected:
        problems = [f"{p.field}: {p.reason}" for p in rejected.problems]
        log.warning("plan.event.rejected", extra={**facts, "status": rejected.status, "problems": problems})
        return None
    try:
        plan_id, created = await start_plan(client, plan, asked.key, Source.EVENTGRID, settings)
    except IdempotencyConflictError:
        log.warning("plan.event.rejected", extra={**facts, "reason": "event ID reused with different data"})
        return None
    log.info("plan.event.accepted", extra={**facts, "restore_id": plan_id, "plan_created": created})
    return plan_id
