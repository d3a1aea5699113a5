"""HTTP triggers: routes, methods, route params, responses and auth keys."""

from __future__ import annotations

import requests

from tests.support.procs import Proc, running, start_devhost

from .conftest import FIDELITY_APP


def test_http_trigger_passes_route_params_query_and_body_and_returns_response(host: Proc) -> None:
    got = requests.post(f"{host.url}/api/echo/abc?q=1", data=b"hello", timeout=10)
    assert got.status_code == 201
    assert got.headers["X-Echo"] == "yes"
    assert got.headers["Content-Type"].startswith("application/json")
    assert got.json() == {"method": "POST", "item": "abc", "q": "1", "body": "hello"}


def test_http_trigger_answers_404_for_unknown_route_and_405_for_undeclared_method(host: Proc) -> None:
    assert requests.get(f"{host.url}/api/nothing-here", timeout=10).status_code == 404
    assert requests.delete(f"{host.url}/api/echo/abc", timeout=10).status_code == 405


def test_unhandled_function_error_is_a_500(host: Proc) -> None:
    assert requests.get(f"{host.url}/api/boom", timeout=10).status_code == 500


def test_keys_are_not_enforced_by_default(host: Proc) -> None:
    assert requests.get(f"{host.url}/api/secret", timeout=10).status_code == 200


def test_keys_are_enforced_when_the_setting_asks() -> None:
    env = {"DEVHOST_ENFORCE_KEYS": "true", "DEVHOST_FUNCTION_KEY": "fkey", "DEVHOST_MASTER_KEY": "mkey"}
    with running(start_devhost(env, time_scale=600.0, app=FIDELITY_APP)) as proc:
        assert requests.get(f"{proc.url}/api/secret", timeout=10).status_code == 401
        assert requests.get(f"{proc.url}/api/secret?code=wrong", timeout=10).status_code == 401
        assert requests.get(f"{proc.url}/api/secret?code=fkey", timeout=10).status_code == 200
        by_header = requests.get(f"{proc.url}/api/secret", headers={"x-functions-key": "mkey"}, timeout=10)
        assert by_header.status_code == 200
        assert requests.get(f"{proc.url}/api/echo/x", timeout=10).status_code == 201  # anonymous
        started = requests.post(f"{proc.url}/api/start/sequence?code=fkey", timeout=10)
        assert started.status_code == 202
        status_url = started.headers["Location"]
        assert "code=mkey" in status_url
        assert requests.get(status_url.replace("code=mkey", "code=fkey"), timeout=10).status_code == 401
        assert requests.get(status_url, timeout=10).status_code in (200, 202)
        # The RPC alias on the public port is the durable API too: the master key only (the app's own client uses
        # the loopback RPC listener of its binding, which is how the start above reached the orchestration).
        alias = f"{proc.url}/durabletask/instances/"
        assert requests.get(alias, timeout=10).status_code == 401
        assert requests.get(alias + "?code=fkey", timeout=10).status_code == 401
        assert requests.post(f"{proc.url}/durabletask/orchestrators/sequence?code=fkey", timeout=10).status_code == 401
        assert requests.get(alias + "?code=mkey", timeout=10).status_code == 200
