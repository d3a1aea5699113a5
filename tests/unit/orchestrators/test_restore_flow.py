"""`restore_vm` end to end through the real replay: the story, policies, restore kinds, CRR, results."""

from __future__ import annotations

import json

import pytest

from restore.contract import parse_failure_output
from tests.unit.orchestrators.fakes import ITEM, JOB_ID, POINT, SUB, VNET_ID, FakeAzure, err, job, ok, order
from tests.unit.orchestrators.replay import Replay, drive

HAPPY = ["get_restore_settings", "resolve_backup_item", "select_recovery_point", "validate_restore",
         "trigger_restore", "get_operation_status", "get_restore_job", "get_restore_job", "get_restore_job"]


def restore(fake: FakeAzure, **request: object) -> Replay:
    return drive(Replay("restore_vm", order(**request)), fake.handlers())


def test_restore_runs_every_step_in_order_and_completes_with_the_outcome() -> None:
    fake = FakeAzure()
    run = restore(fake)
    assert run.failure is None
    assert fake.names() == HAPPY
    out = run.output
    assert out["status"] == "succeeded" and out["phase"] == "done" and out["jobId"] == JOB_ID
    assert out["recoveryPoint"]["name"] == POINT["name"]
    assert out["result"]["jobId"] == JOB_ID and out["result"]["duration"] == "PT20M"
    assert out["startedAt"] == "2026-03-01T08:00:00Z" and out["endedAt"] == "2026-03-01T08:03:00Z"
    assert run.custom_status["phase"] == "done" and run.custom_status["outcome"] == "succeeded"


def test_custom_status_walks_the_phases_and_stays_small() -> None:
    run = restore(FakeAzure())
    phases = [s["phase"] for s in run.statuses if s]
    expected = ["resolving", "selectingRecoveryPoint", "validating", "triggering", "waitingForOperation",
                "waitingForJob", "done"]
    assert [p for i, p in enumerate(phases) if i == 0 or phases[i - 1] != p] == expected
    assert all(len(json.dumps(s)) < 2048 for s in run.statuses if s)
    waiting = next(s for s in run.statuses if s and s["phase"] == "waitingForOperation" and s["nextPollAt"])
    assert waiting["nextPollAt"] == "2026-03-01T08:01:00+00:00"
    assert waiting["recoveryPoint"]["name"] == POINT["name"]


def test_activity_inputs_carry_the_instance_start_time_and_request() -> None:
    fake = FakeAzure()
    restore(fake)
    trigger = fake.inputs("trigger_restore")[0]
    assert trigger["instanceId"] == "restore-1" and trigger["startedAt"] == "2026-03-01T08:00:00Z"
    assert trigger["item"]["protectedItemId"] == ITEM["protectedItemId"]
    assert trigger["recoveryPoint"]["name"] == POINT["name"]
    assert trigger["request"]["mode"] == "restoreDisks"
    assert fake.inputs("get_operation_status")[0]["url"].endswith("operationsStatus/op-1?api-version=2019-05-13")
    assert fake.inputs("get_restore_job")[0] == {"item": fake.inputs("trigger_restore")[0]["item"],
                                                  "jobId": JOB_ID, "crossRegion": False}


@pytest.mark.parametrize(("request_fields", "expected"), [
    ({}, {"policy": "latest", "recoveryPointId": None, "allowArchive": False}),
    ({"recoveryPointPolicy": "latestAppConsistent"}, {"policy": "latestAppConsistent"}),
    ({"recoveryPointPolicy": "latestCrashConsistent", "before": "2026-02-20T00:00:00Z"},
     {"policy": "latestCrashConsistent", "before": "2026-02-20T00:00:00Z"}),
    ({"recoveryPointPolicy": "latestFileSystemConsistent", "maxAge": "P7D"},
     {"policy": "latestFileSystemConsistent", "maxAge": "P7D"}),
    ({"recoveryPointPolicy": None, "recoveryPointId": "348916168024334"}, {"recoveryPointId": "348916168024334"}),
    ({"rehydration": {"priority": "High", "durationDays": 15}}, {"allowArchive": True}),
])
def test_selection_gets_the_policy_and_its_limits(request_fields: dict[str, object],
                                                  expected: dict[str, object]) -> None:
    fake = FakeAzure()
    restore(fake, **request_fields)
    select = fake.inputs("select_recovery_point")[0]
    assert select["now"] == "2026-03-01T08:00:00Z"
    assert {k: select[k] for k in expected} == expected


