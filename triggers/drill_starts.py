"""Starting drill runs: the timer's due runs (idempotent per drill and due time) and `POST /api/drills/{name}/run`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from restore.contract import Orchestrator
from restore.drill_report import DrillOrder
from restore.drill_schedule import latest_due, manual_run_id, scheduled_run_id
from restore.drills import Drill, DrillDocument, load_drills
from restore.settings import get_settings
from triggers import telemetry
from triggers.starter import existing_instance

log = telemetry.get_logger(__name__)


def current_drills() -> DrillDocument:
    """The drills as the settings define them now. Raises: InvalidSettingError (naming the field and reason)."""
    settings = get_settings()
    return load_drills(settings.drills, settings.drills_file, settings.callback_allow_insecure)


async def start_due(client: Any, doc: DrillDocument, now: datetime) -> list[str]:
    """Start every drill whose latest due time is within its start window and has no run yet; the run IDs started.

    The run ID is the drill and the due time, and an existing run of any state is never started again (the
    extension would overwrite a completed instance: DURABLE-NOTES §6), so a later tick, a past-due tick after a
    restart or a second host starts nothing twice; only the latest due time is considered, so a host that missed
    several runs once, late.
    """
    started = []
    for drill in doc.drills:
        due = latest_due(drill, now)
        if due is None:
            continue
        run_id = scheduled_run_id(drill.name, due)
        if await existing_instance(client, run_id) is not None:
            continue
        order = DrillOrder(drill=drill.model_dump(mode="json", by_alias=True), started_by="schedule",
                           scheduled_for=due, requested_at=now)
        if await _start(client, run_id, order):
            started.append(run_id)
    return started


async def start_now(client: Any, drill: Drill) -> str:
    """Start a run of `drill` at once. Raises: Exception from the durable client (the caller answers 5xx)."""
    now = datetime.now(UTC)
    run_id = manual_run_id(drill.name, uuid.uuid4().hex[:12])
    order = DrillOrder(drill=drill.model_dump(mode="json", by_alias=True), started_by="manual", requested_at=now)
    await client.start_new(Orchestrator.RESTORE_DRILL, run_id, order.dump())
    log.info("drill.started", extra={"run_id": run_id, "drill": drill.name, "started_by": "manual"})
    return run_id


async def _start(client: Any, run_id: str, order: DrillOrder) -> bool:
    try:
        await client.start_new(Orchestrator.RESTORE_DRILL, run_id, order.dump())
    except Exception:  # the DF client raises a bare Exception when another host started this run first
        if await existing_instance(client, run_id) is None:
            raise
        return False
    log.info("drill.started", extra={"run_id": run_id, "drill": order.drill.get("name"), "started_by": "schedule"})
    return True
