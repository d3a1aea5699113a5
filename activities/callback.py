"""POST the restore outcome to the caller's `callbackUrl` (once, best effort), to the address that was checked.

The host is resolved here, at send time; every address it resolves to must pass `restore.hosts.address_problem`,
and the connection goes to the checked address (no second lookup that a rebinding DNS name could answer
differently). TLS still verifies the certificate against the URL's host name (SNI and hostname check), the `Host`
header is the URL's; no redirects are followed and no proxy is used (a proxy would resolve the name again).
"""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import certifi
import urllib3

from azbackup.errors import ResponseError, TransportError, error_class_for
from restore.errors import CallbackRefusedError
from restore.hosts import Address, address_problem, literal_address
from restore.payloads import NotifyInput, NotifyValue
from restore.request import callback_url_problem
from restore.settings import Settings

TIMEOUT_SECONDS = 10


def resolve_checked(host: str, port: int, allow_internal: bool) -> Address:
    """The address to connect to: the first of `host`'s addresses, when all of them are allowed.

    Raises: CallbackRefusedError (an address is not allowed); TransportError (the name does not resolve).
    """
    literal = literal_address(host)
    if literal is not None:
        candidates = [literal]
    else:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise TransportError(f"callback host does not resolve: {type(exc).__name__}") from exc
        candidates = [literal_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not candidates or any(c is None for c in candidates):
        raise CallbackRefusedError("callbackUrl refused: the host resolved to no usable address")
    for address in candidates:
        assert address is not None
        problem = address_problem(address, allow_internal)
        if problem:
            raise CallbackRefusedError(f"callbackUrl refused: the host resolves to {address}, which {problem}")
    assert candidates[0] is not None
    return candidates[0]


def _pool(scheme: str, address: Address, port: int, host: str) -> urllib3.HTTPConnectionPool:
    timeout = urllib3.Timeout(connect=TIMEOUT_SECONDS, read=TIMEOUT_SECONDS)
    if scheme == "https":
        return urllib3.HTTPSConnectionPool(str(address), port, timeout=timeout, retries=False, maxsize=1,
                                           server_hostname=host, assert_hostname=host, cert_reqs="CERT_REQUIRED",
                                           ca_certs=certifi.where())
    return urllib3.HTTPConnectionPool(str(address), port, timeout=timeout, retries=False, maxsize=1)


def post_callback(inp: NotifyInput, settings: Settings) -> NotifyValue:
    """POST the body as JSON; no redirects, no credentials; a non-2xx answer is an error (5xx transient)."""
    allow_internal = settings.callback_allow_insecure
    problem = callback_url_problem(inp.url, strict=not allow_internal)
    if problem:
        raise CallbackRefusedError(f"callbackUrl refused: {problem}")
    parts = urlsplit(inp.url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = resolve_checked(host, port, allow_internal)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"Host": parts.netloc, "Content-Type": "application/json",
               "User-Agent": settings.client_config().user_agent}
    try:
        with _pool(parts.scheme, address, port, host) as pool:
            response = pool.urlopen("POST", path, body=json.dumps(inp.body).encode(), headers=headers,
                                    redirect=False, retries=False, assert_same_host=False)
    except urllib3.exceptions.HTTPError as exc:
        raise TransportError(f"callback failed: {type(exc).__name__}") from exc
    if response.status >= 300:
        error: ResponseError = error_class_for(response.status)(
            response.status, f"Callback{response.status}", "the callback endpoint refused the result")
        raise error
    return NotifyValue(status=response.status)
