"""Small orchestrations, one per replay rule the restore app does not exercise (or not in isolation)."""

from __future__ import annotations

from datetime import timedelta

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.activity_trigger(input_name="value")
def echo(value: object) -> object:  # never run: the driver answers for every activity
    return value


@app.activity_trigger(input_name="value")
def slow(value: object) -> object:
    return value


@app.activity_trigger(input_name="value")
def flaky(value: object) -> object:
    return value


@app.orchestration_trigger(context_name="ctx")
def stale_race_activity(ctx: df.DurableOrchestrationContext):
    """One `cancel` wait raced twice: the second race's action leaves it out, so only the activity is awaited."""
    cancel = ctx.wait_for_external_event("cancel")
    first = yield ctx.task_any([ctx.call_activity("echo", "one"), cancel])
    if first is cancel:
        return "cancelled in step one"
    second = yield ctx.task_any([ctx.call_activity("slow", "two"), cancel])
    if second is cancel:
        done = yield ctx.call_activity("echo", "after cancel")
        return f"cancelled in step two: {done}"
    return "finished"


@app.orchestration_trigger(context_name="ctx")
def stale_race_timer(ctx: df.DurableOrchestrationContext):
    """The same with a timer: cancelling it marks the timer action canceled, which ends the shim's wait."""
    cancel = ctx.wait_for_external_event("cancel")
    yield ctx.task_any([ctx.call_activity("echo", "one"), cancel])
    timer = ctx.create_timer(ctx.current_utc_datetime + timedelta(hours=1))
    winner = yield ctx.task_any([timer, cancel])
    if winner is cancel:
        timer.cancel()
        return (yield ctx.call_activity("echo", "cancelled"))
    return "timed out"


@app.orchestration_trigger(context_name="ctx")
def fresh_race(ctx: df.DurableOrchestrationContext):
    """A new wait for every race: each any-of action carries it, so a cancel ends either race."""
    first = ctx.wait_for_external_event("cancel")
    winner = yield ctx.task_any([ctx.call_activity("echo", "one"), first])
    if winner is first:
        return "cancelled in step one"
    second = ctx.wait_for_external_event("cancel")
    winner = yield ctx.task_any([ctx.call_activity("slow", "two"), second])
    return "cancelled in step two" if winner is second else "finished"


@app.orchestration_trigger(context_name="ctx")
def sequential(ctx: df.DurableOrchestrationContext):
    """Two tasks created before the first yield: the extension schedules them in the order they are awaited."""
    a = ctx.call_activity("echo", "a")
    b = ctx.call_activity("echo", "b")
    timer = ctx.create_timer(ctx.current_utc_datetime + timedelta(minutes=5))
    first = yield ctx.task_any([a, b])
    yield timer
    both = yield ctx.task_all([a, b])
    return {"first": first.result, "both": both}


@app.orchestration_trigger(context_name="ctx")
def newest_waiter(ctx: df.DurableOrchestrationContext):
    """Two waits for one name: an event goes to the newest."""
    older = ctx.wait_for_external_event("go")
    newer = ctx.wait_for_external_event("go")
    winner = yield ctx.task_any([older, newer])
    return "newer" if winner is newer else "older"


@app.orchestration_trigger(context_name="ctx")
def buffered_events(ctx: df.DurableOrchestrationContext):
    """Events raised before anyone waits are buffered, in order (the SDK hands out the last one twice)."""
    yield ctx.call_activity("slow", "busy")
    first = yield ctx.wait_for_external_event("x")
    second = yield ctx.wait_for_external_event("x")
    return [first, second]


@app.orchestration_trigger(context_name="ctx")
def event_name_case(ctx: df.DurableOrchestrationContext):
    """The extension matches event names ignoring case; the SDK does not."""
    value = yield ctx.wait_for_external_event("Approve")
    return value