@pytest.mark.parametrize(("mode", "extra", "vm_id"), [
    ("restoreDisks", {}, None),
    ("replaceDisks", {}, ITEM["vmId"]),
    ("newVm", {"targetResourceGroupId": f"/subscriptions/{SUB}/resourceGroups/rg2", "targetVmName": "vm9",
               "targetVnetId": VNET_ID, "targetSubnetId": f"{VNET_ID}/subnets/default"},
     f"/subscriptions/{SUB}/resourceGroups/rg2/providers/Microsoft.Compute/virtualMachines/vm9"),
])
def test_each_restore_kind_reaches_validation_and_trigger_and_reports_its_target(
        mode: str, extra: dict[str, object], vm_id: str | None) -> None:
    fake = FakeAzure()
    run = restore(fake, mode=mode, **extra)
    assert fake.inputs("validate_restore")[0]["request"]["mode"] == mode
    assert fake.inputs("trigger_restore")[0]["request"]["mode"] == mode
    assert run.output["result"]["vmId"] == vm_id


def test_cross_region_restore_finds_the_job_when_the_operation_names_none() -> None:
    fake = FakeAzure().then("get_operation_status", ok({"status": "InProgress", "retryAfter": 60}),
                            ok({"status": "Succeeded", "retryAfter": 60}))
    fake.then("find_restore_job", ok({}), ok({"jobId": JOB_ID}))
    run = restore(fake, crossRegion=True)
    assert run.output["status"] == "succeeded" and run.output["jobId"] == JOB_ID
    assert [i["crossRegion"] for i in fake.inputs("get_operation_status")] == [True, True]
    assert len(fake.inputs("find_restore_job")) == 2
    assert fake.inputs("find_restore_job")[0]["startedAt"] == "2026-03-01T08:00:00Z"
    assert fake.inputs("resolve_backup_item")[0]["crossRegion"] is True
    assert fake.inputs("select_recovery_point")[0]["crossRegion"] is True
    assert all(i["crossRegion"] for i in fake.inputs("get_restore_job"))


def test_trigger_that_already_knows_the_job_skips_the_operation() -> None:
    fake = FakeAzure().then("trigger_restore", ok({"jobId": JOB_ID, "reused": True}))
    run = restore(fake)
    assert "get_operation_status" not in fake.names()
    assert run.output["jobId"] == JOB_ID


def test_validation_problems_fail_the_restore_before_anything_starts() -> None:
    issues = [{"code": "UserErrorCoreCountSubscriptionQuotaReached", "message": "Core Count quota reached.",
               "recommendations": ["Contact Azure support to increase the limits."]},
              {"code": "UserErrorStorageAccountNotFound", "message": "No storage.", "recommendations": []}]
    fake = FakeAzure().then("validate_restore", ok({"results": issues}))
    run = restore(fake)
    assert "trigger_restore" not in fake.names()
    outcome = parse_failure_output(run.failure)
    assert outcome is not None and outcome["status"] == "failed" and outcome["phase"] == "validating"
    assert outcome["error"]["code"] == "UserErrorCoreCountSubscriptionQuotaReached"
    assert "UserErrorStorageAccountNotFound: No storage." in outcome["error"]["message"]
    assert outcome["error"]["recommendations"] == ["Contact Azure support to increase the limits."]
    assert [v["code"] for v in outcome["validation"]] == [i["code"] for i in issues]


def test_validation_can_be_turned_off() -> None:
    fake = FakeAzure(settings={"validateBeforeRestore": False})
    run = restore(fake)
    assert "validate_restore" not in fake.names() and run.output["status"] == "succeeded"


def test_failed_job_fails_the_restore_with_the_job_error() -> None:
    failed = job("Failed", 40.0, errors=[{"code": "UserErrorDiskQuota", "message": "Disk quota exceeded",
                                          "recommendations": ["Free some disks"]}])
    run = restore(FakeAzure(final_job=failed))
    outcome = parse_failure_output(run.failure)
    assert outcome is not None and outcome["jobId"] == JOB_ID and outcome["phase"] == "waitingForJob"
    assert outcome["error"]["code"] == "UserErrorDiskQuota"
    assert outcome["error"]["message"] == "Disk quota exceeded"
    assert outcome["error"]["recommendations"] == ["Free some disks"]
    assert run.custom_status["phase"] == "done" and run.custom_status["error"]["code"] == "UserErrorDiskQuota"


