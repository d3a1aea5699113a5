from __future__ import annotations

from datetime import timedelta

import pytest

from azbackup.models import (
    CrossRegionRestoreRequest,
    CrrAccessToken,
    IaasVmRestoreRequest,
    IaasVmRestoreWithRehydrationRequest,
    Job,
    JobStatus,
    OperationStatus,
    OperationStatusValues,
    RecoveryPoint,
    RecoveryPointTierStatus,
    RecoveryPointTierType,
    RecoveryType,
    RestoreRequestResource,
    parse_duration,
)
from tests.unit.azbackup.client_support import point


def test_numeric_tier_codes_map_to_names() -> None:
    rp = point([{"type": 1, "status": 1}, {"type": 2, "status": 3}, {"type": "3", "status": "4"}])
    assert [(t.type, t.status) for t in rp.tiers] == [
        (RecoveryPointTierType.INSTANT_RP, RecoveryPointTierStatus.VALID),
        (RecoveryPointTierType.HARDENED_RP, RecoveryPointTierStatus.DELETED),
        (RecoveryPointTierType.ARCHIVED_RP, RecoveryPointTierStatus.REHYDRATED),
    ]


def test_tier_names_are_case_insensitive_and_unknown_values_are_kept() -> None:
    rp = point([{"type": "instantrp", "status": "VALID"}, {"type": "FutureRP", "status": "Valid"}])
    assert rp.tiers[0].type == RecoveryPointTierType.INSTANT_RP
    assert rp.tiers[1].type == "FutureRP"
    assert rp.to_wire()["properties"]["recoveryPointTierDetails"][1]["type"] == "FutureRP"


def test_archive_only_point_is_detected_and_rehydrated_one_is_not() -> None:
    archived = point([{"type": "InstantRP", "status": "Deleted"}, {"type": "ArchivedRP", "status": "Valid"}])
    rehydrated = point([{"type": "HardenedRP", "status": "Deleted"}, {"type": "ArchivedRP", "status": "Rehydrated"}])
    vault = point([{"type": "HardenedRP", "status": "Valid"}, {"type": "ArchivedRP", "status": "Valid"}])
    assert archived.is_archive_only
    assert not rehydrated.is_archive_only
    assert not vault.is_archive_only


def test_unknown_fields_are_kept_on_round_trip() -> None:
    rp = RecoveryPoint.model_validate({"name": "1", "newField": {"a": 1}, "properties": {"brandNew": True}})
    assert rp.to_wire() == {"name": "1", "newField": {"a": 1}, "properties": {"brandNew": True}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT9.8782791S", timedelta(seconds=9.8782791)),
        ("PT0S", timedelta(0)),
        ("PT1H2M3S", timedelta(hours=1, minutes=2, seconds=3)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        ("00:20:23.0896697", timedelta(minutes=20, seconds=23.0896697)),
        ("1.02:00:00", timedelta(days=1, hours=2)),
        ("", None),
        (None, None),
        ("soon", None),
        ("PT", None),
    ],
)
def test_job_duration_parses_both_formats(text: str | None, expected: timedelta | None) -> None:
    assert parse_duration(text) == expected


def test_min_value_end_time_means_not_ended() -> None:
    status = OperationStatus.model_validate({"status": "InProgress", "endTime": "0001-01-01T00:00:00.00000Z"})
    assert status.end_time is None
    job = Job.model_validate({"name": "j", "properties": {"status": "InProgress", "endTime": "0001-01-01T00:00:00Z"}})
    assert job.end_time is None


@pytest.mark.parametrize(
    ("status", "terminal"),
    [
        ("InProgress", False),
        ("Cancelling", False),
        ("Completed", True),
        ("completedwithwarnings", True),
        ("Failed", True),
        ("Cancelled", True),
        ("Invalid", False),
    ],
)
def test_job_status_terminality(status: str, terminal: bool) -> None:
    job = Job.model_validate({"name": "j", "properties": {"status": status}})
    assert job.is_terminal is terminal


def test_unknown_job_status_is_kept_and_treated_as_running() -> None:
    job = Job.model_validate({"name": "j", "properties": {"status": "Suspended"}})
    assert job.properties.status == "Suspended"
    assert job.status == JobStatus.IN_PROGRESS and not job.is_terminal


def test_operation_status_terminality() -> None:
    assert OperationStatusValues.SUCCEEDED.is_terminal
    assert OperationStatusValues.CANCELED.is_terminal
    assert not OperationStatusValues.IN_PROGRESS.is_terminal


def test_restore_request_dumps_object_type_and_camel_case() -> None:
    body = IaasVmRestoreRequest(
        recovery_type=RecoveryType.RESTORE_DISKS, source_resource_id="/vm", restore_disk_lun_list=[0, 2]
    )
    wire = RestoreRequestResource(properties=body).to_wire()
    assert wire == {
        "properties": {
            "objectType": "IaasVMRestoreRequest",
            "recoveryType": "RestoreDisks",
            "sourceResourceId": "/vm",
            "restoreDiskLunList": [0, 2],
        }
    }


def test_rehydration_request_has_its_own_object_type() -> None:
    body = IaasVmRestoreWithRehydrationRequest.model_validate(
        {"recoveryPointRehydrationInfo": {"rehydrationPriority": "high", "rehydrationRetentionDuration": "P7D"}}
    )
    wire = RestoreRequestResource(properties=body).to_wire()["properties"]
    assert wire["objectType"] == "IaasVMRestoreWithRehydrationRequest"
    assert wire["recoveryPointRehydrationInfo"] == {
        "rehydrationRetentionDuration": "P7D",
        "rehydrationPriority": "High",
    }


def test_crr_token_never_shows_in_repr_or_str() -> None:
    token = CrrAccessToken.model_validate({"accessTokenString": "SECRET-CRR", "unknownSecretish": "SECRET-CRR"})
    request = CrossRegionRestoreRequest(
        cross_region_restore_access_details=token, restore_request=IaasVmRestoreRequest()
    )
    for text in (repr(token), str(token), repr(request), str(request)):
        assert "SECRET-CRR" not in text
    assert request.to_wire()["crossRegionRestoreAccessDetails"]["accessTokenString"] == "SECRET-CRR"
