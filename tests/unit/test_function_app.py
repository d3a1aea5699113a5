"""The Function App registers exactly the functions the orchestration contract names."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from restore.contract import Activity, Orchestrator
from tests.support.app_functions import listed

ROOT = Path(__file__).resolve().parents[2]


def _triggers() -> dict[str, dict[str, Any]]:
    """Function name -> its trigger binding, from the function.json the Functions host indexes."""
    found = {}
    for function in listed("function_app"):  # indexed once per process, the app left as found
        bindings = json.loads(function.get_function_json())["bindings"]
        found[function.get_function_name()] = next(b for b in bindings if b["type"].endswith("Trigger"))
    return found


def test_every_activity_and_orchestrator_of_the_contract_is_registered_under_its_name() -> None:
    triggers = _triggers()
    activities = {name: t.get("activity") for name, t in triggers.items() if t["type"] == "activityTrigger"}
    orchestrators = {name: t.get("orchestration") for name, t in triggers.items()
                     if t["type"] == "orchestrationTrigger"}
    assert activities == {a.value: a.value for a in Activity}
    assert orchestrators == {o.value: o.value for o in Orchestrator}


# A stand-in Azure Monitor distro that records its calls, so the test needs no Application Insights.
_TELEMETRY_PROBE = """
import sys, types
calls = []
distro = types.ModuleType("azure.monitor.opentelemetry")
distro.configure_azure_monitor = lambda **kwargs: calls.append(kwargs)
sys.modules["azure.monitor.opentelemetry"] = distro
import triggers.eventgrid, triggers.http_api, triggers.incident
on_trigger_import = len(calls)
import function_app
print(on_trigger_import, len(calls))
"""


def test_telemetry_is_configured_once_by_function_app_not_by_importing_a_trigger() -> None:
    env = {**os.environ, "APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=00000000-0000-0000-0000-0"}
    out = subprocess.run([sys.executable, "-c", _TELEMETRY_PROBE], capture_output=True, text=True, check=True,
                         cwd=ROOT, env=env).stdout.split()
    assert out == ["0", "1"]


def test_listing_the_functions_leaves_the_app_as_found_for_the_next_test() -> None:
    """azure-functions refuses a second `get_functions()` on one app (it keeps the names it saw): a test that lists
    the functions must leave them unseen, or a later test in the same process (tests/conformance) fails."""
    app = importlib.import_module("function_app").app
    before = app.functions_bindings
    assert len(listed.__wrapped__("function_app")) == len(listed("function_app"))
    assert app.functions_bindings is before
