"""A tiny client of the restore HTTP API: one session, idempotent reads retried on a dropped connection."""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

# A kept-alive connection can be closed by the server (or a proxy) just as the next poll goes out on it; the GET then
# fails with a reset or "Remote end closed connection". Reads are idempotent, so they are sent again on a fresh
# connection. Writes (start, cancel) are never resent: a lost answer is not a lost request.
READ_RETRIES = Retry(total=3, connect=3, read=3, status=0, other=0, redirect=0, backoff_factor=0.2,
                     allowed_methods=frozenset({"GET"}), raise_on_status=False)


class ApiError(Exception):
    """The API answered with an unexpected status, or not at all."""


class Api:
    """The restore API at `url`, with the function key (if any) as `x-functions-key`."""

    def __init__(self, url: str, key: str | None, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.session = requests.Session()
        adapter = HTTPAdapter(max_retries=READ_RETRIES)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        if key:
            self.session.headers["x-functions-key"] = key
        self.timeout = timeout

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Raises: ApiError when the API cannot be reached."""
        target = path if path.startswith("http") else f"{self.url}{path}"
        try:
            return self.session.request(method, target, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise ApiError(f"cannot reach {self.url}: {exc.__class__.__name__}") from exc
