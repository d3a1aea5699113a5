"""`vmrestore`'s HTTP client against a real socket server that drops a connection the way a closing keep-alive does."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from vmrestore.api import Api, ApiError

OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


@contextmanager
def dropping_server(drops: int) -> Iterator[tuple[str, list[bytes]]]:
    """Accepts connections; reads a request on each and closes the first `drops` without answering."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)  # how often the loop checks `stop`
    seen: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                seen.append(conn.recv(65536).split(b"\r\n")[0])
                if len(seen) > drops:
                    conn.sendall(OK)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", seen
    finally:
        stop.set()
        thread.join(timeout=10)
        listener.close()


def test_a_read_is_sent_again_when_the_server_drops_the_connection() -> None:
    with dropping_server(drops=2) as (url, seen):
        response = Api(url, None, timeout=5).call("GET", "/api/restores/r1")
    assert response.status_code == 200
    assert seen == [b"GET /api/restores/r1 HTTP/1.1"] * 3


@pytest.mark.parametrize("path", ["/api/restores", "/api/restores/r1/cancel"])
def test_a_write_is_never_sent_twice(path: str) -> None:
    with dropping_server(drops=1) as (url, seen), pytest.raises(ApiError, match="cannot reach"):
        Api(url, None, timeout=5).call("POST", path, json={})
    assert seen == [f"POST {path} HTTP/1.1".encode()]
