"""Decide whether a URL from a response (tracking header, nextLink) may receive our ARM token."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, urlsplit

from azbackup.errors import UnsafeUrlError

_DEFAULT_PORTS = {"https": 443, "http": 80}
# One DNS label, e.g. "centraluseuap" in centraluseuap.management.azure.com (regional ARM hosts in the examples).
_REGION_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_FORBIDDEN_CHARS = re.compile(r"[\s\\\x00-\x1f\x7f]")


def _split(url: str) -> SplitResult:
    if not isinstance(url, str) or not url or _FORBIDDEN_CHARS.search(url):
        raise UnsafeUrlError("not a well-formed absolute URL")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise UnsafeUrlError("not a well-formed absolute URL") from exc
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        raise UnsafeUrlError("not an absolute http(s) URL")
    return parts


def _port(parts: SplitResult) -> int:
    return parts.port or _DEFAULT_PORTS[parts.scheme.lower()]


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def host_matches(host: str, arm_host: str) -> bool:
    """True when `host` is the ARM host or a regional ARM host `<region>.<arm host>` of the same cloud."""
    host, arm_host = host.lower().rstrip("."), arm_host.lower().rstrip(".")
    if host == arm_host:
        return True
    if _is_ip(arm_host) or not host.endswith("." + arm_host):
        return False
    return bool(_REGION_LABEL.match(host[: -len(arm_host) - 1]))


def check_url(url: str, arm_endpoint: str) -> str:
    """Return `url` unchanged when it may be called with an ARM token.

    Scheme, host (or `<region>.<arm host>`) and port must match `arm_endpoint`; credentials in the URL are refused.

    Raises:
        UnsafeUrlError: the URL points elsewhere; the caller must not send anything to it.
    """
    arm = _split(arm_endpoint)
    parts = _split(url)
    host = parts.hostname or ""
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise UnsafeUrlError("URL carries user information", host=host)
    if parts.scheme.lower() != arm.scheme.lower():
        raise UnsafeUrlError(f"scheme {parts.scheme!r} differs from the ARM endpoint's", host=host)
    if not host_matches(host, arm.hostname or ""):
        raise UnsafeUrlError("host is not the ARM endpoint", host=host)
    if _port(parts) != _port(arm):
        raise UnsafeUrlError("port differs from the ARM endpoint's", host=host)
    return url
