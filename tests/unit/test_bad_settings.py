"""A bad app setting never stops the app from indexing its functions; the request or activity that needs it fails
naming the setting (never its value)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest

from activities.blueprint import bp as activities_bp
from restore import settings
from restore.errors import InvalidSettingError
from tests.unit.orchestrators.fakes import FakeAzure, order
from tests.unit.orchestrators.replay import Replay, drive
from tests.unit.triggers.fakes import FakeClient, example, http_request
from triggers import http_api
from triggers.eventgrid import handle_event
from triggers.incident import handle_incident

ROOT = Path(__file__).resolve().parents[2]
BAD = {"ARM_MAX_ATTEMPTS": "zero", "LOG_LEVEL": "LOUD", "INCIDENT_DEFAULT_REQUEST": "{not json",
       "APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=00000000-0000-0000-0000-000000000000"}
ACTIVITIES = {f.get_function_name(): f.get_user_function()
              for f in (b.build() for b in activities_bp._function_builders)}


@pytest.fixture
def bad_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in BAD.items():
        monkeypatch.setenv(name, value)
    settings.get_settings.cache_clear()
    yield
    settings.get_settings.cache_clear()


def _names_bad_settings(text: str) -> None:
    assert {"ARM_MAX_ATTEMPTS", "LOG_LEVEL", "INCIDENT_DEFAULT_REQUEST"} <= set(text.replace(":", " ").split())
    assert "zero" not in text and "LOUD" not in text and "InstrumentationKey" not in text


def _indexed(env: dict[str, str]) -> list[str]:
    """The function names a fresh process indexes from function_app (get_functions builds once per process)."""
    probe = "import function_app; print(*sorted(f.get_function_name() for f in function_app.app.get_functions()))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_function_app_indexes_every_function_with_bad_settings() -> None:
    good = {k: v for k, v in os.environ.items() if k not in BAD}
    expected = _indexed(good)
    # A drill document that is not even JSON does not stop indexing either: drills are validated at use.
    assert _indexed({**good, **BAD, "DRILLS": '{"drills": [{nope'}) == expected and len(expected) == 43


def test_starting_a_restore_is_a_500_problem_naming_the_settings(bad_settings: None) -> None:
    client = FakeClient()
    req = http_request("POST", "http://127.0.0.1:7071/api/restores", example("restore-disks.json"))
    response = asyncio.run(http_api._start(req, client))
    body = json.loads(response.get_body())
    assert response.status_code == 500 and response.mimetype == "application/problem+json"
    _names_bad_settings(body["detail"])
    assert client.started == []


def test_health_is_503_naming_the_settings(bad_settings: None) -> None:
    response = http_api.health(http_request("GET", "http://127.0.0.1:7071/api/health"))
    assert response.status_code == 503
    _names_bad_settings(json.loads(response.get_body())["detail"])


def test_the_incident_webhook_is_a_500_problem_and_starts_nothing(bad_settings: None) -> None:
    client = FakeClient()
    req = http_request("POST", "http://127.0.0.1:7071/api/webhooks/incident", {"incidentId": "i-1"})
    response = asyncio.run(handle_incident(req, client))
    assert response.status_code == 500 and client.started == []
    _names_bad_settings(json.loads(response.get_body())["detail"])


def test_an_event_fails_so_that_event_grid_retries_it(bad_settings: None) -> None:
    event = func.EventGridEvent(id="e-1", data={}, topic="/t", subject="s", event_type="Contoso.Restore.Requested",
                                event_time=None, data_version="1")
    with pytest.raises(InvalidSettingError) as raised:
        asyncio.run(handle_event(event, FakeClient()))
    _names_bad_settings(str(raised.value))


@pytest.mark.parametrize(("activity", "payload"), [
    ("get_restore_settings", {}),
    ("resolve_backup_item", {"vmId": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/"
                                     "virtualMachines/vm1"}),
])
def test_an_activity_returns_an_error_naming_the_settings(bad_settings: None, activity: str,
                                                          payload: dict[str, Any]) -> None:
    result = ACTIVITIES[activity](payload)
    assert result["value"] is None and result["error"]["code"] == "InvalidAppSetting"
    assert not result["error"]["transient"]
    _names_bad_settings(result["error"]["message"])


def test_the_restore_fails_with_the_activity_error_naming_the_settings(bad_settings: None) -> None:
    fake = FakeAzure().then("get_restore_settings", ACTIVITIES["get_restore_settings"]({}))
    run = drive(Replay("restore_vm", order()), fake.handlers())
    outcome = json.loads(run.failure[run.failure.index("{"):]) if run.failure else {}
    assert outcome["status"] == "failed" and outcome["error"]["code"] == "InvalidAppSetting"
    _names_bad_settings(outcome["error"]["message"])
    assert fake.names() == ["get_restore_settings"]
