"""The request log behind `GET /_emulator/requests`: never the token, only its SHA-256."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from emulator.clock import iso


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seq = 0
        self.entries: list[dict[str, Any]] = []

    def add(self, method: str, path: str, status: int, retry_after: str | None, service_time: datetime,
            token_sha256: str | None, fault: str | None = None) -> dict[str, Any]:
        with self._lock:
            self._seq += 1
            entry = {"seq": self._seq, "method": method, "path": path, "status": status,
                     "retryAfter": _int_or_raw(retry_after), "wallTime": iso(datetime.now(UTC)),
                     "serviceTime": iso(service_time), "tokenSha256": token_sha256, "fault": fault}
            self.entries.append(entry)
            return entry

    def clear(self) -> None:
        with self._lock:
            self.entries.clear()

    def listing(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.entries)


def _int_or_raw(value: str | None) -> int | str | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return value
