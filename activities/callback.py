"""POST the restore outcome to the caller's `callbackUrl` (once, best effort)."""

from __future__ import annotations

import requests

from azbackup.errors import ResponseError, TransportError, error_class_for
from restore.errors import CallbackRefusedError
from restore.payloads import NotifyInput, NotifyValue
from restore.request import callback_url_problem
from restore.settings import Settings

TIMEOUT_SECONDS = 10


def post_callback(inp: NotifyInput, settings: Settings) -> NotifyValue:
    """POST the body as JSON; no redirects, no credentials; a non-2xx answer is an error (5xx transient)."""
    problem = callback_url_problem(inp.url, strict=not settings.callback_allow_insecure)
    if problem:
        raise CallbackRefusedError(f"callbackUrl refused: {problem}")
    try:
        response = requests.post(inp.url, json=inp.body, timeout=TIMEOUT_SECONDS, allow_redirects=False,
                                 headers={"User-Agent": settings.client_config().user_agent})
    except requests.RequestException as exc:
        raise TransportError(f"callback failed: {type(exc).__name__}") from exc
    if response.status_code >= 300:
        error: ResponseError = error_class_for(response.status_code)(
            response.status_code, f"Callback{response.status_code}", "the callback endpoint refused the result")
        raise error
    return NotifyValue(status=response.status_code)
