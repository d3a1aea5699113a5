"""No traceback, path or exception text in an API answer: a generic 500 problem with a correlation ID, the detail in
the log."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest

import function_app
from restore import settings
from tests.unit.triggers.fakes import FakeClient, http_request
from triggers import guard

LEAKY = 'Traceback (most recent call last): File "/home/site/wwwroot/triggers/http_api.py", line 9: KeyError: ' \
        "'x-secret-detail'"
# The app's functions as registered, without indexing them (`get_functions()` may run once per process and
# tests/unit/test_function_app.py does).
FUNCTIONS = [builder._function for builder in function_app.app._function_builders]


def _marked(function: Any) -> bool:
    while function is not None:
        if getattr(function, guard.MARK, False):
            return True
        function = getattr(function, "__wrapped__", None)
    return False


def test_every_http_route_of_the_app_is_guarded() -> None:
    routes = [f for f in FUNCTIONS if f.get_trigger().type == "httpTrigger"]
    assert len(routes) >= 12
    assert [f.get_function_name() for f in routes if not _marked(f.get_user_function())] == []


class BrokenClient(FakeClient):
    async def get_status(self, instance_id: str, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(LEAKY)


def _route(name: str) -> Any:
    [function] = [f for f in FUNCTIONS if f.get_function_name() == name]
    return function.get_user_function().__wrapped__  # under the durable client decorator: takes the client as is


@pytest.mark.parametrize(("name", "method", "path"), [
    ("get_restore", "GET", "restores/rst-http-1"),
    ("cancel_restore", "POST", "restores/rst-http-1/cancel"),
    ("get_plan", "GET", "plans/pln-" + "0" * 32),
])
def test_an_unexpected_error_answers_a_generic_500_with_a_correlation_id(
        name: str, method: str, path: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESTORE_ALLOWED_SCOPES", "/subscriptions/11111111-1111-1111-1111-111111111111")
    settings.get_settings.cache_clear()
    req = http_request(method, f"http://127.0.0.1:7071/api/{path}", route_params={"id": path.split("/")[1]})
    response = asyncio.run(_route(name)(req=req, client=BrokenClient()))
    text = response.get_body().decode()
    body = json.loads(text)
    assert response.status_code == 500 and response.mimetype == "application/problem+json"
    assert body["detail"] == guard.DETAIL and body["instance"] == f"urn:uuid:{body['correlationId']}"
    assert response.headers["x-correlation-id"] == body["correlationId"]
    for leak in ("Traceback", "/home/site", "RuntimeError", "KeyError", "x-secret-detail", ".py"):
        assert leak not in text
    [record] = [r for r in caplog.records if r.getMessage() == "http.internal_error"]
    assert record.levelno == logging.ERROR and record.correlation_id == body["correlationId"]  # type: ignore[attr-defined]
    assert record.exc_info is not None and LEAKY in str(record.exc_info[1])
    settings.get_settings.cache_clear()


def test_a_sync_route_is_guarded_too() -> None:
    @guard.guarded
    def route(req: Any) -> Any:
        raise OSError("/etc/shadow: permission denied")

    response = route(req=None)
    assert response.status_code == 500 and "/etc/shadow" not in response.get_body().decode()
