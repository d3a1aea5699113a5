"""`restore_plan` with a resource group selector: the listed VMs that are protected are restored, the others are
reported (failing in a dry run, skipped in a run) and never started."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.orchestrators import test_plan
from tests.unit.orchestrators.fakes import ITEM, SUB, ok
from tests.unit.orchestrators.test_plan import CHILDREN, VM, outcome, plan_order, run

SHOP = f"/subscriptions/{SUB}/resourceGroups/rg1"
NOT_PROTECTED = {"value": None, "error": {"code": "VmNotProtected", "message": "VM web1 is not protected by Azure "
                                          "Backup (protectionStatus NotProtected)", "transient": False}}
LISTED: list[dict[str, Any]] = []


@pytest.fixture(autouse=True)
def _group_of_three(monkeypatch: pytest.MonkeyPatch) -> None:
    """rg1 holds db0, web0 and web1; web1 has no backup."""
    base = test_plan.handlers

    def handlers() -> dict[str, Any]:
        table = base()
        table["list_plan_vms"] = lambda p: LISTED.append(p) or ok({"vms": [
            {"vmId": VM + name} for name in ("db0", "web0", "web1")]})
        table["resolve_backup_item"] = lambda p: NOT_PROTECTED if p["vmId"].endswith("web1") else ok(
            {**ITEM, "vmId": p["vmId"], "vaultRegion": "westeurope"})
        return table

    LISTED.clear()
    monkeypatch.setattr(test_plan, "handlers", handlers)


def test_only_the_protected_vms_of_the_groups_are_restored() -> None:
    replay, _ = run(plan_order(resourceGroupIds=[SHOP], tags={"app": "shop"}))
    out = replay.output
    assert LISTED == [{"vaultId": None, "resourceGroupIds": [SHOP], "tags": {"app": "shop"}, "crossRegion": False}]
    assert sorted(order["request"]["vmId"].rsplit("/", 1)[-1] for _, order in CHILDREN) == ["db0", "web0"]
    assert out["status"] == "succeeded", out
    assert [vm["state"] for vm in out["vms"]] == ["succeeded", "succeeded", "skipped"]
    assert out["vms"][2]["error"]["code"] == "VmNotProtected" and out["problems"] == []


def test_a_dry_run_reports_an_unprotected_vm_as_failing_with_the_reason() -> None:
    replay, _ = run(plan_order(groups=[{"name": "app", "selector": {"resourceGroupIds": [SHOP]}}], dryRun=True),
                    answer=lambda r: outcome(r, dryRun=True))
    out = replay.output
    assert out["status"] == "failed" and out["dryRun"] is True
    assert [vm["state"] for vm in out["vms"]] == ["validated", "validated", "failed"]
    failure = out["summary"]["failures"][0]
    assert failure["vmId"] == VM + "web1" and "not protected" in failure["error"]["message"]
    assert len(CHILDREN) == 2
