"""`RESTORE_ON_DELETE_TAGS`: a delete-started restore reads the deleted VM's resource group tags first and goes on
only when they match; other restores never read them."""

from __future__ import annotations

from typing import Any

from restore.contract import parse_failure_output
from tests.unit.orchestrators.fakes import SUB, VM_ID, VNET_ID, FakeAzure, err, order
from tests.unit.orchestrators.replay import Replay, drive


def deleted(fake: FakeAzure) -> Replay:
    body = order(mode="newVm", targetResourceGroupId=f"/subscriptions/{SUB}/resourceGroups/rg1", targetVmName="vm1",
                 targetVnetId=VNET_ID, targetSubnetId=f"{VNET_ID}/subnets/default")
    return drive(Replay("restore_vm", {**body, "source": "delete"}), fake.handlers())


def filtered(tags: dict[str, Any]) -> FakeAzure:
    return FakeAzure(settings={"deleteTags": tags})


def test_a_matching_group_lets_the_restore_go_on() -> None:
    fake = filtered({"ENV": "prod"})
    run = deleted(fake)
    assert fake.inputs("get_resource_group_tags") == [{"vmId": VM_ID}]
    assert fake.names().index("get_resource_group_tags") < fake.names().index("resolve_backup_item")
    assert run.output["status"] == "succeeded" and "trigger_restore" in fake.names()


def test_a_group_without_the_tags_ends_cancelled_before_the_vault_is_asked() -> None:
    fake = filtered({"env": "test", "restore-on-delete": None})
    run = deleted(fake)
    assert run.failure is None and run.output["status"] == "cancelled" and run.output["phase"] == "resolving"
    error = run.output["error"]
    assert error["code"] == "DeleteTagsNotMatched"
    assert "'env' is not 'test'" in error["message"] and "no tag 'restore-on-delete'" in error["message"]
    assert "resolve_backup_item" not in fake.names() and "trigger_restore" not in fake.names()


def test_a_group_that_cannot_be_read_fails_the_restore_and_starts_nothing() -> None:
    fake = filtered({"env": "prod"})
    fake.defaults["get_resource_group_tags"] = err("AuthorizationFailed", "no read on the group", status=403)
    outcome = parse_failure_output(deleted(fake).failure)
    assert outcome is not None and outcome["status"] == "failed"
    assert outcome["error"]["code"] == "AuthorizationFailed"
    assert "trigger_restore" not in fake.names()


def test_without_a_filter_or_for_other_sources_the_tags_are_not_read() -> None:
    unfiltered = FakeAzure()
    deleted(unfiltered)
    http = filtered({"env": "test"})
    run = drive(Replay("restore_vm", order()), http.handlers())
    assert run.output["status"] == "succeeded"
    assert unfiltered.inputs("get_resource_group_tags") == [] and http.inputs("get_resource_group_tags") == []
