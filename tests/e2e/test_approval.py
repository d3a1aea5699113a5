"""Approval gates end to end: nothing reaches Azure before `approve`; reject and timeout leave nothing started.

Every assertion about Azure reads the emulator's request log and job list, not only the API's answer.
"""

from __future__ import annotations

import json
from typing import Any

import requests
from pytest_httpserver import HTTPServer

from tests.e2e.helpers import Stack, example
from tests.support.azure_log import assert_job_ended, assert_one_restore
from tests.support.wait import wait_until

LONG = {"required": True, "timeout": "PT6H", "approvers": ["alice", "bob"]}  # 36 s of wall time at scale 600


def arm_requests(stack: Stack) -> list[dict[str, Any]]:
    """Every ARM request the emulator served, its `path` without the query string."""
    response = requests.get(f"{stack.emulator.url}/_emulator/requests", timeout=10)
    assert response.status_code == 200, response.text
    return [{**r, "path": r["path"].split("?", 1)[0]} for r in response.json()["requests"]]


def restore_posts(stack: Stack) -> list[dict[str, Any]]:
    """Restore triggers that reached Azure (`.../recoveryPoints/{rp}/restore`)."""
    return [r for r in arm_requests(stack) if r["method"] == "POST" and r["path"].lower().endswith("/restore")]


def emulator_jobs(stack: Stack) -> list[dict[str, Any]]:
    response = requests.get(f"{stack.emulator.url}/_emulator/jobs", timeout=10)
    assert response.status_code == 200, response.text
    return [j for j in response.json()["jobs"] if j["properties"]["operation"] == "Restore"]


def decide(stack: Stack, restore_id: str, verb: str, body: Any, **headers: str) -> requests.Response:
    return requests.post(f"{stack.api}/restores/{restore_id}/{verb}", data=json.dumps(body),
                         headers={"Content-Type": "application/json", **headers}, timeout=30)


def start_awaiting(stack: Stack, approval: dict[str, Any] = LONG, **extra: Any) -> str:
    response = stack.start({**example("restore-disks.json", stack.ids), "approval": approval, **extra})
    assert response.status_code == 202, response.text
    restore_id = str(response.json()["id"])
    stack.wait_phase(restore_id, "awaitingApproval")
    return restore_id


