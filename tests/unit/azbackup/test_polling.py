from __future__ import annotations

from datetime import UTC, datetime

import pytest

from azbackup.models import OperationStatusValues
from azbackup.polling import (
    parse_retry_after,
    state_from_response,
    tracking_from_headers,
)

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, 30),
        ({"Retry-After": "60"}, 60),
        ({"retry-after": "10"}, 10),
        ({"Retry-After": 5}, 5),
        ({"Retry-After": "2.2"}, 3),
        ({"Retry-After": "0"}, 0),
        ({"Retry-After": "-5"}, 30),
        ({"Retry-After": "99999"}, 600),
        ({"Retry-After": "nan"}, 30),
        ({"Retry-After": "inf"}, 30),
        ({"Retry-After": "soon"}, 30),
        ({"Retry-After": "Wed, 01 Jan 2025 12:01:30 GMT"}, 90),
        ({"Retry-After": "Wed, 01 Jan 2025 11:00:00 GMT"}, 0),
        ({"Retry-After": "Thu, 01 Jan 2026 12:00:00 GMT"}, 600),
        ({"retry-after-ms": "1500", "Retry-After": "60"}, 2),
        ({"x-ms-retry-after-ms": "250"}, 1),
        ({"retry-after-ms": "junk"}, 30),
    ],
)
def test_parse_retry_after_reads_seconds_dates_and_milliseconds(headers: dict[str, object], expected: int) -> None:
    assert parse_retry_after(headers, default=30, cap=600, now=NOW) == expected


def test_default_above_cap_is_capped() -> None:
    assert parse_retry_after({}, default=900, cap=600) == 600


def test_tracking_prefers_headers_and_reads_retry_after() -> None:
    op = tracking_from_headers(
        {"Azure-AsyncOperation": "https://a/status", "Location": "https://a/result", "Retry-After": "60"}, 30, 600
    )
    assert (op.status_url, op.result_url, op.retry_after) == ("https://a/status", "https://a/result", 60)
    assert op.poll_url == "https://a/status"
    assert op.is_tracked


def test_tracking_tolerates_header_values_prefixed_with_their_name() -> None:
    op = tracking_from_headers(
        {"Azure-AsyncOperation": "azure-asyncoperation: https://x/s", "Location": "location: https://x/r"}, 30, 600
    )
    assert (op.status_url, op.result_url, op.retry_after) == ("https://x/s", "https://x/r", 30)


def test_tracking_with_only_location_polls_location() -> None:
    op = tracking_from_headers({"Location": "https://x/r"}, 30, 600)
    assert op.poll_url == "https://x/r"
    assert not tracking_from_headers({}, 30, 600).is_tracked


def test_tracked_operation_dumps_camel_case() -> None:
    op = tracking_from_headers({"Location": "https://x/r", "Retry-After": "1"}, 30, 600)
    assert op.dump() == {"statusUrl": None, "resultUrl": "https://x/r", "retryAfter": 1}


def test_result_url_202_is_in_progress_with_retry_after() -> None:
    state = state_from_response(202, None, {"Retry-After": "60"}, 30, 600)
    assert (state.status, state.retry_after, state.is_terminal) == (OperationStatusValues.IN_PROGRESS, 60, False)


@pytest.mark.parametrize("status", [200, 204])
def test_result_url_200_or_204_without_status_body_is_succeeded(status: int) -> None:
    state = state_from_response(status, None, {}, 30, 600)
    assert state.status == OperationStatusValues.SUCCEEDED
    assert state.is_terminal


def test_status_body_with_job_id_yields_job_id() -> None:
    body = {"status": "Succeeded", "properties": {"objectType": "OperationStatusJobExtendedInfo", "jobId": "j-1"}}
    state = state_from_response(200, body, {}, 30, 600)
    assert (state.status, state.job_id, state.error) == (OperationStatusValues.SUCCEEDED, "j-1", None)


def test_in_progress_status_body_with_min_end_time_is_not_terminal() -> None:
    body = {"status": "InProgress", "endTime": "0001-01-01T00:00:00.00000Z", "startTime": "2017-08-03T06:52:53Z"}
    state = state_from_response(200, body, {"Retry-After": "15"}, 30, 600)
    assert (state.status, state.retry_after, state.is_terminal) == (OperationStatusValues.IN_PROGRESS, 15, False)


def test_failed_status_body_yields_error_info() -> None:
    body = {"status": "Failed", "error": {"code": "UserErrorDiskBusy", "message": "disk busy"}}
    state = state_from_response(200, body, {}, 30, 600)
    assert state.error is not None
    assert (state.error.code, state.error.message) == ("UserErrorDiskBusy", "disk busy")
    assert state.is_terminal


def test_canceled_status_without_error_still_reports_an_error() -> None:
    state = state_from_response(200, {"status": "canceled"}, {}, 30, 600)
    assert state.status == OperationStatusValues.CANCELED
    assert state.error is not None and state.error.code == "OperationCanceled"


def test_unknown_operation_status_keeps_polling() -> None:
    state = state_from_response(200, {"status": "Queued"}, {}, 30, 600)
    assert state.status == OperationStatusValues.IN_PROGRESS


def test_status_without_retry_after_names_no_wait_so_the_caller_keeps_its_last_one() -> None:
    body = {"id": "op", "name": "op", "status": "InProgress"}
    assert state_from_response(200, body, {}, 30, 600).retry_after is None
    assert state_from_response(200, body, {"retry-after-ms": "1500"}, 30, 600).retry_after == 2
