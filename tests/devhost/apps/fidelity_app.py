"""A small Durable Functions app used to check the local host against documented behaviour."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)

_flaky_calls: dict[str, int] = {}
_flaky_lock = threading.Lock()


@app.route(route="start/{name}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def start(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    body = req.get_body()
    payload = json.loads(body) if body else None
    instance_id = await client.start_new(req.route_params["name"], req.params.get("id"), payload)
    return client.create_check_status_response(req, instance_id)


@app.route(route="echo/{item}", methods=["GET", "POST"], auth_level=func.AuthLevel.ANONYMOUS)
def echo(req: func.HttpRequest) -> func.HttpResponse:
    data = {"method": req.method, "item": req.route_params.get("item"), "q": req.params.get("q"),
            "body": req.get_body().decode() or None}
    return func.HttpResponse(json.dumps(data), status_code=201, mimetype="application/json",
                             headers={"X-Echo": "yes"})


@app.route(route="secret", methods=["GET"])
async def secret(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("ok")


@app.route(route="boom", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def boom(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("boom")


_grid_events: list[dict] = []


@app.event_grid_trigger(arg_name="event")
def on_grid_event(event: func.EventGridEvent) -> None:
    data = event.get_json()
    if isinstance(data, dict) and data.get("fail"):
        raise RuntimeError("event handler failed")
    kind = "cloud" if hasattr(event, "source") and not hasattr(event, "topic") else "grid"
    _grid_events.append({"id": event.id, "kind": kind, "data": data})


@app.route(route="grid-events", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def grid_events(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(_grid_events), mimetype="application/json")


@app.activity_trigger(input_name="value")
def double(value: int) -> int:
    return value * 2


@app.activity_trigger(input_name="payload")
def flaky(payload: dict) -> str:
    key = payload["key"]
    with _flaky_lock:
        _flaky_calls[key] = _flaky_calls.get(key, 0) + 1
        calls = _flaky_calls[key]
    if calls < payload["succeedOn"]:
        raise ValueError(f"attempt {calls} failed")
    return f"ok after {calls}"


@app.activity_trigger(input_name="payload")
def record(payload: dict) -> dict:
    """Appends a line to a file so tests can count executions across host restarts."""
    with open(payload["path"], "a", encoding="utf-8") as out:
        out.write(payload["tag"] + "\n")
    if payload.get("sleep"):
        time.sleep(payload["sleep"])  # keeps the activity in flight so a test can kill the host meanwhile
    return payload


@app.orchestration_trigger(context_name="context")
def fan_out(context: df.DurableOrchestrationContext):
    count = context.get_input() or 5
    results = yield context.task_all([context.call_activity("double", i) for i in range(count)])
    return sum(results)


@app.orchestration_trigger(context_name="context")
def sequence(context: df.DurableOrchestrationContext):
    context.set_custom_status({"step": 1})
    a = yield context.call_activity("double", 1)
    context.set_custom_status({"step": 2})
    b = yield context.call_activity("double", a)
    return {"a": a, "b": b, "uuid": context.new_uuid(), "now": context.current_utc_datetime.isoformat()}


@app.orchestration_trigger(context_name="context")
def approval(context: df.DurableOrchestrationContext):
    timeout = context.get_input() or 3600
    timer = context.create_timer(context.current_utc_datetime + timedelta(seconds=timeout))
    event = context.wait_for_external_event("approve")
    winner = yield context.task_any([event, timer])
    if winner == event:
        timer.cancel()
        return {"approved": event.result}
    return {"approved": None, "timedOut": True}


@app.orchestration_trigger(context_name="context")
def monitor(context: df.DurableOrchestrationContext):
    state = context.get_input() or {"round": 0, "max": 3}
    context.set_custom_status({"round": state["round"]})
    yield context.create_timer(context.current_utc_datetime + timedelta(seconds=30))
    if state["round"] + 1 >= state["max"]:
        return {"rounds": state["round"] + 1}
    context.continue_as_new({"round": state["round"] + 1, "max": state["max"]})
    return None


@app.orchestration_trigger(context_name="context")
def parent(context: df.DurableOrchestrationContext):
    child_id = f"{context.instance_id}:child"
    first = yield context.call_sub_orchestrator("sequence", None, child_id)
    second = yield context.call_sub_orchestrator("failing")
    return {"first": first, "second": second}


@app.orchestration_trigger(context_name="context")
def parent_catches(context: df.DurableOrchestrationContext):
    try:
        yield context.call_sub_orchestrator("failing", None, f"{context.instance_id}:child")
    except Exception as exc:
        return {"caught": str(exc)}
    return {"caught": None}


@app.orchestration_trigger(context_name="context")
def failing(context: df.DurableOrchestrationContext):
    yield context.call_activity("double", 1)
    raise ValueError("orchestration went wrong")


@app.orchestration_trigger(context_name="context")
def retrying(context: df.DurableOrchestrationContext):
    spec = context.get_input()
    options = df.RetryOptions(first_retry_interval_in_milliseconds=spec.get("intervalMs", 5000),
                              max_number_of_attempts=spec["maxAttempts"])
    try:
        result = yield context.call_activity_with_retry("flaky", options, spec)
    except Exception as exc:
        return {"error": str(exc)}
    after = yield context.call_activity("double", 21)
    return {"result": result, "after": after}


@app.orchestration_trigger(context_name="context")
def long_timer(context: df.DurableOrchestrationContext):
    days = context.get_input() or 10
    start = context.current_utc_datetime
    yield context.create_timer(start + timedelta(days=days))
    return {"elapsedDays": (context.current_utc_datetime - start).total_seconds() / 86400}


@app.orchestration_trigger(context_name="context")
def nondeterministic(context: df.DurableOrchestrationContext):
    # The activity name depends on replay, which changes what the orchestrator schedules on replay.
    name = "double" if not context.is_replaying else "flaky"
    yield context.call_activity(name, 1)
    yield context.call_activity("double", 2)
    return "unreachable"


@app.orchestration_trigger(context_name="context")
def durable_work(context: df.DurableOrchestrationContext):
    spec = context.get_input()
    yield context.call_activity("record", {"path": spec["path"], "tag": f"{context.instance_id}:a",
                                           "sleep": spec.get("sleepFirst", 0)})
    yield context.create_timer(context.current_utc_datetime + timedelta(seconds=spec["timerSeconds"]))
    yield context.call_activity("record", {"path": spec["path"], "tag": f"{context.instance_id}:b"})
    return "done"
