"""Which Azure job a restore treats as its own (`activities/jobs.py`): same VM, same point, started since it began."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from activities.jobs import CLOCK_SKEW, bag_point_time, find_our_restore, is_our_restore, restore_jobs_filter
from azbackup.models_job import Job
from restore.request import RestoreRequest
from restore.values import RecoveryPointInfo

STARTED = datetime(2026, 3, 1, 8, 0, 0, tzinfo=UTC)
POINT = RecoveryPointInfo(id="/x/recoveryPoints/348916168024334", name="348916168024334",
                          time=datetime(2026, 2, 28, 22, 0, 37, 512000, tzinfo=UTC), type="AppConsistent")
# A request that sets no target: the bag's targets prove nothing either way (activities/jobs.py `targets_match`).
REQUEST = RestoreRequest.model_validate({
    "vmId": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1/providers/Microsoft.Compute/"
            "virtualMachines/vm1", "mode": "restoreDisks",
    "storageAccountId": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1/providers/"
                        "Microsoft.Storage/storageAccounts/staging1"})
BAG_KEY = "Recovery point time "  # the service's key has a trailing space (emulator/restore_effects.py follows it)


def job(name: str = "j1", *, vm: str = "vm1", operation: str = "Restore", start: datetime | None = STARTED,
        bag: dict[str, Any] | None = None) -> Job:
    props: dict[str, Any] = {"entityFriendlyName": vm, "operation": operation, "status": "InProgress",
                             "jobType": "AzureIaaSVMJob"}
    if start is not None:
        props["startTime"] = start.isoformat().replace("+00:00", "Z")
    if bag is not None:
        props["extendedInfo"] = {"propertyBag": bag}
    return Job.model_validate({"name": name, "properties": props})


def point_bag(text: str) -> dict[str, Any]:
    return {BAG_KEY: text, "Target storage account name": "staging1"}


@pytest.mark.parametrize("text", [
    "2/28/2026 10:00:37 PM",       # the portal's and the service's US format (no leading zero)
    "02/28/2026 10:00:00 PM",
    "2026-02-28T22:00:37Z",
    "2026-02-28T22:00:59+00:00",
])
def test_each_property_bag_time_format_of_the_service_names_the_point_to_the_minute(text: str) -> None:
    assert bag_point_time(job(bag=point_bag(text))) == datetime(2026, 2, 28, 22, 0)
    assert is_our_restore(job(bag=point_bag(text)), "vm1", POINT, STARTED, REQUEST)


@pytest.mark.parametrize("text", [
    "2/28/2026 9:00:37 PM",
    "2026-02-28T22:01:00Z",
    "2026-02-27T22:00:37+00:00",
    "3/1/2026 10:00:37 PM",
])
def test_a_job_restoring_another_point_of_the_same_vm_is_not_ours(text: str) -> None:
    assert not is_our_restore(job(bag=point_bag(text)), "vm1", POINT, STARTED, REQUEST)


def test_a_property_bag_without_a_readable_point_time_does_not_decide() -> None:
    assert bag_point_time(job(bag={"Target storage account name": "staging1"})) is None
    assert bag_point_time(job(bag={BAG_KEY: "yesterday"})) is None
    assert bag_point_time(job(bag={BAG_KEY: 42})) is None
    assert bag_point_time(job()) is None
    assert is_our_restore(job(bag={BAG_KEY: "yesterday"}), "vm1", POINT, STARTED, REQUEST)


def test_a_job_of_another_vm_is_not_ours_whatever_its_case() -> None:
    assert not is_our_restore(job(vm="vm2"), "vm1", POINT, STARTED, REQUEST)
    assert not is_our_restore(job(vm="vm10"), "vm1", POINT, STARTED, REQUEST)
    assert is_our_restore(job(vm="VM1"), "vm1", POINT, STARTED, REQUEST)


def test_only_restore_jobs_count() -> None:
    assert not is_our_restore(job(operation="Backup"), "vm1", POINT, STARTED, REQUEST)
    assert not is_our_restore(job(operation="ConfigureBackup"), "vm1", POINT, STARTED, REQUEST)
    assert is_our_restore(job(operation="CrossRegionRestore"), "vm1", POINT, STARTED, REQUEST)
    assert is_our_restore(job(operation="restore"), "vm1", POINT, STARTED, REQUEST)


def test_a_job_started_before_the_restore_began_is_an_older_restore_not_ours() -> None:
    older = job(start=STARTED - CLOCK_SKEW - timedelta(seconds=1), bag=point_bag("2/28/2026 10:00:37 PM"))
    assert not is_our_restore(older, "vm1", POINT, STARTED, REQUEST)
    within_skew = job(start=STARTED - CLOCK_SKEW, bag=point_bag("2/28/2026 10:00:37 PM"))
    assert is_our_restore(within_skew, "vm1", POINT, STARTED, REQUEST)


def test_a_job_without_a_start_time_is_not_ours() -> None:
    assert not is_our_restore(job(start=None), "vm1", POINT, STARTED, REQUEST)


def test_the_newest_of_our_jobs_wins_and_others_are_ignored() -> None:
    jobs = [job("older-restore", start=STARTED - timedelta(hours=3)),
            job("ours-first", start=STARTED + timedelta(minutes=1)),
            job("ours-newest", start=STARTED + timedelta(minutes=5), bag=point_bag("2/28/2026 10:00:37 PM")),
            job("other-point", start=STARTED + timedelta(minutes=7), bag=point_bag("2/27/2026 10:00:37 PM")),
            job("other-vm", vm="vm2", start=STARTED + timedelta(minutes=9)),
            job("backup", operation="Backup", start=STARTED + timedelta(minutes=9)),
            job("no-start", start=None)]
    found = find_our_restore(jobs, "vm1", POINT, STARTED, REQUEST, lambda j: j)
    assert found is not None and found.job_id == "ours-newest"
    assert find_our_restore(jobs[:1] + jobs[3:], "vm1", POINT, STARTED, REQUEST, lambda j: j) is None
    assert find_our_restore([], "vm1", POINT, STARTED, REQUEST, lambda j: j) is None


def test_the_jobs_filter_names_the_restore_operation_of_each_region() -> None:
    assert restore_jobs_filter(False) == "operation eq 'Restore'"
    assert restore_jobs_filter(True) == "operation eq 'CrossRegionRestore'"


def test_the_point_time_compares_in_utc_whatever_the_host_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert is_our_restore(job(bag=point_bag("2/28/2026 10:00:37 PM")), "vm1", POINT, STARTED, REQUEST)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_the_target_group_compares_by_its_whole_name_whatever_its_last_letters() -> None:
    # Resource group names may end in any letter, upper case included; the bag shows the name as created.
    sub = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups"
    request = RestoreRequest.model_validate({**REQUEST.model_dump(by_alias=True, exclude_none=True),
                                             "targetResourceGroupId": f"{sub}/rg-BOX"})
    bag = {"Target storage account name": "staging1", "Target resource group": "rg-BOX"}
    assert is_our_restore(job(bag=bag), "vm1", POINT, STARTED, request)
    assert not is_our_restore(job(bag={**bag, "Target resource group": "rg-BO"}), "vm1", POINT, STARTED, request)


def test_a_new_vm_job_is_ours_only_when_its_bag_names_the_requested_vm() -> None:
    rg = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1"
    vnet = f"{rg}/providers/Microsoft.Network/virtualNetworks/vnet1"
    request = RestoreRequest.model_validate({**REQUEST.model_dump(by_alias=True, exclude_none=True), "mode": "newVm",
                                             "targetVmName": "vm1-copy", "targetResourceGroupId": rg,
                                             "targetVnetId": vnet, "targetSubnetId": f"{vnet}/subnets/default"})
    bag = {"Job Type": "Create new virtual machine", "Target storage account name": "staging1",
           "Target resource group": "rg1", "Target VM Name": "vm1-copy"}
    assert is_our_restore(job(bag=bag), "vm1", POINT, STARTED, request)
    assert not is_our_restore(job(bag={**bag, "Target VM Name": "vm1-other"}), "vm1", POINT, STARTED, request)
