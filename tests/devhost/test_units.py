"""Pure parts of the host: scaled clock, route templates, action flattening, payload encoding."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from devhost.clock import ScaledClock
from devhost.config import HostConfig, is_authorized
from devhost.history import compact_json, iso, parse_iso
from devhost.http_triggers import HttpTriggers, compile_route
from devhost.registry import HttpFunction
from devhost.store import Store, StoreVersionError


def _fn(route: str, methods: tuple[str, ...] = ("GET",)) -> HttpFunction:
    return HttpFunction(name=route, func=print, route=route, methods=list(methods), auth_level="function",
                        trigger_arg="req", client_arg=None, has_return=True)


def test_scaled_clock_runs_scale_times_faster_and_resumes_monotonic() -> None:
    clock = ScaledClock(100.0, anchor_wall=time.time() - 10, anchor_service=1_000_000.0)
    assert 1_000_990.0 <= clock.now_epoch() <= 1_001_100.0
    resumed = ScaledClock.resume(100.0, clock.to_meta())
    assert resumed.anchor_wall == clock.anchor_wall
    rescaled = ScaledClock.resume(5.0, clock.to_meta())
    assert rescaled.scale == 5.0
    assert rescaled.now_epoch() >= clock.now_epoch() - 1
    assert clock.wall_seconds_until(clock.now_epoch() + 100) <= 1.0


def test_route_templates_match_params_optional_and_catch_all_with_literals_first() -> None:
    triggers = HttpTriggers([_fn("restores/{id}"), _fn("restores/summary"), _fn("files/{*rest}"),
                             _fn("items/{id:int?}")], HostConfig())
    route, params, _ = triggers.match("/restores/summary", "GET")
    assert route is not None and route.function.route == "restores/summary"
    route, params, _ = triggers.match("/Restores/abc", "GET")
    assert params == {"id": "abc"}
    _, params, _ = triggers.match("/files/a/b/c", "GET")
    assert params == {"rest": "a/b/c"}
    route, params, _ = triggers.match("/items", "GET")
    assert route is not None and params == {}
    route, _, wrong_method = triggers.match("/restores/abc", "POST")
    assert route is None and wrong_method
    assert compile_route(_fn("a/{b}")).precedence == (0, 1)


def test_payloads_become_the_json_text_the_sdk_parses() -> None:
    assert compact_json({"a": [1, "é"]}) == '{"a":[1,"é"]}'  # as Json.NET's Formatting.None writes a JToken
    moment = parse_iso("2024-01-02T03:04:05.1234567Z")
    assert iso(moment) == "2024-01-02T03:04:05.1234560Z"


def test_keys_follow_azure_auth_levels_only_when_enforced() -> None:
    open_host = HostConfig()
    assert is_authorized(open_host, "function", None)
    strict = HostConfig(enforce_keys=True, function_key="f", master_key="m")
    assert is_authorized(strict, "anonymous", None)
    assert is_authorized(strict, "function", "f") and is_authorized(strict, "function", "m")
    assert not is_authorized(strict, "function", None)
    assert is_authorized(strict, "admin", "m") and not is_authorized(strict, "admin", "f")


def test_a_database_of_the_older_schema_is_refused_with_the_way_out(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE instances (instance_id TEXT PRIMARY KEY, engine TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreVersionError, match="RESET=1"):
        Store(db)
    Store(tmp_path / "fresh.db").close()  # a new database gets the current schema
