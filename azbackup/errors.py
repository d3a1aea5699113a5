"""Errors raised by the Azure Backup client.

```
BackupError                      anything this package raises on purpose
├── TransportError               connection refused/reset, DNS, timeout            (transient)
├── AuthenticationError          the credential could not produce an ARM token      (terminal)
│   └── CrossTenantTokenError    no token for the other tenant asked for (Resource Guard)
├── ResponseError                ARM answered with an error status (status, code, message, request_id, retry_after)
│   ├── ThrottledError           429                                               (transient)
│   ├── ServerError              5xx and 408                                       (transient)
│   ├── NotFoundError            404                                               (terminal)
│   └── ConflictError            409                                               (terminal)
│   (any other 4xx is a plain ResponseError, terminal)
├── InvalidResourceIdError       a resource ID or container/item name is malformed; names the wrong part
├── UnsafeUrlError               a URL points away from the ARM endpoint; nothing was sent   (security)
└── OperationFailedError         a tracked operation ended Failed or Canceled (code, message, status)
```

`is_transient` is a class attribute read by the HTTP retry and by activity retries; `to_info()` gives the error as
`ErrorInfo` data (defined here: what a caller stores or returns instead of raising). Every error text passes
through `azbackup.redact.redact`, so no bearer or CRR token can reach a message, a log line or a `repr`.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from azbackup.models_common import Wire
from azbackup.redact import redact

_MAX_MESSAGE = 2000


def _clean(text: str, secrets: tuple[str | None, ...] = ()) -> str:
    cleaned = redact(text, secrets)
    return cleaned if len(cleaned) <= _MAX_MESSAGE else cleaned[:_MAX_MESSAGE] + "…"


class ErrorInfo(Wire):
    """An ARM, operation or job error as data: what failed, why, and whether waiting may help."""

    code: str
    message: str
    status: int | None = None
    transient: bool = False
    retry_after: int | None = None
    request_id: str | None = None
    target: str | None = None
    recommendations: list[str] = Field(default_factory=list)


class BackupError(Exception):
    """Base of every error this package raises on purpose."""

    is_transient: ClassVar[bool] = False
    default_code: ClassVar[str] = "BackupError"

    def __init__(self, message: str, *, code: str | None = None, secrets: tuple[str | None, ...] = ()) -> None:
        self.message = _clean(message, secrets)
        self.code = _clean(code, secrets) if code else self.default_code
        super().__init__(self.message)

    @property
    def retry_after(self) -> int | None:
        """Seconds the service asked us to wait before trying again, when it said so."""
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"

    def to_info(self) -> ErrorInfo:
        """This error as JSON-able data for activity results."""
        return ErrorInfo(code=self.code, message=self.message, transient=self.is_transient)


class TransportError(BackupError):
    """The request did not get an HTTP answer (connection, DNS, TLS, timeout)."""

    is_transient = True
    default_code = "TransportError"

    def __init__(self, message: str, *, connect_failed: bool = False, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.connect_failed = connect_failed
        self._retry_after = retry_after

    @property
    def retry_after(self) -> int | None:
        return self._retry_after

    def to_info(self) -> ErrorInfo:
        return ErrorInfo(code=self.code, message=self.message, transient=True, retry_after=self._retry_after)


class AuthenticationError(BackupError):
    """The credential could not produce an ARM access token."""

    default_code = "AuthenticationFailed"


class CrossTenantTokenError(AuthenticationError):
    """The credential gave no token for the tenant asked for (a managed identity cannot: azure-identity's
    `ManagedIdentityCredential` ignores `tenant_id`); nothing is sent with a token of another tenant."""

    default_code = "CrossTenantTokenUnavailable"


class ResponseError(BackupError):
    """ARM answered with an error status; carries the ARM `error.code` and `error.message`."""

    default_code = "HttpError"

    def __init__(
        self,
        status: int,
        code: str | None,
        message: str,
        *,
        request_id: str | None = None,
        retry_after: int | None = None,
        target: str | None = None,
        secrets: tuple[str | None, ...] = (),
    ) -> None:
        super().__init__(message, code=code or f"Http{status}", secrets=secrets)
        self.status = status
        self.request_id = request_id
        self.target = _clean(target, secrets) if target else None
        self._retry_after = retry_after

    @property
    def retry_after(self) -> int | None:
        return self._retry_after

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, code={self.code!r}, message={self.message!r}, "
            f"request_id={self.request_id!r})"
        )

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"

    def to_info(self) -> ErrorInfo:
        return ErrorInfo(
            code=self.code,
            message=self.message,
            status=self.status,
            transient=self.is_transient,
            retry_after=self._retry_after,
            request_id=self.request_id,
            target=self.target,
        )


class ThrottledError(ResponseError):
    """429: the service asked us to slow down."""

    is_transient = True


class ServerError(ResponseError):
    """5xx or 408: the service failed or timed out; trying again later may succeed."""

    is_transient = True


class NotFoundError(ResponseError):
    """404: the vault, item, recovery point or job does not exist (or is not visible to this identity)."""


class ConflictError(ResponseError):
    """409: the resource is busy, e.g. another restore or backup is running on the item."""


def error_class_for(status: int) -> type[ResponseError]:
    """The error class for an HTTP error status."""
    if status == 429:
        return ThrottledError
    if status == 408 or status >= 500:
        return ServerError
    if status == 404:
        return NotFoundError
    if status == 409:
        return ConflictError
    return ResponseError


class InvalidResourceIdError(BackupError, ValueError):
    """A resource ID or container/item name is malformed; `part` names what is wrong."""

    default_code = "InvalidResourceId"

    def __init__(self, part: str, value: str, reason: str) -> None:
        super().__init__(f"invalid {part} in {value!r}: {reason}")
        self.part = part
        self.value = redact(value)
        self.reason = reason


class UnsafeUrlError(BackupError):
    """A URL does not point at the ARM endpoint; it was not followed and no token left the process."""

    default_code = "UnsafeUrl"

    def __init__(self, reason: str, *, host: str | None = None) -> None:
        # The URL itself is not echoed: it may carry a SAS signature or other secrets in its query.
        super().__init__(f"refusing to follow URL: {reason}" + (f" (host {host!r})" if host else ""))
        self.reason = reason
        self.host = host


class OperationFailedError(BackupError):
    """A tracked long-running operation ended `Failed` or `Canceled`."""

    default_code = "OperationFailed"

    def __init__(self, code: str | None, message: str, *, status: str = "Failed") -> None:
        super().__init__(message, code=code)
        self.status = status
