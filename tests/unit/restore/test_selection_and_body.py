"""Pure pieces of the restore domain: recovery point selection and the ARM restore body."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from azbackup.models_rp import RecoveryPoint
from restore.body import build_restore_request
from restore.errors import NoRecoveryPointError
from restore.request import RestoreRequest
from restore.selection import check_explicit_point, select_recovery_point
from restore.values import BackupItem, RecoveryPointInfo
from tests.unit.orchestrators.fakes import ITEM, POINT, STORAGE_ID, VM_ID

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
VALID = [["InstantRP", "Valid"], ["HardenedRP", "Valid"]]
ARCHIVE = [["InstantRP", "Deleted"], ["HardenedRP", "Deleted"], ["ArchivedRP", "Valid"]]
SUB = "00000000-0000-0000-0000-000000000001"
RG2 = f"/subscriptions/{SUB}/resourceGroups/rg2"


def rp(name: str, hours: float, kind: str = "CrashConsistent", tiers: list[list[str]] = VALID) -> RecoveryPoint:
    return RecoveryPoint.model_validate({"id": f"x/recoveryPoints/{name}", "name": name, "properties": {
        "recoveryPointTime": (NOW - timedelta(hours=hours)).isoformat(), "recoveryPointType": kind,
        "recoveryPointTierDetails": [{"type": t, "status": s} for t, s in tiers]}})


POINTS = [rp("a", 1), rp("b", 6, "AppConsistent"), rp("c", 30, "FileSystemConsistent"), rp("d", 50, "AppConsistent"),
          rp("z", 0.5, "AppConsistent", ARCHIVE)]


@pytest.mark.parametrize(("policy", "before", "max_age", "expected"), [
    ("latest", None, None, "a"),
    ("latestAppConsistent", None, None, "b"),
    ("latestCrashConsistent", None, None, "a"),
    ("latestFileSystemConsistent", None, None, "c"),
    ("latestAppConsistent", NOW - timedelta(hours=10), None, "d"),
    ("latest", None, timedelta(hours=2), "a"),
])
def test_selection_takes_the_newest_restorable_point_that_fits(policy: str, before: datetime | None,
                                                                max_age: timedelta | None, expected: str) -> None:
    assert select_recovery_point(POINTS, policy, before, max_age, NOW).name == expected


def test_archive_only_points_are_used_only_when_rehydration_is_asked() -> None:
    only_archive = [rp("z", 1, tiers=ARCHIVE)]
    with pytest.raises(NoRecoveryPointError, match="archive tier only"):
        select_recovery_point(only_archive, "latest", now=NOW)
    assert select_recovery_point(only_archive, "latest", now=NOW, allow_archive=True).name == "z"
    with pytest.raises(NoRecoveryPointError, match="ask for rehydration"):
        check_explicit_point(only_archive[0], allow_archive=False)


def test_no_match_lists_what_was_found() -> None:
    with pytest.raises(NoRecoveryPointError) as caught:
        select_recovery_point(POINTS, "latestAppConsistent", max_age=timedelta(minutes=5), now=NOW)
    assert "found 5" in caught.value.message and "AppConsistent" in caught.value.message


def body(point: dict[str, Any] = POINT, item: dict[str, Any] = ITEM, **request: Any) -> dict[str, Any]:
    req = RestoreRequest.model_validate({"vmId": VM_ID, "storageAccountId": STORAGE_ID, **request})
    return build_restore_request(req, BackupItem.model_validate(item), RecoveryPointInfo.model_validate(point)
                                 ).to_wire()


def test_restore_disks_body_names_the_point_staging_account_and_luns() -> None:
    wire = body(diskLuns=[0, 2], zones=["2"], targetResourceGroupId=RG2)
    assert wire["objectType"] == "IaasVMRestoreRequest" and wire["recoveryType"] == "RestoreDisks"
    assert wire["recoveryPointId"] == POINT["name"] and wire["sourceResourceId"] == VM_ID
    assert wire["storageAccountId"] == STORAGE_ID and wire["region"] == "westeurope"
    assert wire["restoreDiskLunList"] == [0, 2] and wire["zones"] == ["2"] and wire["targetResourceGroupId"] == RG2
    assert body(osDiskOnly=True)["restoreDiskLunList"] == []


def test_replace_disks_and_new_vm_bodies() -> None:
    replace = body(mode="replaceDisks")
    assert replace["recoveryType"] == "OriginalLocation" and "targetResourceGroupId" not in replace
    vnet = f"{RG2}/providers/Microsoft.Network/virtualNetworks/v1"
    new = body(mode="newVm", targetVmName="vm9", targetResourceGroupId=RG2, targetVnetId=vnet,
               targetSubnetId=f"{vnet}/subnets/default")
    assert new["recoveryType"] == "AlternateLocation"
    assert new["targetVirtualMachineId"] == f"{RG2}/providers/Microsoft.Compute/virtualMachines/vm9"
    assert new["virtualNetworkId"] == vnet and new["subnetId"] == f"{vnet}/subnets/default"


def test_identity_rehydration_and_cross_region_bodies() -> None:
    identity = f"/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u1"
    wire = body(restoreIdentityId=identity)
    assert wire["identityInfo"] == {"isSystemAssignedIdentity": False, "managedIdentityResourceId": identity}
    assert wire["identityBasedRestoreDetails"] == {"targetStorageAccountId": STORAGE_ID}
    archived = body({**POINT, "isArchiveOnly": True}, rehydration={"priority": "High", "durationDays": 12})
    assert archived["objectType"] == "IaasVMRestoreWithRehydrationRequest"
    assert archived["recoveryPointRehydrationInfo"] == {"rehydrationRetentionDuration": "P12D",
                                                        "rehydrationPriority": "High"}
    assert body(crossRegion=True, targetResourceGroupId=RG2)["region"] == "northeurope"


def test_managed_disk_and_resource_guard_options_reach_the_body() -> None:
    guard = (f"/subscriptions/{SUB}/resourceGroups/rg-guard/providers/Microsoft.DataProtection/resourceGuards/g1"
             "/triggerRestoreRequests/default")
    wire = body(restoreWithManagedDisks=True, resourceGuardOperationRequests=[guard])
    assert wire["restoreWithManagedDisks"] is True
    assert wire["resourceGuardOperationRequests"] == [guard]
    assert "restoreWithManagedDisks" not in body()
