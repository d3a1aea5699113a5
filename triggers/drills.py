"""The drill front doors (docs/api.md, "Drills"): the schedule timer, run now, list drills and runs, run report, the
custom validation verdict."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import azure.durable_functions as df
import azure.functions as func
from pydantic import ValidationError

from restore.contract import DRILL_VALIDATION_EVENT, Orchestrator
from restore.drill_report import CustomVerdict, RunPhase, Verdict
from restore.drill_schedule import RUN_PREFIX, drill_of_run, next_due
from restore.drills import DrillDocument
from restore.errors import InvalidSettingError
from triggers import telemetry
from triggers.drill_starts import current_drills, start_due, start_now
from triggers.guard import guarded
from triggers.instances import InstanceQueryError, query_instances
from triggers.intake import RejectedError
from triggers.problems import field_problems, invalid_request, invalid_settings, problem_response
from triggers.request_body import json_body
from triggers.starter import existing_instance

log = telemetry.get_logger(__name__)
bp = df.Blueprint()
# The tick that looks for due drills: NCRONTAB, six fields with seconds first (Functions timer trigger), UTC.
# Every 5 minutes: a drill starts at most 5 minutes after its due time; each tick is idempotent (drill_starts.py).
DRILL_TICK = "0 */5 * * * *"


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(body), status_code=status, mimetype="application/json", headers=headers)


@bp.timer_trigger(arg_name="timer", schedule=DRILL_TICK, use_monitor=True)
@bp.durable_client_input(client_name="client")
async def drill_timer(timer: func.TimerRequest, client: df.DurableOrchestrationClient) -> None:
    """Start the drills that are due (a bad `DRILLS` document is logged with the field and reason, starts nothing)."""
    try:
        doc = current_drills()
    except InvalidSettingError as exc:
        log.error("drill.invalid_settings", extra={"reason": str(exc), "code": exc.code})
        return
    started = await start_due(client, doc, tick_time(timer))
    log.info("drill.tick", extra={"past_due": timer.past_due, "started": started})


def tick_time(timer: func.TimerRequest) -> datetime:
    """The time this tick stands for: the occurrence the host scheduled it for (`ScheduleStatus.Next`, see
    devhost/timers.py), now when the host passed none. A past-due tick after a restart stands for the first occurrence
    the host missed, so a drill due then runs once, late; occurrences missed after it are not run one by one (only
    the newest due time within its start window is). On a time-scaled local host these are service times."""
    raw = (timer.schedule_status or {}).get("Next")
    try:
        scheduled = datetime.fromisoformat(str(raw)) if raw else datetime.now(UTC)
    except ValueError:
        return datetime.now(UTC)
    return (scheduled if scheduled.tzinfo else scheduled.replace(tzinfo=UTC)).astimezone(UTC)


def _raw(status: Any) -> dict[str, Any]:
    """The final report (the output), or the running view (the custom status) while the run goes on."""
    raw = status.output if status.output else status.custom_status
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    return raw if isinstance(raw, dict) else {}


def _run_body(status: Any) -> dict[str, Any]:
    runtime = getattr(status.runtime_status, "value", status.runtime_status)
    return {"id": status.instance_id, "runtimeStatus": runtime, **_raw(status)}


async def _runs(client: Any, doc: DrillDocument, name: str) -> list[Any]:
    found = await query_instances(client, instance_id_prefix=f"{RUN_PREFIX}-{name}-")
    names = [d.name for d in doc.drills]
    runs = [s for s in found if ":" not in s.instance_id and drill_of_run(s.instance_id, names) == name]
    return sorted(runs, key=lambda s: s.created_time or datetime.min.replace(tzinfo=UTC), reverse=True)


@bp.route(route="drills", methods=["GET"])
@bp.durable_client_input(client_name="client")
@guarded
async def list_drills(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    try:
        doc = current_drills()
        now = datetime.now(UTC)
        body = []
        for drill in doc.drills:
            runs = await _runs(client, doc, drill.name)
            last = _run_body(await client.get_status(runs[0].instance_id)) if runs else None
            body.append({"definition": drill.model_dump(mode="json", by_alias=True),
                         "nextRun": next_due(drill, now).isoformat(), "lastRun": last})
    except InvalidSettingError as exc:
        return invalid_settings(exc)
    except InstanceQueryError as exc:
        return problem_response(503, "Drills cannot be listed now", str(exc), headers={"Retry-After": "30"})
    return _json({"drills": body})


@bp.route(route="drills/{name}/run", methods=["POST"])
@bp.durable_client_input(client_name="client")
@guarded
async def run_drill_now(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    name = req.route_params.get("name", "")
    try:
        drill = current_drills().find(name)
    except InvalidSettingError as exc:
        return invalid_settings(exc)
    if drill is None:
        return problem_response(404, "Drill not found", f"no drill named {name!r} in DRILLS")
    run_id = await start_now(client, drill)
    return _json({"id": run_id, "drill": name}, 202, {"Location": f"/api/drills/runs/{run_id}", "Retry-After": "10"})


@bp.route(route="drills/{name}/runs", methods=["GET"])
@bp.durable_client_input(client_name="client")
@guarded
async def list_drill_runs(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    name = req.route_params.get("name", "")
    try:
        doc = current_drills()
        if doc.find(name) is None:
            return problem_response(404, "Drill not found", f"no drill named {name!r} in DRILLS")
        runs = await _runs(client, doc, name)
    except InvalidSettingError as exc:
        return invalid_settings(exc)
    except InstanceQueryError as exc:
        return problem_response(503, "Runs cannot be listed now", str(exc), headers={"Retry-After": "30"})
    return _json({"runs": [{"id": s.instance_id, "runtimeStatus": getattr(s.runtime_status, "value", None),
                            "createdTime": s.created_time.isoformat() if s.created_time else None} for s in runs]})


async def _run_status(client: Any, run_id: str) -> Any:
    if not run_id.startswith(f"{RUN_PREFIX}-") or ":" in run_id:
        return None
    status = await existing_instance(client, run_id)
    if status is None or getattr(status, "name", None) not in (Orchestrator.RESTORE_DRILL, None):
        return None
    return status


@bp.route(route="drills/runs/{id}", methods=["GET"])
@bp.durable_client_input(client_name="client")
@guarded
async def get_drill_run(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    run_id = req.route_params.get("id", "")
    status = await _run_status(client, run_id)
    if status is None:
        return problem_response(404, "Drill run not found", f"no drill run with ID {run_id!r}")
    return _json(_run_body(status))


@bp.route(route="drills/runs/{id}/validation", methods=["PUT"])
@bp.durable_client_input(client_name="client")
@guarded
async def put_drill_validation(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """The custom validation's verdict `{status: passed|failed, message}`; 409 unless the run waits for one."""
    run_id = req.route_params.get("id", "")
    try:
        verdict = CustomVerdict.model_validate(json_body(req))
    except RejectedError as rejected:
        return rejected.response()
    except ValidationError as exc:
        return invalid_request(field_problems(exc), "the verdict is invalid")
    status = await _run_status(client, run_id)
    if status is None:
        return problem_response(404, "Drill run not found", f"no drill run with ID {run_id!r}")
    raw = _raw(status)
    custom = raw.get("customValidation") or {}
    if raw.get("phase") != RunPhase.VALIDATING.value or custom.get("status") != Verdict.PENDING.value:
        return problem_response(409, "No verdict awaited", f"drill run {run_id} is not waiting for a verdict")
    await client.raise_event(run_id, DRILL_VALIDATION_EVENT, verdict.dump())
    return _json({"id": run_id, "accepted": verdict.dump()}, 202)
