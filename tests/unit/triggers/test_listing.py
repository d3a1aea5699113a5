"""GET /api/restores over the durable instance query as the extension pages it (100 rows and a continuation token)."""

from __future__ import annotations

import asyncio
import json
import random
import socket
from datetime import timedelta
from typing import Any

import pytest

from tests.unit.triggers.fakes import T0, FakeClient, http_request, status
from triggers import http_api, instances

BASE = "https://app.example/api"


def _seed(client: FakeClient, restores: int) -> list[str]:
    """`restores` finished restores, each with its `{id}:job` sub-orchestration, in no particular order."""
    ids = [f"rst-{n:04d}" for n in range(restores)]
    rows = []
    for n, instance_id in enumerate(ids):
        created = T0 + timedelta(minutes=n)
        rows.append(status(instance_id, "Completed", output={"status": "succeeded"}, created=created,
                           order={"request": {"vmId": "/subscriptions/x/vm"}, "source": "http"}))
        rows.append(status(f"{instance_id}:job", "Completed", name="wait_for_restore_job", created=created))
    random.Random(7).shuffle(rows)
    client.instances = {row.instance_id: row for row in rows}
    return ids


def _walk(client: FakeClient, params: dict[str, str]) -> list[dict[str, Any]]:
    """Every item of the public list, following `nextLink`."""
    items: list[dict[str, Any]] = []
    req = http_request("GET", f"{BASE}/restores", params=params)
    for _ in range(50):
        response = asyncio.run(http_api._list(req, client))
        assert response.status_code == 200, response.get_body()
        body = json.loads(response.get_body())
        items += body["items"]
        if body["nextLink"] is None:
            return items
        token = body["nextLink"].split("continuationToken=")[1].split("&")[0]
        req = http_request("GET", body["nextLink"], params={**params, "continuationToken": token})
    raise AssertionError("the list never ended")


def test_the_list_reads_every_page_of_the_instance_query_leaves_out_job_waits_and_is_newest_first() -> None:
    client = FakeClient()
    ids = _seed(client, 250)
    with client.serve_queries(page_size=100) as server:
        items = _walk(client, {"top": "100"})
    assert [item["id"] for item in items] == list(reversed(ids))
    assert all(item["request"] is None for item in items), "the list loads no inputs"
    assert {item["source"] for item in items} == {"http"}, "the source comes from the instance ID"
    # each of the three API pages read the whole query: five pages of 100 rows, the token sent back each time
    tokens = [token for _, token in server.requests]
    assert tokens == [None, "100", "200", "300", "400"] * 3


def test_the_query_asks_the_extension_for_the_filters_it_was_given() -> None:
    client = FakeClient()
    _seed(client, 3)
    with client.serve_queries() as server:
        _walk(client, {"status": "failed", "createdAfter": "2026-01-01T00:00:00Z"})
    query = server.requests[0][0]
    assert "runtimeStatus=Failed" in query and "createdTimeFrom=2026-01-01T00:00:00" in query
    assert query.endswith("showInput=false")


def test_an_unreachable_instance_query_is_a_503_problem() -> None:
    client = FakeClient()
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client._orchestration_bindings = type("Bindings", (), {"rpc_base_url": f"http://127.0.0.1:{port}/durabletask/"})()
    response = asyncio.run(http_api._list(http_request("GET", f"{BASE}/restores"), client))
    body = json.loads(response.get_body())
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert body["detail"] == "instance query failed: ConnectionError"


class _Answer:
    def __init__(self, token: str | None) -> None:
        self.status_code = 200
        self.headers = {instances.CONTINUATION_HEADER: token} if token is not None else {}

    def json(self) -> list[Any]:
        return []


@pytest.mark.parametrize("token", [None, "", "null", "bnVsbA=="])
def test_every_end_of_pages_the_extension_has_sent_ends_the_query(token: str | None,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(instances.requests, "get", lambda *args, **kwargs: _Answer(token))
    assert instances._get_page("http://127.0.0.1:1/durabletask/instances/", "abc") == ([], None)


def test_a_repeated_continuation_token_is_an_error_not_a_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(instances.requests, "get", lambda *args, **kwargs: _Answer("same"))
    client = FakeClient()
    client._orchestration_bindings = type("Bindings", (), {"rpc_base_url": "http://127.0.0.1:1/durabletask/"})()
    with pytest.raises(instances.InstanceQueryError, match="repeated a continuation token"):
        asyncio.run(instances.query_instances(client))
