"""The durable HTTP API as the extension serves it, used by the real DurableOrchestrationClient."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.support.procs import Proc
from tests.support.wait import wait_until

from .conftest import start, status, wait_done


def test_check_status_response_points_at_this_host_and_status_goes_202_then_200(host: Proc) -> None:
    started = start(host, "approval", 3600)
    assert started.status_code == 202
    body = started.json()
    assert started.headers["Location"] == body["statusQueryGetUri"]
    assert body["statusQueryGetUri"].startswith(host.url + "/runtime/webhooks/durabletask/instances/")
    running = wait_until(lambda: requests.get(body["statusQueryGetUri"], timeout=10),
                         lambda r: r.json()["runtimeStatus"] == "Running", what="running")
    assert running.status_code == 202
    assert running.headers["Location"]
    assert running.headers["Retry-After"] == "5"
    event_url = body["sendEventPostUri"].replace("{eventName}", "approve")
    assert requests.post(event_url, json={"by": "ops"}, timeout=10).status_code == 202
    done = wait_done(host, body["id"])
    assert done["runtimeStatus"] == "Completed"
    assert done["output"] == {"approved": {"by": "ops"}}
    assert requests.get(body["statusQueryGetUri"], timeout=10).status_code == 200
    assert requests.post(event_url, json=1, timeout=10).status_code == 410


def test_unknown_instance_is_404(host: Proc) -> None:
    assert status(host, "no-such-instance").status_code == 404
    assert requests.post(f"{host.url}/runtime/webhooks/durabletask/instances/nope/terminate", timeout=10).status_code \
        == 404


def test_start_with_existing_running_id_fails_and_finished_one_is_replaced(host: Proc) -> None:
    instance_id = f"dup-{uuid.uuid4().hex}"
    assert start(host, "approval", 3600, instance_id).status_code == 202
    assert start(host, "approval", 3600, instance_id).status_code == 500  # client raises on the host's 500
    terminate = requests.post(f"{host.url}/runtime/webhooks/durabletask/instances/{instance_id}/terminate",
                              params={"reason": "test"}, timeout=10)
    assert terminate.status_code == 202
    terminated = wait_done(host, instance_id)
    assert terminated["runtimeStatus"] == "Terminated"
    assert terminated["output"] == "test"
    assert start(host, "sequence", None, instance_id).status_code == 202
    replaced = wait_done(host, instance_id)
    assert replaced["name"] == "sequence"
    assert replaced["runtimeStatus"] == "Completed"


def test_show_history_and_input_and_custom_status(host: Proc) -> None:
    instance_id = start(host, "sequence", {"x": 1}).json()["id"]
    wait_done(host, instance_id)
    body = status(host, instance_id, showHistory="true", showHistoryOutput="true").json()
    assert body["customStatus"] == {"step": 2}
    events = body["historyEvents"]
    kinds = [e["EventType"] for e in events]
    # As DurableClient.cs shapes it: no Orchestrator* events, each TaskScheduled folded into its completion.
    assert kinds == ["ExecutionStarted", "TaskCompleted", "TaskCompleted", "ExecutionCompleted"]
    assert events[0]["FunctionName"] == "sequence"
    assert [e["FunctionName"] for e in events[1:3]] == ["double", "double"]
    assert all(e["ScheduledTime"] and "TaskScheduledId" not in e and "EventId" not in e for e in events[1:3])
    assert events[1]["Result"] == 2 and events[-1]["Result"]["a"] == 2
    hidden = status(host, instance_id, showHistory="true").json()["historyEvents"]
    assert all("Result" not in e for e in hidden)
    assert status(host, instance_id, showInput="false").json()["input"] is None


def test_list_filters_and_purge(host: Proc) -> None:
    prefix = f"lst-{uuid.uuid4().hex[:8]}-"
    for n in range(3):
        start(host, "sequence", None, f"{prefix}{n}")
    for n in range(3):
        wait_done(host, f"{prefix}{n}")
    base = f"{host.url}/runtime/webhooks/durabletask/instances/"
    listed = requests.get(base, params={"instanceIdPrefix": prefix, "runtimeStatus": "Completed"}, timeout=10)
    assert listed.status_code == 200
    assert sorted(s["instanceId"] for s in listed.json()) == [f"{prefix}{n}" for n in range(3)]
    assert requests.get(base, params={"instanceIdPrefix": prefix, "runtimeStatus": "Running"}, timeout=10).json() == []
    purged = requests.delete(base + f"{prefix}0", timeout=10)
    assert purged.status_code == 200
    assert purged.json() == {"instancesDeleted": 1}
    assert status(host, f"{prefix}0").status_code == 404
    assert requests.delete(base + f"{prefix}0", timeout=10).status_code == 404


BASE = "/runtime/webhooks/durabletask"


def test_instance_queries_page_by_100_with_a_continuation_token_and_show_input_by_default(host: Proc) -> None:
    prefix = f"page-{uuid.uuid4().hex[:8]}-"
    ids = [f"{prefix}{n:03d}" for n in range(250)]
    with ThreadPoolExecutor(8) as pool:
        codes = set(pool.map(lambda i: requests.post(f"{host.url}{BASE}/orchestrators/approval/{i}", json="3600",
                                                     timeout=30).status_code, ids))
    assert codes == {202}
    url, seen, token, pages = f"{host.url}{BASE}/instances/", [], "", []
    while True:
        got = requests.get(url, params={"instanceIdPrefix": prefix},
                           headers={"x-ms-continuation-token": token} if token else {}, timeout=30)
        assert got.status_code == 200
        assert "x-ms-continuation-token" in got.headers  # always sent; empty on the last page
        rows = got.json()
        pages.append(len(rows))
        seen += [r["instanceId"] for r in rows]
        assert all(r["input"] == "3600" for r in rows)  # showInput defaults to true for queries
        token = got.headers["x-ms-continuation-token"]
        if not token:
            break
    assert pages == [100, 100, 50]
    assert seen == ids  # Azure Storage returns rows in instance-ID (partition key) order
    small = requests.get(url, params={"instanceIdPrefix": prefix, "top": "30", "showInput": "false"}, timeout=30)
    assert len(small.json()) == 30 and small.json()[0]["input"] is None and small.headers["x-ms-continuation-token"]


def test_start_refusals_answer_as_the_extension_does(host: Proc) -> None:
    start_url = f"{host.url}{BASE}/orchestrators"
    unknown = requests.post(f"{start_url}/no_such_orchestrator", json=1, timeout=10)
    assert unknown.status_code == 400
    assert unknown.json()["Message"] == "One or more of the arguments submitted is incorrect"
    assert unknown.json()["ExceptionMessage"].startswith(
        "The function 'no_such_orchestrator' doesn't exist, is disabled, or is not an orchestrator function.")
    for bad_id, text in (("@entity", "must not start with @"), ("x" * 257, "must not exceed 256 characters")):
        refused = requests.post(f"{start_url}/sequence/{bad_id}", timeout=10)
        assert refused.status_code == 400 and text in refused.json()["ExceptionMessage"]
    not_json = requests.post(f"{start_url}/sequence", data=b"{nope", timeout=10)
    assert not_json.status_code == 400 and not_json.json()["Message"] == "Invalid JSON content"
    instance_id = f"busy-{uuid.uuid4().hex}"
    assert requests.post(f"{start_url}/approval/{instance_id}", json="3600", timeout=10).status_code == 202
    again = requests.post(f"{start_url}/approval/{instance_id}", json="3600", timeout=10)
    assert again.status_code == 500
    assert again.json()["Message"] == "Something went wrong while processing your request"
    assert again.json()["ExceptionMessage"] in ("An Orchestration instance with the status Pending already exists.",
                                                "An Orchestration instance with the status Running already exists.")
    assert again.json()["ExceptionType"] == "DurableTask.Core.Exceptions.OrchestrationAlreadyExistsException"


def test_raise_event_wants_json_and_a_running_instance(host: Proc) -> None:
    instance_id = f"evt-{uuid.uuid4().hex}"
    assert requests.post(f"{host.url}{BASE}/orchestrators/approval/{instance_id}", json="3600",
                         timeout=10).status_code == 202
    url = f"{host.url}{BASE}/instances/{instance_id}/raiseEvent/approve"
    plain = requests.post(url, data=b"yes", headers={"Content-Type": "text/plain"}, timeout=10)
    assert plain.status_code == 400
    assert plain.json()["Message"] == "Only application/json request content is supported"
    empty = requests.post(url, data=b"", headers={"Content-Type": "application/json"}, timeout=10)
    assert empty.status_code == 400 and empty.json()["Message"] == "Invalid JSON content"
    assert requests.post(f"{host.url}{BASE}/instances/nope/raiseEvent/approve", json=1, timeout=10).status_code == 404
    assert requests.post(url, json={"by": "ops"}, timeout=10).status_code == 202
    assert wait_done(host, instance_id)["output"] == {"approved": {"by": "ops"}}
    assert requests.post(url, json=1, timeout=10).status_code == 410


def test_purge_by_filter_needs_created_time_from(host: Proc) -> None:
    refused = requests.delete(f"{host.url}{BASE}/instances/", timeout=10)
    assert refused.status_code == 400
    assert refused.json() == "Please provide value for 'createdTimeFrom' parameter."
