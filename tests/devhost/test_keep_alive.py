"""The host keeps an idle connection open longer than any Retry-After it hands out (Kestrel keeps it 130 s), so a
client that waits exactly Retry-After on a kept-alive connection never meets one the server is closing."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import requests

from tests.support.procs import Proc

LONGEST_RETRY_AFTER = 10  # the management API's 202 on start (devhost/management.py); the app's own is 5


def _request(sock: socket.socket, host: str) -> bytes:
    sock.sendall(f"GET /admin/host/status HTTP/1.1\r\nHost: {host}\r\nConnection: keep-alive\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "the host closed the connection before it answered"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-"
                                                                                                      b"length:"))
    while len(body) < length:
        body += sock.recv(65536)
    return head


def test_an_idle_kept_alive_connection_outlasts_the_longest_retry_after(host: Proc) -> None:
    assert requests.get(f"{host.url}/admin/host/status", timeout=10).status_code == 200
    parts = urlsplit(host.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        assert _request(sock, parts.netloc).startswith(b"HTTP/1.1 200")
        sock.settimeout(LONGEST_RETRY_AFTER + 2)
        try:
            closed = sock.recv(1) == b""  # b"" = the server closed the idle connection
        except TimeoutError:
            closed = False  # still open after the whole wait: what a polling client needs
        assert not closed, f"the host closed an idle connection within {LONGEST_RETRY_AFTER + 2}s"
        assert _request(sock, parts.netloc).startswith(b"HTTP/1.1 200")  # and the same connection still serves
