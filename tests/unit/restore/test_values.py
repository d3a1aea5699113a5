"""The restore value objects built from the ARM client's wire models."""

from __future__ import annotations

from azbackup.models import Job, JobStatus, OperationStatusValues
from restore.payloads import OperationValue
from restore.values import JobInfo, job_info, point_info
from tests.unit.azbackup.client_support import point


def test_recovery_point_info_summarises_point() -> None:
    info = point_info(point([{"type": 2, "status": 1}]), cross_region=True)
    assert (info.name, info.cross_region, info.tiers[0].type) == ("1", True, "HardenedRP")
    assert info.time.microsecond == 123456


def test_job_info_carries_progress_tasks_errors_and_property_bag() -> None:
    job = Job.model_validate(
        {
            "id": "/v/backupJobs/j1",
            "name": "j1",
            "properties": {
                "operation": "Restore",
                "status": "Failed",
                "duration": "PT5M",
                "startTime": "2024-01-01T00:00:00Z",
                "errorDetails": [{"errorCode": 400001, "errorString": "disk busy", "recommendations": ["retry"]}],
                "extendedInfo": {
                    "progressPercentage": 42.5,
                    "tasksList": [{"taskId": "Transfer data", "status": "Failed"}],
                    "propertyBag": {"Target Storage Account Name": "sa", "Config Blob Uri": "https://x"},
                },
            },
        }
    )
    info = job_info(job)
    assert (info.job_id, info.status, info.is_terminal, info.progress) == ("j1", "Failed", True, 42.5)
    assert info.tasks[0].name == "Transfer data"
    assert (info.errors[0].code, info.errors[0].message, info.errors[0].recommendations) == (
        "400001",
        "disk busy",
        ["retry"],
    )
    assert info.property_bag["Target Storage Account Name"] == "sa"


def test_job_and_operation_states_are_the_wire_enums() -> None:
    info = JobInfo.model_validate({"jobId": "j1", "status": "CompletedWithWarnings"})
    assert info.status is JobStatus.COMPLETED_WITH_WARNINGS and info.status.is_success and info.is_terminal
    assert info.dump()["status"] == "CompletedWithWarnings" and info.dump()["isTerminal"] is True
    assert JobInfo.model_validate(info.dump()) == info
    operation = OperationValue.model_validate({"status": "Canceled"})
    assert operation.status is OperationStatusValues.CANCELED and operation.is_terminal
