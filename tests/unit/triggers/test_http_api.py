"""HTTP handlers against a fake durable client: status codes, headers, problems, nothing started on refusal."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from restore import settings
from restore.instance_ids import Source, instance_id_for
from restore.request import RestoreRequest
from tests.unit.triggers.fakes import IDS, T0, FakeClient, example, http_request, status
from triggers import http_api
from triggers.starter import build_order

BASE = "http://127.0.0.1:7071/api"


@pytest.fixture(autouse=True)
def app_settings(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("RESTORE_ALLOWED_SCOPES", f"/subscriptions/{IDS['SUBSCRIPTION']}/resourceGroups/rg-app,"
                                                 f"/subscriptions/{IDS['SUBSCRIPTION']}/resourceGroups/rg-restore")
    settings.get_settings.cache_clear()
    yield
    settings.get_settings.cache_clear()


def post(client: FakeClient, body: Any, headers: dict[str, str] | None = None, query: str = "") -> Any:
    params = dict(p.split("=") for p in query.split("&")) if query else {}
    req = http_request("POST", f"{BASE}/restores{'?' + query if query else ''}", body, headers, params=params)
    return asyncio.run(http_api._start(req, client))


async def _get(req: Any, client: FakeClient) -> Any:
    status_ = await http_api._restore_status(client, req.route_params["id"])
    if status_ is None:
        return http_api._not_found(req.route_params["id"])
    return await http_api._status_response(req, client, req.route_params["id"], status_)


def test_start_answers_202_with_location_retry_after_and_links() -> None:
    client = FakeClient()
    response = post(client, example("restore-disks.json"))
    body = json.loads(response.get_body())
    assert response.status_code == 202
    assert response.headers["Location"] == f"{BASE}/restores/{body['id']}" == body["statusUrl"]
    assert int(response.headers["Retry-After"]) > 0
    assert body["cancelUrl"].endswith(f"/restores/{body['id']}/cancel") and body["status"] == "running"
    assert client.started[0][2]["source"] == "http"


def test_the_function_key_given_in_the_query_travels_in_location() -> None:
    response = post(FakeClient(), example("restore-disks.json"), query="code=abc")
    assert response.headers["Location"].endswith("?code=abc")


def test_invalid_request_is_400_problem_naming_every_field_and_starts_nothing() -> None:
    client = FakeClient()
    response = post(client, {"vmId": "x", "mode": "newVm", "color": "red"})
    body = json.loads(response.get_body())
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    fields = {e["field"] for e in body["errors"]}
    assert {"vmId", "color", "targetVmName", "targetVnetId", "targetSubnetId", "targetResourceGroupId"} <= fields
    assert client.started == []


def test_non_json_body_is_400() -> None:
    req = http_request("POST", f"{BASE}/restores", raw=b"{nope")
    assert asyncio.run(http_api._start(req, FakeClient())).status_code == 400


def test_absurdly_nested_json_is_400_not_a_crash() -> None:
    client = FakeClient()
    req = http_request("POST", f"{BASE}/restores", raw=b"[" * 100_000 + b"]" * 100_000)
    assert asyncio.run(http_api._start(req, client)).status_code == 400
    assert client.started == []


def test_target_outside_allowed_scopes_is_403_and_starts_nothing() -> None:
    client = FakeClient()
    response = post(client, example("new-vm.json"))  # vnet in rg-net is outside the configured scopes
    body = json.loads(response.get_body())
    assert response.status_code == 403
    assert {e["field"] for e in body["errors"]} == {"targetVnetId", "targetSubnetId"}
    assert client.started == []


def get(client: FakeClient, instance_id: str) -> Any:
    """What `GET /api/restores/{id}` answers (the handler's body, without the durable-client binding)."""
    req = http_request("GET", f"{BASE}/restores/{instance_id}", route_params={"id": instance_id})

    async def answer() -> tuple[int, Any, dict[str, str]]:
        status_ = await http_api._restore_status(client, instance_id)
        response = await http_api._status_response(req, client, instance_id, status_)
        polling = {k: v for k, v in response.headers.items() if k in ("Location", "Retry-After")}
        return response.status_code, json.loads(response.get_body()), polling
    return asyncio.run(answer())


def _ended(instance: Any, runtime: str, output: Any) -> Any:
    if isinstance(output, dict):
        output = {**output, "request": instance.input_["request"]}
    return status(instance.instance_id, runtime, output=output, order=instance.input_)


def _outcome(status_: str, **fields: Any) -> dict[str, Any]:
    return {"status": status_, "phase": "done", "startedAt": "2026-03-01T08:00:00Z",
            "endedAt": "2026-03-01T09:00:00Z", **fields}


@pytest.mark.parametrize(("runtime", "output", "code"), [
    ("Running", None, 202),
    ("Completed", _outcome("succeeded", result={"jobId": "j", "restoredItems": 1}), 200),
    ("Completed", _outcome("failed", error={"code": "UserErrorStorageAccountNotFound", "message": "gone"}), 422),
    ("Completed", _outcome("cancelled", error={"code": "RestoreCancelled", "message": "stopped"}), 409),
    ("Failed", "Orchestrator function 'restore_vm' failed: boom", 422),
])
def test_a_repeated_idempotency_key_answers_exactly_what_get_answers(runtime: str, output: Any, code: int) -> None:
    client = FakeClient()
    first = post(client, example("restore-disks.json"), {"Idempotency-Key": "deploy-42"})
    restore_id = json.loads(first.get_body())["id"]
    if runtime != "Running":
        client.instances[restore_id] = _ended(client.instances[restore_id], runtime, output)
    repeat = post(client, example("restore-disks.json"), {"Idempotency-Key": "deploy-42"})
    code_now, body_now, polling_now = get(client, restore_id)
    assert (first.status_code, repeat.status_code, code_now) == (202, code, code)
    assert json.loads(repeat.get_body()) == body_now and body_now["id"] == restore_id
    polling = {k: v for k, v in repeat.headers.items() if k in ("Location", "Retry-After")}
    assert polling == polling_now and bool(polling) is (code == 202)
    assert len(client.started) == 1


def test_idempotency_key_may_come_as_a_body_field() -> None:
    client = FakeClient()
    response = post(client, {**example("restore-disks.json"), "idempotencyKey": "deploy-43"})
    assert json.loads(response.get_body())["id"] == instance_id_for(Source.HTTP, "deploy-43")


def test_same_key_with_a_different_body_is_409() -> None:
    client = FakeClient()
    post(client, example("restore-disks.json"), {"Idempotency-Key": "k"})
    response = post(client, example("selective-disks.json"), {"Idempotency-Key": "k"})
    assert response.status_code == 409 and len(client.started) == 1


def test_header_and_field_keys_must_agree() -> None:
    response = post(FakeClient(), {**example("restore-disks.json"), "idempotencyKey": "a"}, {"Idempotency-Key": "b"})
    assert response.status_code == 400


def test_get_of_an_unknown_or_sub_orchestration_id_is_404() -> None:
    client = FakeClient()
    client.instances["x:job"] = status("x:job", name="wait_for_restore_job")
    for instance_id in ("nope", "x:job"):
        req = http_request("GET", f"{BASE}/restores/{instance_id}", route_params={"id": instance_id})
        assert asyncio.run(_get(req, client)).status_code == 404


def test_running_view_reads_progress_from_the_job_sub_orchestration() -> None:
    client = FakeClient()
    client.instances["r1"] = status("r1", custom={"phase": "waitingForJob", "jobId": "j"})
    client.instances["r1:job"] = status("r1:job", custom={"progress": 60.0}, name="wait_for_restore_job")
    req = http_request("GET", f"{BASE}/restores/r1", route_params={"id": "r1"})
    view = json.loads(asyncio.run(_get(req, client)).get_body())
    assert view["progress"] == 60.0 and view["statusUrl"] == f"{BASE}/restores/r1"


def test_list_filters_by_status_and_pages_with_a_next_link() -> None:
    client = FakeClient()
    order = build_order(RestoreRequest.model_validate(example("restore-disks.json")), Source.HTTP, T0, None)
    for i in range(3):
        client.instances[f"r{i}"] = status(f"r{i}", "Completed", output={"status": "succeeded"}, order=order)
    client.instances["f"] = status("f", "Failed", output="x")
    req = http_request("GET", f"{BASE}/restores?status=succeeded&top=2", params={"status": "succeeded", "top": "2"})
    with client.serve_queries():
        body = json.loads(asyncio.run(http_api._list(req, client)).get_body())
        assert len(body["items"]) == 2 and all(i["status"] == "succeeded" for i in body["items"])
        token = body["nextLink"].split("continuationToken=")[1]
        req2 = http_request("GET", body["nextLink"], params={"status": "succeeded", "top": "2",
                                                             "continuationToken": token})
        rest = json.loads(asyncio.run(http_api._list(req2, client)).get_body())
    assert len(rest["items"]) == 1 and rest["nextLink"] is None
    assert {i["id"] for i in body["items"] + rest["items"]} == {"r0", "r1", "r2"}


def test_list_rejects_bad_queries() -> None:
    req = http_request("GET", f"{BASE}/restores", params={"status": "done", "createdAfter": "2026-01-01T00:00:00"})
    response = asyncio.run(http_api._list(req, FakeClient()))
    fields = {e["field"] for e in json.loads(response.get_body())["errors"]}
    assert response.status_code == 400 and {"status[0]", "createdAfter"} <= fields
