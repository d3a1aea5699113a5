"""Durable state → public restore body and HTTP status."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from restore.contract import RestoreOutcome, RestoreResult
from tests.unit.triggers.fakes import status
from triggers.views import (
    RETRY_AFTER_MARGIN_SECONDS,
    RETRY_AFTER_MAX_SECONDS,
    RETRY_AFTER_SECONDS,
    RestoreStatus,
    http_status,
    job_instance_id,
    needs_job_status,
    restore_view,
    retry_after,
)

ORDER = {"request": {"vmId": "/subscriptions/x/vm"}, "requestedAt": "2026-03-01T08:00:00+00:00", "source": "http"}
POINT = {"name": "123", "time": "2026-03-01T07:00:00+00:00", "type": "AppConsistent"}
FULL_POINT = {"id": "/subscriptions/x/vm/recoveryPoints/123", "name": "123", "time": "2026-03-01T07:00:00Z",
              "type": "AppConsistent", "tiers": [], "zones": [], "isArchiveOnly": False, "crossRegion": False}
RESULT = RestoreResult(job_id="job-1", disks=["d1"]).dump()


def outcome(status_: str, **fields: Any) -> dict[str, Any]:
    """A `restore_vm` outcome as the orchestrator writes it."""
    body = {"status": status_, "phase": "done", "request": ORDER["request"], "startedAt": "2026-03-01T08:00:00Z",
            "endedAt": "2026-03-01T09:00:00Z", **fields}
    return RestoreOutcome.model_validate(body).dump()


def test_a_running_restore_is_202_with_phase_point_and_job_progress() -> None:
    custom = {"phase": "waitingForJob", "recoveryPoint": POINT, "jobId": "job-1", "progress": 10.0,
              "updatedAt": "2026-03-01T08:05:00+00:00"}
    view = restore_view(status(custom=custom, order=ORDER), {"progress": 45.0})
    assert view.status is RestoreStatus.RUNNING and http_status(view) == 202
    assert (view.phase, view.job_id, view.progress) == ("waitingForJob", "job-1", 45.0)
    assert view.recovery_point == POINT and view.request == ORDER["request"] and view.source == "http"


def test_a_restore_without_custom_status_yet_is_pending() -> None:
    view = restore_view(status(runtime="Pending"))
    assert (view.status, view.phase) == (RestoreStatus.RUNNING, "pending")


def test_a_succeeded_restore_is_200_with_result_and_full_progress() -> None:
    output = outcome("succeeded", recoveryPoint=FULL_POINT, jobId="job-1", result=RESULT)
    view = restore_view(status(runtime="Completed", output=output, order=ORDER))
    assert view.status is RestoreStatus.SUCCEEDED and http_status(view) == 200
    assert view.result == RESULT and view.progress == 100.0 and view.error is None
    assert view.recovery_point == FULL_POINT and view.job_id == "job-1"


def test_a_failed_restore_is_422_with_the_error_from_the_failure_output() -> None:
    failed = outcome("failed", phase="waitingForJob", jobId="job-9",
                     error={"code": "UserErrorDiskFull", "message": "disk full", "recommendations": ["free space"]})
    output = f"Orchestrator function 'restore_vm' failed: {json.dumps(failed)}"
    view = restore_view(status(runtime="Failed", output=output, order=ORDER))
    assert view.status is RestoreStatus.FAILED and http_status(view) == 422
    assert view.error is not None and view.error.code == "UserErrorDiskFull"
    assert view.error.recommendations == ["free space"] and view.job_id == "job-9"


def test_a_failure_without_an_outcome_still_reports_an_error() -> None:
    view = restore_view(status(runtime="Failed", output="boom"))
    assert view.error is not None and view.error.code == "RestoreFailed"


def test_a_cancelled_restore_is_409_and_never_looks_like_success() -> None:
    view = restore_view(status(runtime="Completed", output=outcome("cancelled", phase="cancelling", jobId="job-2")))
    assert view.status is RestoreStatus.CANCELLED and http_status(view) == 409
    assert view.error is not None and view.error.code == "RestoreCancelled"


def test_a_terminated_instance_counts_as_cancelled() -> None:
    view = restore_view(status(runtime="Terminated", output="stopped by operator"))
    assert view.status is RestoreStatus.CANCELLED and view.error is not None
    assert view.error.message == "stopped by operator"


def test_final_codes_are_distinct_and_only_success_is_2xx() -> None:
    codes = {s: http_status(restore_view(status(runtime=r, output=o))) for s, r, o in [
        ("succeeded", "Completed", outcome("succeeded")), ("failed", "Failed", "x"),
        ("cancelled", "Completed", outcome("cancelled"))]}
    assert len(set(codes.values())) == 3
    assert [s for s, c in codes.items() if 200 <= c < 300] == ["succeeded"]


def test_job_status_is_read_only_while_waiting_for_the_job() -> None:
    waiting = status("rst-7", custom={"phase": "waitingForJob"})
    assert needs_job_status(waiting) and job_instance_id(waiting) == "rst-7:job"
    assert not needs_job_status(status(custom={"phase": "triggering"}))
    assert job_instance_id(status("a", custom={"phase": "waitingForJob", "jobInstanceId": "a:job:2"})) == "a:job:2"


def test_json_strings_from_the_host_are_parsed() -> None:
    view = restore_view(status(custom=json.dumps({"phase": "validating"}), order=json.dumps(ORDER)))
    assert view.phase == "validating" and view.source == "http"


def test_a_custom_status_outside_the_contract_reads_as_not_published_yet() -> None:
    view = restore_view(status(custom={"phase": "somethingElse", "progress": "lots"}), {"progress": "half"})
    assert (view.status, view.phase, view.progress, view.job_id) == (RestoreStatus.RUNNING, "pending", None, None)
    assert not needs_job_status(status(custom={"phase": "waitingForJob", "progress": "lots"}))


@pytest.mark.parametrize(("instance_id", "source"), [("rst-1", "http"), ("evt-2", "eventgrid"), ("inc-3", "incident"),
                                                     ("other", None)])
def test_the_source_shows_without_the_input(instance_id: str, source: str | None) -> None:
    assert restore_view(status(instance_id, runtime="Running")).source == source


def test_retry_after_follows_the_orchestrations_next_job_poll_within_bounds() -> None:
    waiting = status(custom={"phase": "waitingForJob", "updatedAt": "2026-03-01T08:00:00+00:00"})
    now = datetime(2026, 3, 1, 8, 0, 10, tzinfo=UTC)

    def job_at(next_poll: str) -> dict[str, Any]:
        return {"nextPollAt": next_poll, "updatedAt": "2026-03-01T08:00:00+00:00", "basis": "approach"}

    assert retry_after(waiting, job_at("2026-03-01T08:00:40+00:00"), now) == 30 + RETRY_AFTER_MARGIN_SECONDS
    assert retry_after(waiting, job_at("2026-03-01T08:30:00+00:00"), now) == RETRY_AFTER_MAX_SECONDS
    assert retry_after(waiting, job_at("2026-03-01T08:00:11+00:00"), now) == RETRY_AFTER_SECONDS
    assert retry_after(waiting, job_at("2026-03-01T07:59:00+00:00"), now) == RETRY_AFTER_SECONDS  # overdue
    assert retry_after(waiting, None, now) == RETRY_AFTER_SECONDS


def test_retry_after_follows_the_operation_poll_before_the_job_and_never_exceeds_the_planned_wait() -> None:
    polling = status(custom={"phase": "waitingForOperation", "nextPollAt": "2026-03-01T08:01:00+00:00",
                             "updatedAt": "2026-03-01T08:00:00+00:00"})
    assert retry_after(polling, None, datetime(2026, 3, 1, 8, 0, 30, tzinfo=UTC)) == 30 + RETRY_AFTER_MARGIN_SECONDS
    # A wall clock far behind the orchestration's (a time-scaled local host): the planned 60 s, not hours.
    assert retry_after(polling, None, datetime(2026, 3, 1, 6, 0, tzinfo=UTC)) == 60 + RETRY_AFTER_MARGIN_SECONDS
    assert retry_after(status(custom={"phase": "triggering"}), None, datetime(2026, 3, 1, tzinfo=UTC)) == \
        RETRY_AFTER_SECONDS
