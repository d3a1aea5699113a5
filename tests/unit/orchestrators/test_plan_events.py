"""`restore_plan` emits one `plan.finished` custom event per plan, on its last episode of its last execution only."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest

from orchestrators import plan as plan_module
from restore.events import CUSTOM_EVENT_ATTRIBUTE, PlanFinished
from tests.unit.orchestrators.replay import Replay
from tests.unit.orchestrators.test_plan import PLAN_ID, VM, outcome, plan_order, run

ALIASES = {f.alias for f in PlanFinished.model_fields.values()}
STEP = timedelta(minutes=3)  # service time that passes between two steps of the plan


def _later(replay: Replay) -> bool:
    replay.now += STEP
    return False


def finished(caplog: pytest.LogCaptureFixture, order: dict[str, Any], answer: Any = None
             ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    with caplog.at_level(logging.INFO, logger="orchestrators"):
        replay, _ = run(order, answer=answer, hook=_later)
    events = [vars(r) for r in caplog.records if getattr(r, CUSTOM_EVENT_ATTRIBUTE, None) == PlanFinished.NAME]
    return events, replay.output


def test_a_succeeded_plan_emits_one_event_with_its_counts_groups_policy_and_duration(
        caplog: pytest.LogCaptureFixture) -> None:
    groups = [{"name": "db", "vms": [VM + "db0"]}, {"name": "web", "vms": [VM + "web0", VM + "web1"]}]
    events, out = finished(caplog, plan_order(groups=groups, onFailure="continue"))
    assert len(events) == 1  # every episode replays the plan; only the last one, not replaying, emits
    event = events[0]
    assert event["msg"] == "plan.finished"
    assert {k: event[k] for k in ALIASES - {"durationSeconds", "errorCode"}} == {
        "planId": PLAN_ID, "outcome": "succeeded", "dryRun": "false", "onFailure": "continue", "groups": 2,
        "vms": 3, "vmsSucceeded": 3, "vmsFailed": 0, "vmsCancelled": 0, "vmsSkipped": 0, "vmsValidated": 0}
    assert event["durationSeconds"] == out["summary"]["totalSeconds"] > 0
    assert "errorCode" not in event


def test_a_failed_plan_counts_its_failed_and_skipped_vms(caplog: pytest.LogCaptureFixture) -> None:
    groups = [{"name": "db", "vms": [VM + "db0", VM + "db1"]}, {"name": "web", "vms": [VM + "web0"]}]

    def answer(request: dict[str, Any]) -> dict[str, Any]:
        return outcome(request, "failed", error={"code": "UserErrorDiskSpace", "message": "no space"}) \
            if request["vmId"].endswith("db1") else outcome(request)

    events, _ = finished(caplog, plan_order(groups=groups), answer)
    assert len(events) == 1
    counts = {k: events[0][k] for k in ("outcome", "onFailure", "vmsSucceeded", "vmsFailed", "vmsSkipped")}
    assert counts == {"outcome": "failed", "onFailure": "stopAfterGroup", "vmsSucceeded": 1, "vmsFailed": 1,
                      "vmsSkipped": 1}


def test_a_dry_run_counts_validated_vms(caplog: pytest.LogCaptureFixture) -> None:
    events, _ = finished(caplog, plan_order(vmIds=[VM + "db0", VM + "db1"], dryRun=True),
                         lambda r: outcome(r, dryRun=True))
    assert len(events) == 1
    assert (events[0]["dryRun"], events[0]["vmsValidated"], events[0]["groups"]) == ("true", 2, 1)


def test_a_plan_that_continues_as_new_emits_once_at_its_very_end(caplog: pytest.LogCaptureFixture,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plan_module, "RESTORES_PER_EXECUTION", 2)
    events, out = finished(caplog, plan_order(vmIds=[VM + f"vm{n}" for n in range(5)], maxParallel=2))
    assert out["status"] == "succeeded"
    assert len(events) == 1 and events[0]["vmsSucceeded"] == 5 and events[0]["vms"] == 5
