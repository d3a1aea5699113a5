"""HMAC-SHA256 webhook signatures with a replay window."""

from __future__ import annotations

from triggers.signatures import sign, signature_problem

SECRET = "s3cret"
BODY = b'{"incidentId":"INC-1"}'
NOW = 1_800_000_000.0
TS = str(int(NOW))


def test_a_correct_signature_is_accepted() -> None:
    assert signature_problem(SECRET, TS, sign(SECRET, TS, BODY), BODY, NOW) is None


def test_a_bare_hex_signature_is_accepted_too() -> None:
    bare = sign(SECRET, TS, BODY).removeprefix("sha256=")
    assert signature_problem(SECRET, TS, bare.upper(), BODY, NOW) is None


def test_a_changed_body_is_refused() -> None:
    assert signature_problem(SECRET, TS, sign(SECRET, TS, BODY), BODY + b" ", NOW) == "signature mismatch"


def test_a_signature_made_with_another_secret_is_refused() -> None:
    assert signature_problem(SECRET, TS, sign("other", TS, BODY), BODY, NOW) == "signature mismatch"


def test_the_timestamp_is_part_of_what_is_signed() -> None:
    other_ts = str(int(NOW) - 10)
    assert signature_problem(SECRET, other_ts, sign(SECRET, TS, BODY), BODY, NOW) == "signature mismatch"


def test_requests_outside_the_five_minute_window_are_refused_both_ways() -> None:
    old, future = str(int(NOW) - 301), str(int(NOW) + 301)
    assert "window" in (signature_problem(SECRET, old, sign(SECRET, old, BODY), BODY, NOW) or "")
    assert "window" in (signature_problem(SECRET, future, sign(SECRET, future, BODY), BODY, NOW) or "")
    edge = str(int(NOW) - 300)
    assert signature_problem(SECRET, edge, sign(SECRET, edge, BODY), BODY, NOW) is None


def test_missing_headers_or_a_malformed_timestamp_are_refused() -> None:
    assert "missing" in (signature_problem(SECRET, None, "x", BODY, NOW) or "")
    assert "missing" in (signature_problem(SECRET, TS, None, BODY, NOW) or "")
    assert "Unix seconds" in (signature_problem(SECRET, "yesterday", "x", BODY, NOW) or "")


def test_without_a_configured_secret_everything_is_refused() -> None:
    assert signature_problem("", TS, sign("", TS, BODY), BODY, NOW) == "the webhook secret is not configured"