def test_job_with_warnings_succeeds_and_lists_them_with_what_was_restored() -> None:
    done = job("CompletedWithWarnings", 100.0, errors=[{"code": "W1", "message": "extension skipped"}],
               propertyBag={"Config Blob Uri": "https://sa.blob.core.windows.net/c/config.json",
                            "Restored Disks": '["disk-os", "disk-data0"]'})
    run = restore(FakeAzure(final_job=done))
    result = run.output["result"]
    assert run.output["status"] == "succeeded" and result["warnings"] == ["W1: extension skipped"]
    assert result["configBlobUri"] == "https://sa.blob.core.windows.net/c/config.json"
    assert result["disks"] == ["disk-os", "disk-data0"]
    assert result["restoredItems"] == ["disk-os", "disk-data0", result["configBlobUri"]]


def test_failed_operation_fails_the_restore_with_the_arm_error() -> None:
    fake = FakeAzure().then("get_operation_status", err("UserErrorRestoreInProgress", "Another restore runs",
                                                        status=200))
    outcome = parse_failure_output(restore(fake).failure)
    assert outcome is not None and outcome["phase"] == "waitingForOperation"
    assert outcome["error"]["code"] == "UserErrorRestoreInProgress"
    assert "get_restore_job" not in fake.names()


def test_operation_that_ends_cancelled_without_error_fails_the_restore() -> None:
    fake = FakeAzure().then("get_operation_status", ok({"status": "Canceled"}))
    outcome = parse_failure_output(restore(fake).failure)
    assert outcome is not None and outcome["error"]["code"] == "RestoreOperationFailed"


def test_missing_job_after_a_succeeded_operation_fails_after_bounded_lookups() -> None:
    fake = FakeAzure().then("get_operation_status", ok({"status": "Succeeded"}))
    fake.defaults["find_restore_job"] = ok({})
    outcome = parse_failure_output(restore(fake).failure)
    assert outcome is not None and outcome["error"]["code"] == "RestoreJobNotFound"
    assert len(fake.inputs("find_restore_job")) == 5


def test_unprotected_vm_fails_at_once_with_the_resolver_error() -> None:
    fake = FakeAzure().then("resolve_backup_item", err("VmNotProtected", "VM vm1 is not protected", status=404))
    run = restore(fake)
    outcome = parse_failure_output(run.failure)
    assert fake.names() == ["get_restore_settings", "resolve_backup_item"]
    assert outcome is not None and outcome["phase"] == "resolving" and outcome["recoveryPoint"] is None
    assert outcome["error"] == {"code": "VmNotProtected", "message": "VM vm1 is not protected", "status": 404,
                                "transient": False, "retryAfter": None, "requestId": None, "target": None,
                                "recommendations": []}


def test_an_activity_that_raises_fails_the_restore_as_activity_failed() -> None:
    run = Replay("restore_vm", order()).start()
    run.complete("get_restore_settings", ok({}))
    run.fail("resolve_backup_item", "ValueError: boom", "traceback")
    outcome = parse_failure_output(run.failure)
    assert outcome is not None and outcome["error"]["code"] == "ActivityFailed"
    assert "boom" in outcome["error"]["message"]


def test_failure_message_is_the_outcome_json_as_durable_tooling_shows_it() -> None:
    fake = FakeAzure().then("resolve_backup_item", err("NotFound", status=404))
    run = restore(fake)
    assert run.failure is not None and json.loads(run.failure)["status"] == "failed"
    shown = f"Orchestrator function 'restore_vm' failed: {run.failure}"
    assert parse_failure_output(shown) == json.loads(run.failure)


def test_cross_region_restore_skips_primary_region_validation() -> None:
    fake = FakeAzure().then("select_recovery_point", ok({**POINT, "crossRegion": True}))
    run = restore(fake, crossRegion=True)
    assert run.output["status"] == "succeeded"
    assert "validate_restore" not in fake.names()
    assert "trigger_restore" in fake.names()