def test_a_restore_waits_for_approval_with_its_plan_and_posts_nothing_until_approved(stack: Stack,
                                                                                     httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hooks/restore", method="POST").respond_with_data("", status=204)
    restore_id = start_awaiting(stack, callbackUrl=httpserver.url_for("/hooks/restore"))
    view = stack.get(restore_id)
    assert view.status_code == 202
    approval = view.json()["approval"]
    assert approval["plan"]["mode"] == "restoreDisks" and approval["plan"]["validation"] == "passed"
    assert approval["plan"]["targets"]["storageAccountId"] == stack.ids["STORAGE_ACCOUNT_ID"]
    assert approval["plan"]["recoveryPoint"]["name"] and approval["approvers"] == ["alice", "bob"]
    validations = [r for r in arm_requests(stack) if r["path"].lower().endswith("/backupvalidateoperation")]
    assert validations, "the dry-run validation ran before the wait"
    assert restore_posts(stack) == [] and emulator_jobs(stack) == []
    assert_announced(stack, restore_id, approval, httpserver)

    assert decide(stack, restore_id, "approve", {"by": "mallory"}).status_code == 403
    missing = decide(stack, restore_id, "approve", {"reason": "no name"})
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "by"
    assert decide(stack, restore_id, "approve", {"by": "alice", "token": "x"}).status_code == 400
    assert restore_posts(stack) == []

    approved = decide(stack, restore_id, "approve", {"by": "alice", "reason": "INC-77"})
    assert approved.status_code == 202, approved.text
    final = stack.wait_final(restore_id)
    assert final.status_code == 200, final.text
    record = final.json()["approval"]["record"]
    assert record["decision"] == "approved" and record["by"] == "alice" and record["reason"] == "INC-77"
    assert len(restore_posts(stack)) == 1 and len(emulator_jobs(stack)) == 1
    assert_one_restore(stack.azure, example("restore-disks.json", stack.ids), final.json())
    assert_job_ended(stack.azure, final.json(), "Completed")
    assert decide(stack, restore_id, "approve", {"by": "alice"}).status_code == 409
    assert len(stack.grid_events()) == 1 and len(httpserver.log) == 2, "announced once; then the final callback"


def assert_announced(stack: Stack, restore_id: str, approval: dict[str, Any], httpserver: HTTPServer) -> None:
    """The callback and the Event Grid topic each heard once that the restore waits, with its plan and URLs."""
    calls = wait_until(lambda: list(httpserver.log), lambda log: len(log) >= 1, timeout=30, what="announcement")
    sent = json.loads(calls[0][0].get_data())
    assert sent["id"] == restore_id and sent["status"] == "awaitingApproval"
    assert sent["approval"]["plan"] == approval["plan"] and "Authorization" not in calls[0][0].headers
    [event] = wait_until(stack.grid_events, lambda events: len(events) >= 1, timeout=30, what="Event Grid event")
    assert event["type"] == "Contoso.Restore.ApprovalPending" and event["specversion"] == "1.0"
    assert event["subject"] == f"restores/{restore_id}" and event["data"]["restoreId"] == restore_id
    assert event["data"]["approval"]["plan"] == approval["plan"]
    assert event["data"]["approveUrl"] == f"{stack.api}/restores/{restore_id}/approve"
    assert event["data"]["rejectUrl"] == f"{stack.api}/restores/{restore_id}/reject"
    assert requests.get(event["data"]["statusUrl"], timeout=10).json()["phase"] == "awaitingApproval"


def test_a_rejected_restore_ends_cancelled_and_started_nothing_in_azure(stack: Stack) -> None:
    restore_id = start_awaiting(stack)
    assert decide(stack, restore_id, "reject", {"by": "bob", "reason": "wrong VM"}).status_code == 202
    final = stack.wait_final(restore_id)
    assert final.status_code == 409 and final.json()["status"] == "cancelled"
    body = final.json()
    assert body["error"]["code"] == "RestoreRejected" and "bob" in body["error"]["message"]
    assert body["approval"]["record"] == {**body["approval"]["record"], "decision": "rejected", "by": "bob",
                                          "reason": "wrong VM"}
    assert restore_posts(stack) == [] and emulator_jobs(stack) == []


def test_an_unapproved_restore_times_out_cancelled_and_triggered_nothing(stack: Stack) -> None:
    restore_id = start_awaiting(stack, {"required": True, "timeout": "PT10M"})
    final = stack.wait_final(restore_id)
    assert final.status_code == 409
    assert final.json()["error"]["code"] == "ApprovalTimedOut"
    assert final.json()["approval"]["record"]["decision"] == "expired"
    assert restore_posts(stack) == [] and emulator_jobs(stack) == []


def test_a_restore_that_does_not_wait_for_approval_refuses_a_decision(stack: Stack) -> None:
    response = stack.start(example("restore-disks.json", stack.ids))
    restore_id = response.json()["id"]
    refused = decide(stack, restore_id, "approve", {"by": "alice"})
    assert refused.status_code == 409, refused.text
    assert decide(stack, "rst-unknown", "reject", {"by": "alice"}).status_code == 404
    stack.wait_final(restore_id)


def test_the_decision_keeps_no_key_or_token_in_the_history(stack: Stack) -> None:
    restore_id = start_awaiting(stack)
    secret = "Bearer caller-secret-7f3a"
    response = decide(stack, restore_id, "approve", {"by": "alice"}, Authorization=secret,
                      **{"x-functions-key": "function-key-9c1d"})
    assert response.status_code == 202
    stack.wait_final(restore_id)
    history = requests.get(f"{stack.devhost.url}/runtime/webhooks/durabletask/instances/{restore_id}",
                           params={"showHistory": "true", "showHistoryOutput": "true", "showInput": "true"},
                           timeout=10).text
    assert "alice" in history, "the history was read"
    tokens = requests.get(f"{stack.emulator.url}/_emulator/tokens", timeout=10).json()["arm"]
    for needle in ["caller-secret-7f3a", "function-key-9c1d", *(t.get("token", "") for t in tokens if t.get("token"))]:
        assert needle not in history
