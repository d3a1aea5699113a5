"""`trigger_restore` adopts only its own job: same VM, point, mode, targets and staging account, started since the
orchestration recorded the attempt. Another restore's job on the same VM and point is never taken for ours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.activities.conftest import Emulator
from tests.activities.test_activities import RESTORE_POST, call, prepared, value
from tests.support.wait import wait_until

IN_PROGRESS = "UserErrorAnotherRestoreInProgressOnSameTarget"


def _first_restore(emu: Emulator) -> tuple[dict[str, Any], str]:
    """Another orchestration's restore of vm-web-01 (running); returns its trigger payload and its job ID."""
    request, item, point = prepared(emu)
    started = (datetime.now(UTC) - timedelta(seconds=5)).isoformat()
    payload = {"instanceId": "r-other", "startedAt": started, "item": item, "recoveryPoint": point,
               "request": request}
    first = value("trigger_restore", payload)
    op = wait_until(lambda: value("get_operation_status", {"url": first["statusUrl"]}), lambda v: v.get("jobId"),
                    timeout=30, what="operation job ID")
    return payload, str(op["jobId"])


def _other_group(emu: Emulator, request: dict[str, Any]) -> str:
    """A westeurope group the request uses neither as its target nor for its staging account."""
    own = {"/".join(str(request["storageAccountId"]).split("/")[:5]).lower(),
           str(request.get("targetResourceGroupId") or "").lower()}
    return next(g["id"] for g in emu.get("inventory")["resourceGroups"]
                if g["region"] == "westeurope" and g["id"].lower() not in own)


def _posts(emu: Emulator) -> int:
    return len([r for r in emu.requests() if r["method"] == "POST" and RESTORE_POST in r["path"]])


@pytest.mark.parametrize("change", ["targets", "later attempt"])
def test_another_restores_job_on_the_same_vm_and_point_is_not_adopted(emu: Emulator, change: str) -> None:
    payload, other_job = _first_restore(emu)
    if change == "targets":
        request = {**payload["request"], "targetResourceGroupId": _other_group(emu, payload["request"])}
        mine = {**payload, "instanceId": "r-mine", "request": request}
    else:  # same request, but this orchestration recorded its attempt after the other job had started
        job = value("get_restore_job", {"item": payload["item"], "jobId": other_job})
        later = (datetime.fromisoformat(job["startTime"]) + timedelta(minutes=5)).isoformat()
        mine = {**payload, "instanceId": "r-mine", "startedAt": later}
    result = call("trigger_restore", mine)
    assert result["value"] is None or result["value"].get("jobId") != other_job
    # It posts its own restore, which the service refuses while the other runs: a clean error, nothing adopted.
    assert result["error"] is not None and result["error"]["code"] == IN_PROGRESS
    assert _posts(emu) == 2
    assert call("find_restore_job", {k: mine[k] for k in ("item", "recoveryPoint", "startedAt", "request")}) \
        ["value"] == {"jobId": None}


def test_a_redelivered_trigger_with_the_same_attempt_adopts_its_own_job(emu: Emulator) -> None:
    payload, job = _first_restore(emu)
    again = value("trigger_restore", payload)
    assert again["reused"] is True and again["jobId"] == job
    assert _posts(emu) == 1


def test_a_full_recovery_point_id_of_another_item_is_refused_before_anything_is_posted(emu: Emulator) -> None:
    _, item, point = prepared(emu)
    other = point["id"].split("/protectedItems/")[0] + "/protectedItems/vm;iaasvmcontainerv2;rg;other/recoveryPoints/" \
        + point["name"]
    result = call("select_recovery_point", {"item": item, "recoveryPointId": other, "policy": "latest",
                                            "now": datetime.now(UTC).isoformat()})
    assert result["error"] is not None and result["error"]["code"] == "RecoveryPointNotOfItem"
    assert not result["error"]["transient"]
    same = call("select_recovery_point", {"item": item, "recoveryPointId": point["id"].upper(), "policy": "latest",
                                          "now": datetime.now(UTC).isoformat()})
    assert same["error"] is None and same["value"]["name"] == point["name"]
