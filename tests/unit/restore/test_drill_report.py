"""The built-in validation verdict, the resource kinds cleanup can delete, and the tick time a timer stands for."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from azure.functions.timer import TimerRequest

from azbackup.errors import InvalidResourceIdError
from azbackup.resources import api_version_of, container_of_blob, kind_of
from restore.drill_report import RestoredFacts, Verdict, judge
from triggers.drills import tick_time

RG = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-drill"
DISK = f"{RG}/providers/Microsoft.Compute/disks/os-1"
ACCOUNT = f"{RG}/providers/Microsoft.Storage/storageAccounts/stagingdrill"


def _facts(restored: dict[str, dict[str, object] | None], vm: dict[str, object] | None = None,
           expected: bool = False) -> RestoredFacts:
    return RestoredFacts(source_disks=[{"sizeGb": 128, "sku": "Premium_LRS"}, {"sizeGb": 256, "sku": "Premium_LRS"}],
                         restored_disks=restored, vm=vm, vm_expected=expected)


def test_disks_of_the_source_sizes_and_skus_pass_in_any_order() -> None:
    check = judge(_facts({"a": {"sizeGb": 256, "sku": "premium_lrs"}, "b": {"sizeGb": 128, "sku": "Premium_LRS"}}))
    assert (check.status, check.reasons) == (Verdict.PASSED, [])


def test_a_missing_disk_another_size_or_sku_fail_with_the_reason() -> None:
    check = judge(_facts({f"{RG}/x/gone": None, f"{RG}/x/big": {"sizeGb": 320, "sku": "Premium_LRS"},
                          f"{RG}/x/hdd": {"sizeGb": 128, "sku": "Standard_LRS"}}))
    assert check.status is Verdict.FAILED
    assert check.reasons[0] == "restored disk gone does not exist"
    assert check.reasons[1].startswith("restored disk big (320 GB Premium_LRS) matches no source disk's size and SKU")
    assert "restored disk hdd (128 GB Standard_LRS)" in check.reasons[2]


def test_each_source_disk_matches_one_restored_disk_only() -> None:
    check = judge(_facts({"a": {"sizeGb": 128, "sku": "Premium_LRS"}, "b": {"sizeGb": 128, "sku": "Premium_LRS"}}))
    assert check.status is Verdict.FAILED and "(source disks: 256 GB premium_lrs)" in check.reasons[0]


@pytest.mark.parametrize(("vm", "reason"), [
    (None, "the restored VM does not exist"),
    ({"provisioningState": "Failed", "powerState": "running"}, "the restored VM's provisioningState is Failed"),
    ({"provisioningState": "Succeeded", "powerState": "stopped"},
     "the restored VM is not running (PowerState/stopped)"),
])
def test_a_new_vm_must_be_provisioned_and_running(vm: dict[str, object] | None, reason: str) -> None:
    check = judge(_facts({}, vm, expected=True))
    assert check.status is Verdict.FAILED and check.reasons == [reason]


def test_cleanup_deletes_only_the_four_kinds_with_their_api_versions() -> None:
    assert (kind_of(DISK), api_version_of(DISK)) == ("disk", "2024-03-02")
    assert kind_of(f"{ACCOUNT}/blobServices/default/containers/vm1-job") == "blobContainer"
    for other in (f"{RG}/providers/Microsoft.KeyVault/vaults/kv", RG, f"{ACCOUNT}", "https://x/y", f"{DISK}/extra"):
        with pytest.raises(InvalidResourceIdError):
            kind_of(other)


def test_a_config_blob_maps_to_its_container_only_in_the_drill_staging_account() -> None:
    uri = "https://stagingdrill.blob.core.windows.net/vm1-abc123/config-vm1.json"
    assert container_of_blob(uri, ACCOUNT) == f"{ACCOUNT}/blobServices/default/containers/vm1-abc123"
    assert container_of_blob(uri.replace("stagingdrill", "elsewhere"), ACCOUNT) is None
    assert container_of_blob("http://stagingdrill.blob.core.windows.net/vm1/x", ACCOUNT) is None


def test_a_tick_stands_for_its_scheduled_occurrence() -> None:
    due = TimerRequest(past_due=True, schedule_status={"Last": "2026-03-02T02:55:00+00:00",
                                                            "Next": "2026-03-02T03:00:00+00:00"})
    assert tick_time(due) == datetime(2026, 3, 2, 3, tzinfo=UTC)
    naive = TimerRequest(schedule_status={"Next": "2026-03-02T03:05:00"})
    assert tick_time(naive) == datetime(2026, 3, 2, 3, 5, tzinfo=UTC)
    before = datetime.now(UTC)
    assert tick_time(TimerRequest()) >= before


def test_the_running_view_of_fifty_vms_fits_the_custom_status_limit() -> None:
    import json

    from restore.drill_report import Check, Cleanup, DrillReport, DrillVm, Refusal, running_view

    long = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/" + "r" * 90
    vms = [DrillVm(vm_id=f"{long}/providers/Microsoft.Compute/virtualMachines/{'v' * 60}{i}",
                   restore_id=f"drill-{'n' * 48}-run-0123456789ab:{i}", restore_status="succeeded",
                   created=[f"{long}/providers/Microsoft.Compute/disks/{'d' * 70}{j}" for j in range(10)],
                   validation=Check(status=Verdict.FAILED, reasons=["x" * 300])) for i in range(50)]
    report = DrillReport(run_id="r", drill="d", started_by="schedule", started_at=datetime(2026, 3, 2, tzinfo=UTC),
                         vms=vms, cleanup=Cleanup(refused=[Refusal(id=long, reason="y" * 200)] * 30))
    assert len(json.dumps(report.dump()).encode("utf-16-le")) > 16 * 1024  # the full report would not fit
    assert len(json.dumps(running_view(report)).encode("utf-16-le")) <= 16 * 1024
    assert running_view(report)["vms"][0] == {"vm": "v" * 60 + "0", "restoreStatus": "succeeded",
                                              "validation": "failed"}
