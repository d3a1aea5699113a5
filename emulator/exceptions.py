"""Emulator errors and the ARM error envelope they serialise to.

    EmulatorError(status, code, message)
    ├── NotFound (404)
    ├── BadRequest (400)
    ├── Conflict (409)
    └── Unauthorized (401, with WWW-Authenticate)
"""

from __future__ import annotations

from typing import Any


class EmulatorError(Exception):
    """An ARM error response: `{"error": {"code", "message", ...}}` with an HTTP status."""

    status = 400

    def __init__(self, code: str, message: str, status: int | None = None, target: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        if status is not None:
            self.status = status
        self.target = target
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.target:
            error["target"] = self.target
        return {"error": error}


class NotFound(EmulatorError):
    status = 404


class BadRequest(EmulatorError):
    status = 400


class Conflict(EmulatorError):
    status = 409


class Unauthorized(EmulatorError):
    status = 401

    def __init__(self, code: str, message: str) -> None:
        challenge = ('Bearer authorization_uri="https://login.microsoftonline.com/common", '
                     'error="invalid_token", error_description="The access token is missing or invalid."')
        super().__init__(code, message, headers={"WWW-Authenticate": challenge})


def resource_not_found(kind: str, resource_id: str) -> NotFound:
    return NotFound("ResourceNotFound", f"The {kind} '{resource_id}' was not found.")


class RegionUnavailable(Exception):
    """The request needs a region the scenario has down (`regionOutage`); the front door answers it as ARM does
    when a regional endpoint does not answer (see `outage.py`). Not an EmulatorError: it has no single body."""

    def __init__(self, region: str, provider: str) -> None:
        super().__init__(f"region {region} is down ({provider})")
        self.region = region
        self.provider = provider
