"""Every official example body parses into our wire models and re-serialises to an equivalent document."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from azbackup.models import (
    AadProperties,
    BackupStatus,
    BackupStatusRequest,
    CrossRegionRestoreRequest,
    CrrAccessTokenResource,
    CrrJobRequest,
    Job,
    JobList,
    OperationStatus,
    ProtectedItem,
    RecoveryPoint,
    RecoveryPointList,
    RestoreRequestResource,
    ValidateOperationRequest,
    ValidateOperationsResponse,
)

EXAMPLES = Path(__file__).parent / "examples"

# operationId -> (request body model, response body model); None where the example has no body of that kind.
MODELS: dict[str, tuple[type[BaseModel] | None, type[BaseModel] | None]] = {
    "BackupStatus_Get": (BackupStatusRequest, BackupStatus),
    "ProtectedItems_Get": (None, ProtectedItem),
    "RecoveryPoints_List": (None, RecoveryPointList),
    "RecoveryPointsCrr_List": (None, RecoveryPointList),
    "RecoveryPoints_Get": (None, RecoveryPoint),
    "RecoveryPointsCrr_Get": (None, RecoveryPoint),
    "Restores_Trigger": (RestoreRequestResource, None),
    "ProtectedItemOperationStatuses_Get": (None, OperationStatus),
    "ProtectedItemOperationResults_Get": (None, ProtectedItem),
    "BackupOperationStatuses_Get": (None, OperationStatus),
    "JobDetails_Get": (None, Job),
    "BackupJobs_List": (None, JobList),
    "JobCancellations_Trigger": (None, None),
    "JobOperationResults_Get": (None, None),
    "Operation_Validate": (ValidateOperationRequest, ValidateOperationsResponse),
    "ValidateOperation_Trigger": (ValidateOperationRequest, None),
    "ValidateOperationResults_Get": (None, ValidateOperationsResponse),
    "ValidateOperationStatuses_Get": (None, OperationStatus),
    "AadProperties_Get": (None, AadProperties),
    "RecoveryPoints_GetAccessToken": (AadProperties, CrrAccessTokenResource),
    "CrossRegionRestore_Trigger": (CrossRegionRestoreRequest, None),
    "CrrOperationStatus_Get": (CrrJobRequest, OperationStatus),
    "CrrOperationResults_Get": (CrrJobRequest, None),
    "BackupCrrJobDetails_Get": (CrrJobRequest, Job),
    "BackupCrrJobs_List": (CrrJobRequest, JobList),
}

# The 2019-05-13 examples predate operationId in example files; the folder and file name say which operation.
LEGACY = {
    "RecoveryPoints_Get.json": "RecoveryPoints_Get",
    "RecoveryPoints_List.json": "RecoveryPoints_List",
    "TriggerRestore_ALR.json": "Restores_Trigger",
    "TriggerRestore_RestoreDisks.json": "Restores_Trigger",
}


def _operation(path: Path, doc: dict[str, Any]) -> str:
    return str(doc.get("operationId") or LEGACY[path.name])


def _cases() -> list[Any]:
    cases = []
    for path in sorted(EXAMPLES.rglob("*.json")):
        if path.name == "SOURCES.json":
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        request_model, response_model = MODELS[_operation(path, doc)]
        name = str(path.relative_to(EXAMPLES))
        body = doc["parameters"].get("parameters")
        if body is not None:
            assert request_model is not None, f"{name}: request body without a model"
            cases.append(pytest.param(request_model, body, id=f"{name}:request"))
        for status, response in doc["responses"].items():
            if response.get("body") is not None:
                assert response_model is not None, f"{name}: response body without a model"
                cases.append(pytest.param(response_model, response["body"], id=f"{name}:{status}"))
    return cases


def _normalise(value: Any) -> Any:
    """Compare meaning, not spelling: timestamps as instants (to the microsecond), .NET MinValue as no value."""
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        if value.startswith("0001-01-01"):
            return None
        head, _, tail = value.rstrip("Z").partition(".")
        micro = (tail + "000000")[:6] if tail else "000000"
        return datetime.fromisoformat(f"{head}.{micro}").replace(tzinfo=UTC)
    return value


CASES = _cases()


def test_every_example_file_contributes_at_least_one_body() -> None:
    files = {c.id.split(":")[0] for c in CASES}
    assert len(CASES) >= 35
    assert len(files) >= 28


@pytest.mark.parametrize(("model", "body"), CASES)
def test_example_body_round_trips_through_model(model: type[BaseModel], body: dict[str, Any]) -> None:
    parsed = model.model_validate(body)
    again = parsed.model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert _normalise(again) == _normalise(body)
