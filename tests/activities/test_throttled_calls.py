"""Every ARM call of every activity, throttled many times in a row by the emulator (429 + Retry-After 30), comes back
as a transient error carrying that Retry-After, never as a terminal one; once the storm ends the call goes through."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.activities.conftest import Emulator
from tests.activities.test_activities import WEB, call, prepared, value
from tests.support.wait import wait_until

IN_A_ROW = 5
RETRY_AFTER = 30
Setup = Callable[[Emulator], tuple[str, dict[str, Any]]]


def _trigger_payload(emu: Emulator, cross_region: bool = False) -> dict[str, Any]:
    request, item, point = prepared(emu, cross_region)
    return {"instanceId": "r-throttle", "startedAt": datetime.now(UTC).isoformat(), "item": item,
            "recoveryPoint": point, "request": request}


def _resolve(emu: Emulator) -> tuple[str, dict[str, Any]]:
    return "resolve_backup_item", {"vmId": emu.vm(WEB)["id"]}


def _select(cross_region: bool) -> Setup:
    def setup(emu: Emulator) -> tuple[str, dict[str, Any]]:
        _, item, _ = prepared(emu, cross_region)
        return "select_recovery_point", {"item": item, "policy": "latest", "now": datetime.now(UTC).isoformat(),
                                         "crossRegion": cross_region}
    return setup


def _validate(emu: Emulator) -> tuple[str, dict[str, Any]]:
    request, item, point = prepared(emu)
    return "validate_restore", {"item": item, "recoveryPoint": point, "request": request}


def _trigger(cross_region: bool) -> Setup:
    return lambda emu: ("trigger_restore", _trigger_payload(emu, cross_region))


def _operation(cross_region: bool) -> Setup:
    def setup(emu: Emulator) -> tuple[str, dict[str, Any]]:
        trig = value("trigger_restore", _trigger_payload(emu, cross_region))
        return "get_operation_status", {"url": trig["statusUrl"] or trig["resultUrl"], "crossRegion": cross_region}
    return setup


def _job_id(emu: Emulator, cross_region: bool) -> tuple[dict[str, Any], str]:
    payload = _trigger_payload(emu, cross_region)
    trig = value("trigger_restore", payload)
    url = trig["statusUrl"] or trig["resultUrl"]
    wait_until(lambda: value("get_operation_status", {"url": url, "crossRegion": cross_region}),
               lambda v: v["status"] == "Succeeded", timeout=30, what="the restore operation to succeed")
    found = wait_until(lambda: value("find_restore_job", {**payload, "crossRegion": cross_region}),
                       lambda v: v["jobId"], timeout=30, what="the restore job")
    return payload["item"], str(found["jobId"])


def _job(cross_region: bool) -> Setup:
    def setup(emu: Emulator) -> tuple[str, dict[str, Any]]:
        item, job_id = _job_id(emu, cross_region)
        return "get_restore_job", {"item": item, "jobId": job_id, "crossRegion": cross_region}
    return setup


def _find(cross_region: bool) -> Setup:
    def setup(emu: Emulator) -> tuple[str, dict[str, Any]]:
        payload = _trigger_payload(emu, cross_region)
        return "find_restore_job", {**payload, "crossRegion": cross_region}
    return setup


def _cancel(emu: Emulator) -> tuple[str, dict[str, Any]]:
    item, job_id = _job_id(emu, False)
    return "cancel_restore_job", {"item": item, "jobId": job_id}


# (name, method, path pattern of the throttled ARM call, what calls it)
CALLS: list[tuple[str, str, str, Setup]] = [
    ("vm-location", "GET", r"/virtualMachines/[^/?]+\?", _resolve),
    ("backup-status", "POST", r"/backupStatus\?", _resolve),
    ("recovery-points", "GET", r"/recoveryPoints\?", _select(False)),
    ("crr-recovery-points", "GET", r"/recoveryPoints\?", _select(True)),
    ("validate", "POST", r"/backupValidateOperation\?", _validate),
    ("trigger-job-lookup", "GET", r"/backupJobs\?", _trigger(False)),
    ("trigger-post", "POST", r"/restore\?", _trigger(False)),
    ("crr-aad-properties", "GET", r"/backupAadProperties\?", _trigger(True)),
    ("crr-access-token", "POST", r"/accessToken\?", _trigger(True)),
    ("crr-trigger-post", "POST", r"/backupCrossRegionRestore\?", _trigger(True)),
    ("crr-job-lookup", "POST", r"/backupCrrJobs\?", _find(True)),
    ("operation-poll", "GET", r"/(operationsStatus|operationResults)/", _operation(False)),
    ("crr-operation-poll", "GET", r"/backupCrr(OperationsStatus|OperationResults)/", _operation(True)),
    ("job-poll", "GET", r"/backupJobs/[^/?]+\?", _job(False)),
    ("crr-job-poll", "POST", r"/backupCrrJob\?", _job(True)),
    ("cancel", "POST", r"/backupJobs/[^/?]+/cancel\?", _cancel),
]


@pytest.mark.parametrize(("method", "pattern", "setup"), [c[1:] for c in CALLS], ids=[c[0] for c in CALLS])
def test_an_arm_call_throttled_many_times_in_a_row_is_transient_with_its_retry_after(
        emu: Emulator, method: str, pattern: str, setup: Setup) -> None:
    name, payload = setup(emu)
    emu.post("faults", {"method": method, "pathRegex": pattern, "times": IN_A_ROW, "response": {
        "status": 429, "headers": {"Retry-After": str(RETRY_AFTER)},
        "body": {"error": {"code": "TooManyRequests", "message": "Injected throttle"}}}})
    errors = [call(name, payload)["error"] for _ in range(IN_A_ROW)]
    assert all(e is not None for e in errors), "each call met the throttle"
    assert {(e["code"], e["status"], e["transient"], e["retryAfter"]) for e in errors} == {
        ("TooManyRequests", 429, True, RETRY_AFTER)}
    throttled = [r for r in emu.requests() if r["fault"] and r["method"] == method]
    assert len(throttled) == IN_A_ROW, "the throttle answered that ARM call, once per activity call"
    assert call(name, payload)["error"] is None, "after the storm the call goes through"
