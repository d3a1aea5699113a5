"""A timer-triggered function that records each invocation (for tests/devhost/test_timer_trigger.py)."""

from __future__ import annotations

import json
import os

import azure.functions as func

app = func.FunctionApp()


@app.timer_trigger(arg_name="timer", schedule="*/10 * * * * *", use_monitor=True)
def every_ten_seconds(timer: func.TimerRequest) -> None:
    with open(os.environ["TIMER_LOG"], "a", encoding="utf-8") as out:
        out.write(json.dumps({"pastDue": timer.past_due, "status": timer.schedule_status}) + "\n")
