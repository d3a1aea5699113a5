"""The Function App registers exactly the functions the orchestration contract names."""

from __future__ import annotations

import json
from typing import Any

import function_app
from restore.contract import Activity, Orchestrator


def _triggers() -> dict[str, dict[str, Any]]:
    """Function name -> its trigger binding, from the function.json the Functions host indexes."""
    found = {}
    for function in function_app.app.get_functions():
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
