"""The callback sender: resolves at send time, refuses internal addresses, connects to the address it checked."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from activities.callback import post_callback, resolve_checked
from azbackup.errors import ResponseError
from restore.errors import CallbackRefusedError
from restore.payloads import NotifyInput
from restore.settings import Settings, read_settings
from tests.reliability.servers import Recorder

STRICT = read_settings({"CALLBACK_ALLOW_INSECURE": "false"})
INSECURE = read_settings({"CALLBACK_ALLOW_INSECURE": "true"})
_REAL_GETADDRINFO = socket.getaddrinfo


def _send(url: str, settings: Settings) -> int:
    return post_callback(NotifyInput(url=url, body={"id": "r1", "status": "succeeded"}), settings).status


@pytest.fixture()
def recorder() -> Iterator[Recorder]:
    with Recorder() as rec:
        yield rec


def _rebinding_dns(monkeypatch: pytest.MonkeyPatch, name: str, first: str, then: str) -> list[str]:
    """`name` resolves to `first` once, then to `then` (a rebinding DNS name); returns the lookups made."""
    lookups: list[str] = []

    def fake(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != name:
            return _REAL_GETADDRINFO(host, port, *args, **kwargs)
        lookups.append(host)
        address = first if len(lookups) == 1 else then
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return lookups


def test_the_post_goes_to_the_checked_address_with_the_urls_host_and_one_lookup(
        monkeypatch: pytest.MonkeyPatch, recorder: Recorder) -> None:
    port = int(recorder.url.rsplit(":", 1)[1])
    lookups = _rebinding_dns(monkeypatch, "hooks.example.test", "127.0.0.1", "10.99.99.99")
    assert _send(f"http://hooks.example.test:{port}/cb?x=1", INSECURE) == 200
    assert lookups == ["hooks.example.test"]
    [seen] = recorder.seen
    assert seen.method == "POST" and seen.path == "/cb?x=1"
    assert seen.headers["Host"] == f"hooks.example.test:{port}"


def test_a_dns_name_that_resolves_to_a_private_address_is_refused_at_send_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _rebinding_dns(monkeypatch, "hooks.example.test", "10.0.0.5", "10.0.0.5")
    with pytest.raises(CallbackRefusedError, match=r"10\.0\.0\.5"):
        _send("https://hooks.example.test/cb", STRICT)


def test_a_name_the_system_resolves_to_loopback_is_refused() -> None:
    with pytest.raises(CallbackRefusedError, match=r"127\.0\.0\.1|::1"):
        resolve_checked("localhost", 443, allow_internal=False)


@pytest.mark.parametrize("address", ["169.254.169.254", "168.63.129.16", "fe80::1", "::ffff:169.254.169.254"])
def test_metadata_and_link_local_addresses_stay_refused_in_insecure_mode(
        monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    monkeypatch.setattr(socket, "getaddrinfo",
                        lambda host, port, *a, **k: [(family, socket.SOCK_STREAM, 6, "", (address, port))])
    with pytest.raises(CallbackRefusedError):
        _send("http://metadata.example.test/cb", INSECURE)
    url_host = f"[{address}]" if ":" in address else address
    with pytest.raises(CallbackRefusedError):
        _send(f"http://{url_host}/cb", INSECURE)


@pytest.mark.parametrize("host", ["2130706433", "0x7f.1", "127.1", "0", "100.64.0.1", "[::ffff:127.0.0.1]",
                                  "127\u30020\u30020\u30021", "xn--n3h.com\u2024evil"])
def test_every_spelling_of_an_internal_host_is_refused_before_any_connection(host: str) -> None:
    with pytest.raises(CallbackRefusedError):
        _send(f"https://{host}/cb", STRICT)


def test_a_redirect_is_not_followed(recorder: Recorder) -> None:
    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(307)
            self.send_header("Location", recorder.url + "/followed")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(ResponseError, match="refused"):
            _send(f"http://127.0.0.1:{server.server_address[1]}/cb", INSECURE)
    finally:
        server.shutdown()
        server.server_close()
    assert recorder.seen == []
