"""Failure paths: each ends with a failed (422) or cancelled (409) restore that names the reason."""

from __future__ import annotations

import requests

from tests.e2e.helpers import Stack, example
from tests.support.azure_log import assert_cancelled_in_azure, assert_job_ended, assert_one_restore


def run_to_end(stack: Stack, body: dict[str, object]) -> tuple[int, dict[str, object]]:
    started = stack.start(body)
    assert started.status_code == 202, started.text
    final = stack.wait_final(started.json()["id"])
    return final.status_code, final.json()


def test_unprotected_vm_fails_with_the_reason(stack: Stack) -> None:
    body = {**example("restore-disks.json", stack.ids), "vmId": stack.ids["UNPROTECTED_VM_ID"]}
    code, result = run_to_end(stack, body)
    assert code == 422 and result["status"] == "failed"
    assert result["error"]["code"] and "protect" in (result["error"]["code"] + result["error"]["message"]).lower()
    assert stack.azure.restore_posts() == [] and stack.azure.restore_jobs() == {}


def test_missing_storage_account_fails_with_the_service_error(stack: Stack) -> None:
    missing = stack.ids["STORAGE_ACCOUNT_ID"].rsplit("/", 1)[0] + "/doesnotexist01"
    body = {**example("restore-disks.json", stack.ids), "storageAccountId": missing}
    code, result = run_to_end(stack, body)
    assert code == 422 and result["status"] == "failed"
    assert result["error"]["code"] == "UserErrorStorageAccountNotFound"
    assert stack.azure.restore_jobs() == {}, "a refused restore runs no job"


def test_validation_failure_fails_with_its_code_and_recommendations(stack: Stack) -> None:
    stack.scenario(validationErrors=[{"code": "UserErrorTargetQuotaExceeded", "message": "vCPU quota exceeded",
                                      "recommendations": ["Request more quota"]}])
    code, result = run_to_end(stack, example("restore-disks.json", stack.ids))
    assert code == 422 and result["status"] == "failed"
    assert result["error"]["code"] == "UserErrorTargetQuotaExceeded"
    assert "Request more quota" in result["error"]["recommendations"]
    assert stack.azure.restore_posts() == [] and stack.azure.restore_jobs() == {}, "nothing triggered"


def test_job_failure_fails_with_the_job_error(stack: Stack) -> None:
    stack.scenario(jobResult="Failed")
    body = example("restore-disks.json", stack.ids)
    code, result = run_to_end(stack, body)
    assert code == 422 and result["status"] == "failed"
    assert result["jobId"] and result["error"]["code"]
    assert_one_restore(stack.azure, body, result)
    assert_job_ended(stack.azure, result, "Failed")


def test_cancel_stops_a_running_restore_and_reports_cancelled(stack: Stack) -> None:
    stack.scenario(jobSeconds=36000)
    body = example("restore-disks.json", stack.ids)
    started = stack.start(body)
    restore_id = started.json()["id"]
    stack.wait_phase(restore_id, "waitingForJob")
    cancel = requests.post(started.json()["cancelUrl"], json={"reason": "wrong VM"}, timeout=30)
    assert cancel.status_code == 202, cancel.text
    final = stack.wait_final(restore_id)
    assert final.status_code == 409 and final.json()["status"] == "cancelled"
    assert_one_restore(stack.azure, body, final.json())
    assert_cancelled_in_azure(stack.azure, final.json()["jobId"])
    again = requests.post(started.json()["cancelUrl"], timeout=30)
    assert again.status_code == 409
