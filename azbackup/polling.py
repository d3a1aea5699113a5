"""Long-running operation tracking: pure functions over 202 headers and status bodies (no I/O, no sleeping).

As in azure-core's base polling: the status URL (`Azure-AsyncOperation`) is preferred, the result URL
(`Location`) is the fallback, and `Retry-After` is a floor with a default and a cap.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from pydantic import ValidationError

from azbackup.errors import ErrorInfo
from azbackup.models_common import Wire
from azbackup.models_job import OperationStatus, OperationStatusValues


def _lower(headers: Mapping[str, Any]) -> dict[str, str]:
    return {str(k).lower(): str(v).strip() for k, v in headers.items() if v is not None}


def _seconds(value: str, now: datetime) -> float | None:
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - now).total_seconds()


def parse_retry_after(headers: Mapping[str, Any], default: int, cap: int, *, now: datetime | None = None) -> int:
    """Seconds to wait before the next call, from `retry-after-ms`, `x-ms-retry-after-ms` or `Retry-After`.

    `Retry-After` may be seconds or an HTTP date. Absent or unreadable → `default`; negative or not finite →
    `default`; a past date → 0; anything above `cap` → `cap`. Fractions round up (never poll sooner than asked).
    """
    lowered = _lower(headers)
    seconds: float | None = None
    for name in ("retry-after-ms", "x-ms-retry-after-ms"):
        if name in lowered:
            try:
                seconds = float(lowered[name]) / 1000.0
            except ValueError:
                seconds = None
            break
    if seconds is None and "retry-after" in lowered:
        seconds = _seconds(lowered["retry-after"], now or datetime.now(UTC))
        if seconds is not None and seconds < 0 and not _is_number(lowered["retry-after"]):
            seconds = 0.0  # an HTTP date already in the past: the service is ready now
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return max(0, min(default, cap))
    return min(math.ceil(seconds), cap)


def has_retry_after(headers: Mapping[str, Any]) -> bool:
    """Whether the response names a wait at all (`Retry-After`, `retry-after-ms` or `x-ms-retry-after-ms`)."""
    lowered = _lower(headers)
    return any(name in lowered for name in ("retry-after", "retry-after-ms", "x-ms-retry-after-ms"))


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _strip_header_echo(value: str | None, name: str) -> str | None:
    """The URL in a tracking header; the CRR examples prefix the value with the header's own name."""
    if not value:
        return None
    value = value.strip()
    prefix = name.lower() + ":"
    if value.lower().startswith(prefix):
        value = value[len(prefix) :].strip()
    return value or None


class TrackedOperation(Wire):
    """What a 202 tells us: where to poll and how long to wait first."""

    status_url: str | None = None
    result_url: str | None = None
    retry_after: int

    @property
    def poll_url(self) -> str | None:
        """The URL to poll: `Azure-AsyncOperation` first (it carries the jobId), else `Location`."""
        return self.status_url or self.result_url

    @property
    def is_tracked(self) -> bool:
        """False when the service completed synchronously and sent nothing to poll (e.g. a CRR 200)."""
        return self.poll_url is not None


def tracking_from_headers(headers: Mapping[str, Any], default: int, cap: int) -> TrackedOperation:
    """The tracking URLs and first wait from a 202's headers (URLs are not checked here; see urlguard)."""
    lowered = _lower(headers)
    return TrackedOperation(
        status_url=_strip_header_echo(lowered.get("azure-asyncoperation"), "azure-asyncoperation"),
        result_url=_strip_header_echo(lowered.get("location"), "location"),
        retry_after=parse_retry_after(headers, default, cap),
    )


class OperationState(Wire):
    """Where a tracked operation stands, the job it started (if known yet), and when to look again."""

    status: OperationStatusValues
    job_id: str | None = None
    error: ErrorInfo | None = None
    retry_after: int | None  # None: the response named no wait (the caller keeps the last one it was given)

    @property
    def is_terminal(self) -> bool:
        return self.status.is_terminal


def state_from_status(body: OperationStatus, retry_after: int | None) -> OperationState:
    """The state an `OperationStatus` body (the `Azure-AsyncOperation` URL's answer) describes."""
    status = body.operation_status
    error = None
    if status in (OperationStatusValues.FAILED, OperationStatusValues.CANCELED):
        code = body.error.code if body.error and body.error.code else f"Operation{status.value}"
        message = body.error.message if body.error and body.error.message else f"the operation ended {status.value}"
        error = ErrorInfo(code=code, message=message)
    return OperationState(status=status, job_id=body.job_id, error=error, retry_after=retry_after)


def state_from_response(
    status_code: int, body: Any, headers: Mapping[str, Any], default: int, cap: int
) -> OperationState:
    """The state from any tracking URL response: a status body, or a bare result (202 running, 200/204 done)."""
    retry_after = parse_retry_after(headers, default, cap) if has_retry_after(headers) else None
    if status_code == 202:
        return OperationState(status=OperationStatusValues.IN_PROGRESS, retry_after=retry_after)
    if isinstance(body, dict) and "status" in body:
        try:
            return state_from_status(OperationStatus.model_validate(body), retry_after)
        except ValidationError:
            pass
    return OperationState(status=OperationStatusValues.SUCCEEDED, retry_after=retry_after)
