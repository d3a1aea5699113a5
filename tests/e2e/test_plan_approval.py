"""Plan approval end to end: a plan checks every VM, then nothing reaches Azure before `approve`; reject and timeout
leave nothing started. Assertions on what reached Azure read the emulator's request log and job list."""

from __future__ import annotations

import json
from typing import Any

import requests

from tests.e2e.helpers import Stack
from tests.e2e.test_approval import arm_requests, emulator_jobs, restore_posts
from tests.e2e.test_plans import _final, _seed_vms, _start
from tests.support.wait import wait_until

LONG = {"required": True, "timeout": "PT6H", "approvers": ["alice"]}  # 36 s of wall time at scale 600


def decide(stack: Stack, plan_id: str, verb: str, body: Any) -> requests.Response:
    return requests.post(f"{stack.api}/plans/{plan_id}/{verb}", data=json.dumps(body),
                         headers={"Content-Type": "application/json"}, timeout=30)


def awaiting(stack: Stack, approval: dict[str, Any] = LONG, count: int = 3) -> tuple[str, list[str]]:
    vms = _seed_vms(stack, count, prefix="vm-gate")
    groups = [{"name": "db", "vms": vms[:1]}, {"name": "web", "vms": vms[1:]}]
    plan_id = _start(stack, {"groups": groups, "storageAccountId": stack.ids["STORAGE_ACCOUNT_ID"],
                             "approval": approval})
    wait_until(lambda: requests.get(f"{stack.api}/plans/{plan_id}", timeout=30).json(),
               lambda b: b.get("phase") == "awaitingApproval", timeout=120, interval=0.2,
               what=f"plan {plan_id} to await approval")
    return plan_id, vms


def test_a_plan_waits_for_approval_with_every_vm_checked_and_posts_nothing_until_approved(stack: Stack) -> None:
    plan_id, vms = awaiting(stack)
    view = requests.get(f"{stack.api}/plans/{plan_id}", timeout=30)
    assert view.status_code == 202
    body = view.json()
    assert body["approval"]["total"] == 3 and body["approval"]["validated"] == 3
    assert body["approval"]["approvers"] == ["alice"] and body["approval"]["record"] is None
    assert sorted(v["state"] for v in body["vms"]) == ["validated"] * 3
    points = {v["index"]: v["recoveryPoint"]["name"] for v in body["vms"]}
    validations = [r for r in arm_requests(stack) if r["path"].lower().endswith("/backupvalidateoperation")]
    assert len(validations) == 3, "every VM was validated before the wait"
    assert restore_posts(stack) == [] and emulator_jobs(stack) == []
    [event] = wait_until(stack.grid_events, lambda events: len(events) >= 1, timeout=30, what="Event Grid event")
    assert event["subject"] == f"plans/{plan_id}" and event["data"]["planId"] == plan_id
    assert event["data"]["approveUrl"] == f"{stack.api}/plans/{plan_id}/approve"
    assert event["data"]["rejectUrl"] == f"{stack.api}/plans/{plan_id}/reject"

    assert decide(stack, plan_id, "approve", {"by": "mallory"}).status_code == 403
    assert decide(stack, plan_id, "approve", {"reason": "no name"}).status_code == 400
    assert decide(stack, f"{plan_id}:0", "approve", {"by": "alice"}).status_code == 404
    assert restore_posts(stack) == []

    assert decide(stack, plan_id, "approve", {"by": "alice", "reason": "DR drill"}).status_code == 202
    final = _final(stack, plan_id)
    assert final.status_code == 200, final.text
    out = final.json()
    assert out["status"] == "succeeded" and out["approval"]["by"] == "alice" and out["approval"]["reason"] == "DR drill"
    posts = restore_posts(stack)
    assert len(posts) == 3 and len(emulator_jobs(stack)) == 3
    assert {p["path"].split("/recoveryPoints/")[1].split("/")[0] for p in posts} == set(points.values()), \
        "each restore ran from the point the plan showed"
    assert {v["restoreId"] for v in out["vms"]} == {f"{plan_id}:{n}" for n in range(3)}
    assert decide(stack, plan_id, "approve", {"by": "alice"}).status_code == 409
    assert len(vms) == 3


def test_a_rejected_plan_ends_cancelled_and_started_nothing_in_azure(stack: Stack) -> None:
    plan_id, _ = awaiting(stack)
    assert decide(stack, plan_id, "reject", {"by": "alice", "reason": "wrong region"}).status_code == 202
    final = _final(stack, plan_id)
    assert final.status_code == 409 and final.json()["status"] == "cancelled"
    body = final.json()
    assert body["error"]["code"] == "PlanRejected" and "wrong region" in body["error"]["message"]
    assert body["approval"]["decision"] == "rejected" and body["approval"]["by"] == "alice"
    assert restore_posts(stack) == [] and emulator_jobs(stack) == []


def test_an_unapproved_plan_times_out_cancelled_and_triggered_nothing(stack: Stack) -> None:
    plan_id, _ = awaiting(stack, {"required": True, "timeout": "PT10M"}, count=2)
    final = _final(stack, plan_id)
    assert final.status_code == 409
    body = final.json()
    assert body["error"]["code"] == "ApprovalTimedOut" and body["approval"]["decision"] == "expired"
    assert restore_posts(stack) == [] and emulator_jobs(stack) == []


def test_a_plan_cancelled_while_it_awaits_approval_ends_cancelled_and_triggered_nothing(stack: Stack) -> None:
    plan_id, _ = awaiting(stack, count=2)
    assert requests.post(f"{stack.api}/plans/{plan_id}/cancel", timeout=30).status_code == 202
    final = _final(stack, plan_id)
    assert final.status_code == 409 and final.json()["status"] == "cancelled"
    assert final.json()["cancelRequested"] is True and final.json()["approval"] is None
    assert restore_posts(stack) == [] and emulator_jobs(stack) == []
