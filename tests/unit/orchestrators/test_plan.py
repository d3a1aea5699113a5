"""`restore_plan` through the real SDK replay, scheduled as the extension does (tests/unit/orchestrators/replay.py).

The plan's `restore_vm` children are answered here with their outcome, so each test sees exactly what the plan
starts, when, and with what.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest

from orchestrators import plan as plan_module
from tests.unit.orchestrators.fakes import ITEM, SETTINGS, STORAGE_ID, SUB, ok
from tests.unit.orchestrators.replay import ACTIVITY, TIMER, Replay
from tests.unit.orchestrators.replay import SUB as SUB_KIND

VM = f"/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/"
PLAN_ID = "pln-" + "a" * 32


def plan_order(**plan: Any) -> dict[str, Any]:
    return {"plan": {"storageAccountId": STORAGE_ID, **plan}, "requestedAt": "2026-03-01T07:59:00Z"}


def outcome(request: dict[str, Any], status: str = "succeeded", **extra: Any) -> dict[str, Any]:
    return {"status": status, "phase": "done", "request": request, "jobId": "job-" + request["vmId"][-3:],
            "startedAt": "2026-03-01T08:00:00Z", "endedAt": "2026-03-01T08:40:00Z", **extra}


def handlers() -> dict[str, Any]:
    return {"get_restore_settings": lambda _: ok(SETTINGS),
            "resolve_backup_item": lambda p: ok({**ITEM, "vmId": p.get("vmId"), "vaultRegion": "westeurope"}),
            "poll_vault_jobs": lambda p: ok({"waiting": 0, "listed": 0, "ended": []})}


CHILDREN: list[tuple[str, dict[str, Any]]] = []  # (instance ID, input) of every child the last `run` answered


def run(order: dict[str, Any], answer: Any = None, hook: Any = None, max_steps: int = 20000) -> tuple[Replay, int]:
    """Drive the plan: activities by handler, each child (oldest first) by `answer(request)`; peak children."""
    replay = Replay("restore_plan", order, instance_id=PLAN_ID).start()
    table, peak = handlers(), 0
    CHILDREN.clear()
    for _ in range(max_steps):
        if replay.is_done:
            return replay, peak
        if hook is not None and hook(replay):
            continue
        activities, children = replay.pending(ACTIVITY), replay.pending(SUB_KIND)
        peak = max(peak, len(children))
        if activities:
            replay.complete(activities[0], table[activities[0].name](activities[0].input))
        elif children:
            request = children[0].input["request"]
            CHILDREN.append((str(children[0].instance_id), children[0].input))
            replay.complete(children[0], (answer or outcome)(request))
        elif timers := sorted((t for t in replay.pending(TIMER) if not t.cancelled), key=lambda t: t.fire_at):
            replay.fire(timers[0])  # a start held back by the read budget (orchestrators/plan_throttle.py)
        else:
            raise AssertionError(f"the plan waits for nothing: {replay.pending()}")
    raise AssertionError("the plan did not finish")


def test_groups_run_in_order_with_deterministic_child_ids_and_bounded_parallelism() -> None:
    groups = [{"name": "db", "vms": [VM + f"db{n}" for n in range(3)]},
              {"name": "web", "vms": [VM + f"web{n}" for n in range(5)]}]
    replay, peak = run(plan_order(groups=groups, maxParallel=2))
    out = replay.output
    assert out["status"] == "succeeded" and out["summary"]["counts"] == {"succeeded": 8}
    assert peak == 2
    assert [instance for instance, _ in CHILDREN] == [f"{PLAN_ID}:{n}" for n in range(8)]
    assert [order["request"]["vmId"][-4:] for _, order in CHILDREN] == \
        ["/db0", "/db1", "/db2", "web0", "web1", "web2", "web3", "web4"]
    assert all(order["source"] == "plan" and order["dryRun"] is False for _, order in CHILDREN)


def test_the_next_group_starts_only_after_every_restore_of_the_group_before_has_ended() -> None:
    groups = [{"name": "db", "vms": [VM + "db0", VM + "db1"]}, {"name": "web", "vms": [VM + "web0"]}]
    seen: list[tuple[str, int]] = []

    def hook(replay: Replay) -> bool:
        children = replay.pending(SUB_KIND)
        seen.extend((c.input["request"]["vmId"][-4:], len(children)) for c in children)
        return False

    replay, _ = run(plan_order(groups=groups), hook=hook)
    assert replay.output["status"] == "succeeded"
    assert ("web0", 1) in seen and not any(vm == "web0" and n > 1 for vm, n in seen)


def test_stop_after_group_skips_later_groups_and_reports_the_failure() -> None:
    groups = [{"name": "db", "vms": [VM + "db0", VM + "db1"]}, {"name": "web", "vms": [VM + "web0"]}]
    error = {"code": "UserErrorDiskSpace", "message": "no space", "recommendations": ["free some"]}

    def answer(request: dict[str, Any]) -> dict[str, Any]:
        return outcome(request, "failed", error=error) if request["vmId"].endswith("db1") else outcome(request)

    replay, _ = run(plan_order(groups=groups), answer=answer)
    out = replay.output
    assert out["status"] == "failed"
    assert [vm["state"] for vm in out["vms"]] == ["succeeded", "failed", "skipped"]
    assert out["summary"]["failures"][0]["error"]["code"] == "UserErrorDiskSpace"


def test_on_failure_continue_runs_every_group() -> None:
    groups = [{"name": "db", "vms": [VM + "db0"]}, {"name": "web", "vms": [VM + "web0"]}]
    replay, _ = run(plan_order(groups=groups, onFailure="continue"),
                    answer=lambda r: outcome(r, "failed", error={"code": "X", "message": "x"})
                    if r["vmId"].endswith("db0") else outcome(r))
    assert [vm["state"] for vm in replay.output["vms"]] == ["failed", "succeeded"]


def test_an_unresolvable_vm_stops_the_plan_before_any_restore_starts() -> None:
    table = handlers()
    table["resolve_backup_item"] = lambda p: ok({**ITEM, "vmId": p["vmId"], "vaultRegion": "westeurope"}) \
        if not p["vmId"].endswith("web0") else {"value": None, "error": {
            "code": "VmNotProtected", "message": "VM web0 is not protected", "transient": False}}
    replay = Replay("restore_plan", plan_order(groups=[{"name": "db", "vms": [VM + "db0"]},
                                                       {"name": "web", "vms": [VM + "web0"]}]),
                    instance_id=PLAN_ID).start()
    while not replay.is_done:
        task = replay.pending(ACTIVITY)[0]
        replay.complete(task, table[task.name](task.input))
    out = replay.output
    assert out["error"]["code"] == "PlanInvalid" and out["problems"][0]["field"] == "groups[1].vms[0]"
    assert [vm["state"] for vm in out["vms"]] == ["skipped", "skipped"]
    assert not [e for e in replay.history if e["EventType"] == 7]


def test_a_big_plan_continues_as_new_so_each_history_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plan_module, "RESTORES_PER_EXECUTION", 10)  # the real budget is 100: same rule, faster
    monkeypatch.setattr(plan_module, "READS_PER_RESTORE", 0)  # no read-budget holds: this test counts restores
    vms = [VM + f"vm{n:03d}" for n in range(35)]
    replay, peak = run(plan_order(groups=[{"name": "db", "vms": vms[:5]}, {"name": "app", "vms": vms[5:]}],
                                  maxParallel=4))
    out = replay.output
    assert out["status"] == "succeeded" and out["summary"]["counts"] == {"succeeded": 35}
    assert [vm["restoreId"] for vm in out["vms"]] == [f"{PLAN_ID}:{n}" for n in range(35)]
    assert [instance for instance, _ in CHILDREN] == [f"{PLAN_ID}:{n}" for n in range(35)]
    assert replay.generations == 4 and peak == 4
    assert max(replay.history_sizes[1:]) <= 10 * 6, replay.history_sizes  # ~4 events a restore + episodes
    assert replay.statuses[-1]["executions"] == 4


def test_a_cancel_starts_no_more_and_waits_for_the_running_restores() -> None:
    groups = [{"name": "db", "vms": [VM + "db0", VM + "db1"]}, {"name": "web", "vms": [VM + "web0"]}]
    raised = []

    def hook(replay: Replay) -> bool:
        if not raised and len(replay.pending(SUB_KIND)) == 2:
            raised.append(True)
            replay.raise_event("cancel", {})
            return True
        return False

    replay, _ = run(plan_order(groups=groups), answer=lambda r: outcome(r, "cancelled"), hook=hook)
    out = replay.output
    assert out["status"] == "cancelled" and out["cancelRequested"] is True
    assert [vm["state"] for vm in out["vms"]] == ["cancelled", "cancelled", "skipped"]
    assert replay.statuses[-2]["cancelRequested"] is True


def test_restore_starts_keep_to_the_read_budget_of_their_subscription() -> None:
    vms = [VM + f"vm{n:02d}" for n in range(12)]
    table = handlers()
    # A bucket of 15 reads, refilled at 1 a second.
    table["get_restore_settings"] = lambda _: ok({**SETTINGS, "planArmReadsPerMinute": 60})
    replay = Replay("restore_plan", plan_order(groups=[{"name": "all", "vms": vms}], maxParallel=12),
                    instance_id=PLAN_ID).start()
    started: dict[int, Any] = {}
    for _ in range(5000):
        if replay.is_done:
            break
        started.update({c.id: replay.now for c in replay.pending(SUB_KIND) if c.id not in started})
        activities = replay.pending(ACTIVITY)
        timers = sorted((t for t in replay.pending(TIMER) if not t.cancelled), key=lambda t: t.fire_at)
        if activities:
            replay.complete(activities[0], table[activities[0].name](activities[0].input))
        elif len(started) < len(vms) and timers:
            replay.fire(timers[0])  # time passes: the bucket refills
        else:
            replay.complete(replay.pending(SUB_KIND)[0], outcome(replay.pending(SUB_KIND)[0].input["request"]))
    assert replay.output["status"] == "succeeded"
    # The 12 resolves took 36 reads (the bucket and 21 s of refill); each start takes 6 reads: 6 s of refill.
    times = sorted(started.values())
    gaps = [(b - a).total_seconds() for a, b in pairwise(times)]
    assert len(times) == 12 and all(gap >= 6 for gap in gaps), str(gaps)