@app.orchestration_trigger(context_name="ctx")
def late_cancelled_timer(ctx: df.DurableOrchestrationContext):
    """A timer cancelled after an event won still fires later; nobody awaits it."""
    timer = ctx.create_timer(ctx.current_utc_datetime + timedelta(hours=1))
    go = ctx.wait_for_external_event("go")
    winner = yield ctx.task_any([timer, go])
    if winner is go:
        timer.cancel()
    after = yield ctx.call_activity("echo", "after")
    yield ctx.create_timer(ctx.current_utc_datetime + timedelta(hours=2))
    return {"winner": "go" if winner is go else "timer", "after": after}


@app.orchestration_trigger(context_name="ctx")
def retries(ctx: df.DurableOrchestrationContext):
    """Retried activities share the sequence counter with their retry timers and the tasks around them."""
    options = df.RetryOptions(first_retry_interval_in_milliseconds=30000, max_number_of_attempts=3)
    results = []
    for label in ("twice", "always"):
        try:
            results.append((yield ctx.call_activity_with_retry("flaky", options, label)))
        except Exception as exc:  # the SDK raises a plain Exception after the last attempt
            results.append(f"gave up: {str(exc)[:40]}")
        yield ctx.create_timer(ctx.current_utc_datetime + timedelta(seconds=10))
    return results


@app.orchestration_trigger(context_name="ctx")
def returns_while_busy(ctx: df.DurableOrchestrationContext):
    """Returning while an activity still runs: the orchestration stays Running until it reports."""
    timer = ctx.create_timer(ctx.current_utc_datetime + timedelta(minutes=1))
    winner = yield ctx.task_any([ctx.call_activity("slow", "long"), timer])
    return "timer" if winner is timer else "activity"


@app.orchestration_trigger(context_name="ctx")
def all_of_fails(ctx: df.DurableOrchestrationContext):
    """The SDK's task_all fails at the first failure; the extension's WhenAll waits for every task."""
    results = yield ctx.task_all([ctx.call_activity("flaky", "fails"), ctx.call_activity("slow", "long")])
    return results


@app.orchestration_trigger(context_name="ctx")
def long_timer(ctx: df.DurableOrchestrationContext):
    """Over the 6-day maximum the SDK splits a timer into 3-day intervals."""
    yield ctx.create_timer(ctx.current_utc_datetime + timedelta(days=10))
    return "woke"


@app.orchestration_trigger(context_name="ctx")
def unknown_activity(ctx: df.DurableOrchestrationContext):
    """An activity nobody registered: the extension's check faults a task the shim ignores; the run waits."""
    yield ctx.call_activity("no_such_activity", 1)
    return "unreachable"


@app.orchestration_trigger(context_name="ctx")
def children(ctx: df.DurableOrchestrationContext):
    """Sub-orchestrations: a default ID from the execution ID, and the same explicit ID used twice at once."""
    named = yield ctx.call_sub_orchestrator("child", "default id")
    again = ctx.call_sub_orchestrator("child", "first", f"{ctx.instance_id}:twin")
    twin = ctx.call_sub_orchestrator("child", "second", f"{ctx.instance_id}:twin")
    winner = yield ctx.task_any([again, twin])
    return {"named": named, "winner": winner.result}


@app.orchestration_trigger(context_name="ctx")
def own_id_child(ctx: df.DurableOrchestrationContext):
    """A sub-orchestration with the parent's own ID is refused by the extension: nothing starts."""
    result = yield ctx.call_sub_orchestrator("child", "x", ctx.instance_id)
    return result


@app.orchestration_trigger(context_name="ctx")
def child(ctx: df.DurableOrchestrationContext):
    value = ctx.get_input()
    done = yield ctx.call_activity("echo", value)
    return f"child saw {done}"


@app.orchestration_trigger(context_name="ctx")
def carry_over(ctx: df.DurableOrchestrationContext):
    """continue_as_new while an activity is still open: events that arrive meanwhile go to the next execution."""
    generation = ctx.get_input() or 0
    ctx.set_custom_status({"generation": generation})
    if generation == 0:
        timer = ctx.create_timer(ctx.current_utc_datetime + timedelta(minutes=1))
        yield ctx.task_any([ctx.call_activity("slow", "open"), timer])
        ctx.continue_as_new(generation + 1)
        return None
    value = yield ctx.wait_for_external_event("x")
    return {"generation": generation, "value": value}
