"""Event Grid trigger: an event (Event Grid schema or CloudEvents 1.0) whose `data` is a restore request, or an
ARM `Microsoft.Resources.ResourceDeleteSuccess` event (restore on delete, `triggers/deletes.py`).

Delivery is at least once, so the event's topic (CloudEvents: source) and ID make the instance ID and a redelivered
event starts nothing new. An event that can never succeed (wrong type, invalid request, outside the allowed scopes)
is logged with the reason and acknowledged, so Event Grid does not retry it; an unexpected failure to start raises,
so Event Grid retries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from azbackup.ids import fold
from restore.errors import InvalidSettingError
from restore.instance_ids import Source, instance_id_for
from restore.settings import get_settings
from triggers import plan_intake, telemetry
from triggers.deletes import DELETE_EVENT_TYPE, handle_delete
from triggers.intake import RejectedError, admit
from triggers.starter import IdempotencyConflictError, start_restore

log = telemetry.get_logger(__name__)
bp = df.Blueprint()


@dataclass(frozen=True)
class EventFields:
    """The parts of an event the trigger uses, whichever schema carried it."""

    id: str
    topic: str
    type: str
    data: Any


def event_fields(event: Any) -> EventFields:
    """ID, topic (or CloudEvents source), type and data of an `EventGridEvent` or `CloudEvent`."""
    event_type = getattr(event, "event_type", None) or getattr(event, "type", None) or ""
    topic = getattr(event, "topic", None) or getattr(event, "source", None) or ""
    return EventFields(id=str(getattr(event, "id", "") or ""), topic=str(topic), type=str(event_type),
                       data=event.get_json())


def event_instance_id(fields: EventFields) -> str:
    """The instance ID a delivery (and every redelivery) of this event maps to."""
    return instance_id_for(Source.EVENTGRID, fold(fields.topic), fields.id)


@bp.event_grid_trigger(arg_name="event")
@bp.durable_client_input(client_name="client")
async def restore_from_event(event: func.EventGridEvent, client: df.DurableOrchestrationClient) -> None:
    """Start the restore the event asks for (once per event ID and topic)."""
    await handle_event(event, client)


async def handle_event(event: Any, client: Any) -> str | None:
    """The instance serving the event, or None when the event is refused (logged, acknowledged).

    Raises:
        InvalidSettingError: an app setting is unusable; Event Grid retries the event until it is fixed.
    """
    try:
        settings = get_settings()
    except InvalidSettingError as exc:
        log.error("settings.invalid", extra={"settings": list(exc.names), "event_id": getattr(event, "id", None)})
        raise
    fields = event_fields(event)
    facts = {"event_id": fields.id, "event_type": fields.type}
    if fields.type == DELETE_EVENT_TYPE and fields.id:
        return await handle_delete(fields.id, fields.topic, fields.data, settings, client)
    if fields.type != settings.eventgrid_restore_event_type:
        log.warning("restore.event.ignored", extra={**facts, "reason": "unexpected event type"})
        return None
    if not fields.id:
        log.warning("restore.event.ignored", extra={**facts, "reason": "event has no id"})
        return None
    if plan_intake.asks_for_plan(fields.data):  # resource groups, a vault or a plan body (triggers/plan_intake.py)
        return await plan_intake.start_event_plan(client, fields.topic, fields.id, fields.data, settings)
    instance_id = event_instance_id(fields)
    with telemetry.restore_context(instance_id):
        try:
            request = admit(fields.data, settings, prefix="data")
        except RejectedError as rejected:
            problems = [f"{p.field}: {p.reason}" for p in rejected.problems]
            log.warning("restore.event.rejected", extra={**facts, "status": rejected.status, "problems": problems})
            return None
        try:
            result = await start_restore(client, request, source=Source.EVENTGRID, instance_id=instance_id,
                                         idempotency_key=f"{fields.topic}#{fields.id}", now=datetime.now(UTC))
        except IdempotencyConflictError:
            log.warning("restore.event.rejected", extra={**facts, "reason": "event ID reused with different data"})
            return None
        log.info("restore.event.accepted", extra={**facts, "restore_created": result.created})
        return result.instance_id
