"""The last line of every HTTP route: an unexpected error answers a generic 500 problem with a correlation ID.

Nothing of the exception (its text, type, traceback, file paths) reaches the caller; the log line
`http.internal_error` carries the correlation ID with the traceback, so an operator can find it from the answer.
The Functions host itself answers an unhandled exception with an empty 500, which tells the caller nothing.
"""

from __future__ import annotations

import functools
import inspect
import json
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import azure.functions as func

from triggers import telemetry
from triggers.problems import MEDIA_TYPE, problem_body

log = telemetry.get_logger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
MARK = "answers_unexpected_errors"
DETAIL = "the request failed unexpectedly; quote the correlation ID to the operator"


def internal_error(function: str) -> func.HttpResponse:
    """Log the exception being handled under a new correlation ID and answer the generic 500 problem."""
    correlation_id = str(uuid.uuid4())
    log.exception("http.internal_error", extra={"function": function, "correlation_id": correlation_id})
    body = {**problem_body(500, "Internal error", DETAIL, instance=f"urn:uuid:{correlation_id}"),
            "correlationId": correlation_id}
    return func.HttpResponse(json.dumps(body), status_code=500, mimetype=MEDIA_TYPE,
                             headers={"x-correlation-id": correlation_id})


def guarded(route: F) -> F:
    """Decorate an HTTP route (under its binding decorators): unexpected errors become `internal_error`."""
    if inspect.iscoroutinefunction(route):
        @functools.wraps(route)
        async def answer_async(*args: Any, **kwargs: Any) -> Any:
            try:
                return await route(*args, **kwargs)
            except Exception:  # the process boundary of a request: log it, answer without its detail
                return internal_error(route.__name__)
        setattr(answer_async, MARK, True)
        return answer_async  # type: ignore[return-value]

    @functools.wraps(route)
    def answer(*args: Any, **kwargs: Any) -> Any:
        try:
            return route(*args, **kwargs)
        except Exception:  # the process boundary of a request: log it, answer without its detail
            return internal_error(route.__name__)
    setattr(answer, MARK, True)
    return answer  # type: ignore[return-value]
