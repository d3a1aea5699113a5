"""The approval gate of `restore_plan` through the real SDK replay: every VM is checked (dry runs `{plan}:{n}:check`),
then nothing starts before `approve`; reject and timeout end the plan `cancelled` with nothing started."""

from __future__ import annotations

import json
from typing import Any

import pytest

from orchestrators import plan as plan_module
from restore.contract import PointSummary
from restore.plan_status import (
    MAX_APPROVAL_VMS_SHOWN,
    ApprovalVm,
    GroupCounts,
    PlanApprovalStatus,
    PlanCustomStatus,
    PlanPhase,
    VmState,
)
from tests.unit.orchestrators.fakes import POINT, SETTINGS, ok
from tests.unit.orchestrators.replay import ACTIVITY, EVENT, TIMER, Replay
from tests.unit.orchestrators.replay import SUB as SUB_KIND
from tests.unit.orchestrators.test_plan import PLAN_ID, VM, handlers, outcome, plan_order

APPROVAL = {"required": True, "timeout": "PT2H", "approvers": ["alice"]}
ROUND = [(EVENT, "approve"), (EVENT, "reject"), (EVENT, "cancel"), (TIMER, None)]


def _answer(request: dict[str, Any], dry_run: bool) -> dict[str, Any]:
    point = {**POINT, "name": "rp-" + request["vmId"][-3:]}
    return outcome(request, recoveryPoint=point, dryRun=dry_run) if dry_run else outcome(request)


