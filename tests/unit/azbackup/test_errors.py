from __future__ import annotations

import pytest

from azbackup.errors import (
    BackupError,
    ConflictError,
    InvalidResourceIdError,
    NotFoundError,
    OperationFailedError,
    ResponseError,
    ServerError,
    ThrottledError,
    TransportError,
    UnsafeUrlError,
    error_class_for,
)
from azbackup.redact import redact

JWT = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQifQ.c2lnbmF0dXJlLXBhcnQ"


@pytest.mark.parametrize(
    ("status", "cls", "transient"),
    [
        (400, ResponseError, False),
        (401, ResponseError, False),
        (403, ResponseError, False),
        (404, NotFoundError, False),
        (408, ServerError, True),
        (409, ConflictError, False),
        (429, ThrottledError, True),
        (500, ServerError, True),
        (503, ServerError, True),
    ],
)
def test_status_maps_to_error_class_and_transience(status: int, cls: type[ResponseError], transient: bool) -> None:
    error = error_class_for(status)(status, "Code", "msg")
    assert type(error) is cls
    assert error.is_transient is transient
    assert error.to_info().transient is transient


def test_transport_errors_are_transient_and_async_failures_are_terminal() -> None:
    assert TransportError("timeout").is_transient
    assert not OperationFailedError("RestoreFailed", "disk busy").is_transient
    assert not UnsafeUrlError("host").is_transient


def test_response_error_to_info_carries_arm_fields() -> None:
    error = ThrottledError(429, "TooManyRequests", "slow down", request_id="req-1", retry_after=7)
    info = error.to_info()
    assert (info.code, info.message, info.status, info.request_id, info.retry_after) == (
        "TooManyRequests",
        "slow down",
        429,
        "req-1",
        7,
    )
    assert info.transient


def test_response_error_without_code_uses_http_status() -> None:
    assert ResponseError(418, None, "teapot").code == "Http418"


def test_every_error_is_a_backup_error() -> None:
    for error in (TransportError("x"), ResponseError(400, "c", "m"), InvalidResourceIdError("p", "v", "r")):
        assert isinstance(error, BackupError)


def test_error_text_never_contains_a_bearer_token() -> None:
    echoed = f'{{"error": "bad header Authorization: Bearer {JWT}", "x-ms-authorization-auxiliary": "Bearer abc.def"}}'
    error = ResponseError(400, "BadRequest", echoed, secrets=("abc.def",))
    for text in (str(error), repr(error), error.message, error.to_info().model_dump_json()):
        assert JWT not in text
        assert "abc.def" not in text
        assert "Bearer ***" in text or "***" in text


def test_known_secret_is_redacted_even_when_not_token_shaped() -> None:
    error = ResponseError(400, "BadRequest", "token was opaque-crr-token-value", secrets=("opaque-crr-token-value",))
    assert "opaque-crr-token-value" not in str(error)


def test_crr_access_token_string_is_redacted() -> None:
    assert "s3cr3t" not in redact('{"accessTokenString": "s3cr3t", "x": 1}')


def test_unsafe_url_error_does_not_echo_the_url_query() -> None:
    error = UnsafeUrlError("host is not the ARM endpoint", host="evil.example")
    assert "evil.example" in str(error)
    assert "sig=" not in str(error)


def test_invalid_resource_id_error_names_the_part() -> None:
    error = InvalidResourceIdError("resourceGroups", "/subscriptions/x", "missing")
    assert error.part == "resourceGroups"
    assert "resourceGroups" in str(error)
    assert isinstance(error, ValueError)
