"""What every `vmrestore` command shares: exit codes, usage errors, printing a refusal, the poll delay."""

from __future__ import annotations

import json
from typing import Any, TextIO

import requests

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CANCELLED, EXIT_API = 0, 1, 2, 3, 4
FINAL_EXIT = {"succeeded": EXIT_OK, "failed": EXIT_FAILED, "cancelled": EXIT_CANCELLED}
DEFAULT_RETRY_AFTER = 5.0


class UsageError(Exception):
    """A command line the CLI cannot act on (exit code 2, one line, no traceback)."""


def print_json(body: Any, out: TextIO) -> None:
    out.write(json.dumps(body, indent=2) + "\n")


def refused(response: requests.Response, err: TextIO) -> int:
    """Print the API's problem body (title, detail, each field) and return the API exit code."""
    try:
        body = response.json()
    except ValueError:
        body = {"detail": response.text[:500]}
    if not isinstance(body, dict):
        body = {"detail": str(body)[:500]}
    title = body.get("title") or response.reason or "refused"
    err.write(f"error: {title} (HTTP {response.status_code})\n")
    if body.get("detail"):
        err.write(f"  {body['detail']}\n")
    for problem in body.get("errors") or []:
        err.write(f"  - {problem.get('field')}: {problem.get('reason')}\n")
    return EXIT_API


def poll_delay(response: requests.Response, interval: float | None) -> float:
    """The API's Retry-After, or `--interval` when that is sooner."""
    try:
        retry_after = float(response.headers.get("Retry-After", DEFAULT_RETRY_AFTER))
    except ValueError:
        retry_after = DEFAULT_RETRY_AFTER
    return min(retry_after, interval) if interval else retry_after
