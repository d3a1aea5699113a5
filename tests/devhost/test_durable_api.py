"""The durable HTTP API as the extension serves it, used by the real DurableOrchestrationClient."""

from __future__ import annotations

import uuid

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
