"""Every examples/ request runs to success through the local host and the emulator, and Azure saw exactly the
restore it asked for."""

from __future__ import annotations

import json

import pytest

from tests.e2e.helpers import Stack, example
from tests.support.azure_log import assert_job_ended, assert_one_restore

SCENARIOS = ["restore-disks.json", "selective-disks.json", "replace-disks.json", "new-vm.json", "cross-region.json",
             "archive-rehydration.json"]


@pytest.mark.parametrize("name", SCENARIOS)
def test_example_restore_runs_to_success(stack: Stack, name: str) -> None:
    body = example(name, stack.ids)
    started = stack.start(body)
    assert started.status_code == 202, started.text
    restore_id = started.json()["id"]
    final = stack.wait_final(restore_id)
    result = final.json()
    assert final.status_code == 200, json.dumps(result)
    assert result["status"] == "succeeded" and result["phase"] == "done"
    assert result["jobId"] and result["result"]["jobId"] == result["jobId"]
    assert result["recoveryPoint"]["name"]
    assert result["request"]["vmId"] == body["vmId"] and result["request"]["mode"] == body["mode"]
    assert result["progress"] == 100.0 and result["error"] is None
    assert_one_restore(stack.azure, body, result)
    assert_job_ended(stack.azure, result, "Completed")
