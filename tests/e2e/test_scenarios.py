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


def test_a_zoned_new_vm_through_a_restore_identity_posts_its_zone_and_identity(stack: Stack) -> None:
    identity = f"{stack.ids['TARGET_RG_ID']}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-restore"
    body = {**example("new-vm.json", stack.ids), "zones": ["2"], "restoreIdentityId": identity, "diskLuns": [0]}
    final = stack.run(body)
    assert final.status_code == 200 and final.json()["status"] == "succeeded", final.text
    post = assert_one_restore(stack.azure, body, final.json())
    assert post.restore["zones"] == ["2"] and post.restore["identityInfo"]["managedIdentityResourceId"] == identity
    assert_job_ended(stack.azure, final.json(), "Completed")
