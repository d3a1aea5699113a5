"""The request log behind `GET /_emulator/requests`: never the token, only its SHA-256; bodies redacted
(`reqbody.py`)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class LoggedRequest:
    seq: int
    method: str
    path: str  # with the query string
    status: int  # 0: the connection was dropped
    retry_after: str | None
    wall_time: datetime
    service_time: datetime  # when the request arrived
    answered_time: datetime | None  # when the answer (status line and headers) left; None: dropped, no answer
    token_sha256: str | None
    fault: str | None  # the fault's ID when the fault table answered
    region: str | None  # the region that serves the request (outage.py); None: none known or not an ARM route
    body: Any = None  # the JSON body with secrets replaced (reqbody.logged_body); None: no body


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seq = 0
        self.entries: list[LoggedRequest] = []

    def add(self, method: str, path: str, status: int, retry_after: str | None, service_time: datetime,
            token_sha256: str | None, fault: str | None = None, region: str | None = None,
            answered_time: datetime | None = None, body: Any = None) -> LoggedRequest:
        with self._lock:
            self._seq += 1
            entry = LoggedRequest(self._seq, method, path, status, retry_after, datetime.now(UTC), service_time,
                                  answered_time, token_sha256, fault, region, body)
            self.entries.append(entry)
            return entry

    def clear(self) -> None:
        with self._lock:
            self.entries.clear()

    def listing(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self.entries)