class Plan:
    """A plan driven by hand: activities answered by `handlers()` (+ `publish_event`), children by their outcome."""

    def __init__(self, answer: Any = None, **plan: Any) -> None:
        self.answer = answer or _answer
        self.replay = Replay("restore_plan", plan_order(**plan), instance_id=PLAN_ID).start()
        self.table = {**handlers(), "publish_event": self._published,
                      "get_restore_settings": lambda _: ok({**SETTINGS, "eventsEnabled": True})}
        self.children: list[tuple[str, dict[str, Any]]] = []
        self.events: list[dict[str, Any]] = []

    def _published(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.events.append(payload)
        return ok({"published": True, "status": 200})

    def drive(self) -> Plan:
        """Answer everything until the plan ends or waits only for events and timers."""
        for _ in range(5000):
            if self.replay.is_done:
                return self
            activities, children = self.replay.pending(ACTIVITY), self.replay.pending(SUB_KIND)
            if activities:
                self.replay.complete(activities[0], self.table[activities[0].name](activities[0].input))
            elif children:
                order = children[0].input
                self.children.append((str(children[0].instance_id), order))
                self.replay.complete(children[0], self.answer(order["request"], order["dryRun"]))
            elif (held := self._budget_timers()):
                self.replay.fire(held[0])  # a start held back by the read budget (orchestrators/plan_throttle.py)
            else:
                return self
        raise AssertionError("the plan did not settle")

    def _budget_timers(self) -> list[Any]:
        """The read budget's timers (time passes, the bucket refills); never the approval's own timeout."""
        if (self.replay.custom_status or {}).get("phase") == "awaitingApproval":
            return []
        return sorted((t for t in self.replay.pending(TIMER) if not t.cancelled), key=lambda t: t.fire_at)

    def started(self) -> list[tuple[str, dict[str, Any]]]:
        """The real restores (not the checks)."""
        return [(i, o) for i, o in self.children if not o["dryRun"]]


def _kinds(actions: list[dict[str, Any]]) -> list[tuple[Any, Any]]:
    return [(a["actionType"], a.get("externalEventName")) for a in actions]


def awaiting(**plan: Any) -> Plan:
    groups = [{"name": "db", "vms": [VM + "db0"]}, {"name": "web", "vms": [VM + "web0", VM + "web1"]}]
    run = Plan(**{"groups": groups, "approval": APPROVAL, **plan}).drive()
    assert not run.replay.is_done, run.replay.output
    return run


def test_a_plan_that_asks_for_approval_checks_every_vm_then_waits_and_starts_nothing() -> None:
    run = awaiting()
    assert [i for i, _ in run.children] == [f"{PLAN_ID}:{n}:check" for n in range(3)]
    assert all(o["dryRun"] is True and o["source"] == "plan" for _, o in run.children)
    assert all("approval" not in o["request"] for _, o in run.children)
    assert run.started() == []
    status = run.replay.custom_status
    assert status["phase"] == "awaitingApproval"
    approval = status["approval"]
    assert approval["total"] == 3 and approval["validated"] == 3 and approval["modes"] == {"restoreDisks": 3}
    assert approval["approvers"] == ["alice"] and approval["record"] is None
    assert [(v["index"], v["vmId"][-3:], v["recoveryPoint"]["name"]) for v in approval["vms"]] == \
        [(0, "db0", "rp-db0"), (1, "eb0", "rp-eb0"), (2, "eb1", "rp-eb1")]
    assert _kinds(run.replay.new_actions()) == ROUND
    [event] = run.events
    assert event["kind"] == "approvalPending" and event["instanceId"] == PLAN_ID
    assert event["data"]["approval"]["total"] == 3


def test_approval_starts_the_restores_from_the_points_shown_and_records_who_approved() -> None:
    run = awaiting(recoveryPointPolicy="latest")
    run.replay.raise_event("approve", {"by": "alice", "reason": "DR drill", "at": "2026-03-01T08:30:00+00:00"})
    run.drive()
    out = run.replay.output
    assert out["status"] == "succeeded" and out["summary"]["counts"] == {"succeeded": 3}
    assert out["approval"] == {"by": "alice", "reason": "DR drill", "at": "2026-03-01T08:30:00+00:00",
                               "decision": "approved"}
    started = run.started()
    assert [i for i, _ in started] == [f"{PLAN_ID}:{n}" for n in range(3)]
    assert [o["request"]["recoveryPointId"] for _, o in started] == ["rp-db0", "rp-eb0", "rp-eb1"]
    assert all("recoveryPointPolicy" not in o["request"] and "approval" not in o["request"] for _, o in started)


def test_rejection_ends_the_plan_cancelled_with_who_and_why_and_starts_nothing() -> None:
    run = awaiting()
    run.replay.raise_event("reject", json.dumps({"by": "alice", "reason": "wrong region"}))
    run.drive()
    out = run.replay.output
    assert out["status"] == "cancelled" and out["error"]["code"] == "PlanRejected"
    assert "alice" in out["error"]["message"] and "wrong region" in out["error"]["message"]
    assert out["approval"]["decision"] == "rejected"
    assert run.started() == []


def test_no_decision_before_the_timeout_ends_the_plan_cancelled_and_starts_nothing() -> None:
    run = awaiting()
    run.replay.fire(run.replay.timer())
    run.drive()
    out = run.replay.output
    assert out["status"] == "cancelled" and out["error"]["code"] == "ApprovalTimedOut"
    assert "PT2H" in out["error"]["message"] and out["approval"]["decision"] == "expired"
    assert run.started() == []


def test_a_decision_by_someone_not_listed_is_dropped_and_a_fresh_wait_starts() -> None:
    run = awaiting()
    first = run.replay.timer()
    run.replay.raise_event("approve", {"by": "mallory"})
    run.drive()
    assert not run.replay.is_done and run.started() == []
    assert first.cancelled and run.replay.timer() is not first
    assert _kinds(run.replay.new_actions()) == ROUND
    run.replay.raise_event("approve", {"by": "alice"})
    run.drive()
    assert run.replay.output["status"] == "succeeded" and len(run.started()) == 3


def test_a_cancel_while_awaiting_approval_ends_the_plan_cancelled_and_starts_nothing() -> None:
    run = awaiting()
    run.replay.raise_event("cancel", {"requestedAt": "2026-03-01T08:10:00Z"})
    run.drive()
    assert run.replay.output["status"] == "cancelled" and run.started() == []


def test_a_failed_check_ends_the_plan_failed_before_any_approval_is_asked() -> None:
    groups = [{"name": "web", "vms": [VM + "web0", VM + "web1"]}]
    error = {"code": "UserErrorDiskSpace", "message": "no space"}

    def failing(request: dict[str, Any], dry_run: bool) -> dict[str, Any]:
        if request["vmId"].endswith("web1"):
            return outcome(request, "failed", error=error, dryRun=True)
        return _answer(request, dry_run)

    run = Plan(failing, groups=groups, approval=APPROVAL).drive()
    out = run.replay.output
    assert out["status"] == "failed" and out["error"]["code"] == "PlanCheckFailed"
    assert "web1: UserErrorDiskSpace" in out["error"]["message"]
    assert run.events == [] and run.started() == []


def test_a_plan_checked_over_several_executions_waits_once_with_a_compact_status(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plan_module, "RESTORES_PER_EXECUTION", 10)  # the real budget is 100: same rule, faster
    vms = [VM + f"vm-with-a-long-name-{n:04d}" for n in range(45)]  # checks span five executions (continue-as-new)
    run = Plan(vmIds=vms, approval=APPROVAL, maxParallel=10).drive()
    status = run.replay.custom_status
    assert status["phase"] == "awaitingApproval" and status["executions"] == 5
    approval = status["approval"]
    assert approval["total"] == 45 and approval["validated"] == 45
    assert len(approval["vms"]) == MAX_APPROVAL_VMS_SHOWN and approval["vms"][-1]["index"] == MAX_APPROVAL_VMS_SHOWN - 1
    assert len(run.events) == 1 and run.started() == []
    run.replay.raise_event("approve", {"by": "alice"})
    run.drive()
    out = run.replay.output
    assert out["status"] == "succeeded" and out["summary"]["counts"] == {"succeeded": 45}
    assert [i for i, _ in run.started()] == [f"{PLAN_ID}:{n}" for n in range(45)]
    assert all(o["request"]["recoveryPointId"].startswith("rp-") for _, o in run.started())
    assert out["approval"]["by"] == "alice"


def test_the_approval_status_of_a_1000_vm_plan_stays_compact() -> None:
    longest = VM.replace("rg1", "r" * 90) + "v" * 64
    point = PointSummary.model_validate({**POINT, "name": "9" * 20})
    vms = [ApprovalVm(index=n, vm_id=longest, mode="replaceDisks", recovery_point=point,
                      validation="passed") for n in range(MAX_APPROVAL_VMS_SHOWN)]
    approval = PlanApprovalStatus(requested_at="2026-03-01T08:00:00Z", expires_at="2026-03-02T08:00:00Z",
                                  approvers=["a" * 40] * 10, total=1000, modes={"replaceDisks": 1000},
                                  validated=1000, vms=vms)
    assert len(json.dumps(approval.dump()).encode("utf-16-le")) < 8 * 1024  # half of the 16 KB (Learn
    # custom-orchestration-status), whatever the plan's size
    groups = [GroupCounts(name=f"tier-{g}", total=100, counts={VmState.PENDING: 100}) for g in range(10)]
    status = PlanCustomStatus(phase=PlanPhase.AWAITING_APPROVAL, total=1000, counts={VmState.PENDING: 1000},
                              groups=groups, approval=approval)
    assert len(json.dumps(status.dump()).encode("utf-16-le")) < 16 * 1024
