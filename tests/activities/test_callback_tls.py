"""The callback sender over TLS and at the edges of its HTTP exchange: the certificate is checked against the URL's
host name although the connection goes to the checked address, an untrusted or wrong certificate fails, a silent
endpoint times out, and what is posted (body, headers, path, default ports, a 3xx answer) is exactly what was asked."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import trustme

from activities import callback
from activities.callback import post_callback, resolve_checked
from azbackup.errors import ResponseError, TransportError
from restore.errors import CallbackRefusedError
from restore.hosts import literal_address
from restore.payloads import NotifyInput
from restore.settings import read_settings
from tests.reliability.servers import Recorder

_REAL_GETADDRINFO = socket.getaddrinfo
INSECURE = read_settings({"CALLBACK_ALLOW_INSECURE": "true"})
HOST = "hooks.example.test"
BODY = {"id": "r1", "status": "succeeded", "job": {"id": "j1"}}


def _send(url: str) -> int:
    return post_callback(NotifyInput(url=url, body=BODY), INSECURE).status


def _dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, str]) -> list[tuple[str, Any]]:
    """Names resolve to the given addresses, other names do not resolve; returns the (name, port) lookups made.
    Literal addresses go to the real resolver unrecorded (urllib3 "resolves" the checked address it dials)."""
    lookups: list[tuple[str, Any]] = []

    def fake(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if literal_address(str(host)) is not None:
            return _REAL_GETADDRINFO(host, port, *args, **kwargs)
        lookups.append((host, port))
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return lookups


class _Handler(BaseHTTPRequestHandler):
    seen: list[tuple[str, dict[str, str], bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append((self.path, dict(self.headers.items()), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture()
def ca() -> trustme.CA:
    return trustme.CA()


def _tls_server(cert: trustme.LeafCert, sni: list[str | None] | None = None,
                ) -> tuple[ThreadingHTTPServer, list[tuple[str, dict[str, str], bytes]]]:
    """A TLS server with `cert`; the server names clients send (SNI) are appended to `sni`."""
    seen: list[tuple[str, dict[str, str], bytes]] = []
    handler = type("Handler", (_Handler,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    if sni is not None:
        context.sni_callback = lambda _sock, name, _ctx: sni.append(name)  # type: ignore[func-returns-value]
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


@pytest.fixture()
def trusted(ca: trustme.CA, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """The sender's CA bundle (certifi's, in production) is this test's CA."""
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setattr(callback.certifi, "where", lambda: str(bundle))


def _stop(server: ThreadingHTTPServer) -> None:
    server.shutdown()
    server.server_close()


@pytest.mark.usefixtures("trusted")
def test_https_verifies_the_certificate_against_the_urls_host_while_connecting_to_the_checked_address(
        ca: trustme.CA, monkeypatch: pytest.MonkeyPatch) -> None:
    sni: list[str | None] = []
    server, seen = _tls_server(ca.issue_cert(HOST), sni)
    try:
        _dns(monkeypatch, {HOST: "127.0.0.1"})
        assert _send(f"https://{HOST}:{server.server_address[1]}/cb") == 200
    finally:
        _stop(server)
    assert sni == [HOST]  # the TLS server name is the URL's host, not the address dialled
    [(path, headers, body)] = seen
    assert path == "/cb" and headers["Host"] == f"{HOST}:{server.server_address[1]}"
    assert json.loads(body) == BODY


@pytest.mark.usefixtures("trusted")
def test_a_certificate_for_another_name_fails_even_from_a_trusted_ca(
        ca: trustme.CA, monkeypatch: pytest.MonkeyPatch) -> None:
    server, seen = _tls_server(ca.issue_cert("other.example.test", "127.0.0.1"))
    try:
        _dns(monkeypatch, {HOST: "127.0.0.1"})
        with pytest.raises(TransportError, match="callback failed: SSLError"):
            _send(f"https://{HOST}:{server.server_address[1]}/cb")
    finally:
        _stop(server)
    assert seen == []


def test_a_certificate_from_a_ca_the_bundle_does_not_hold_fails(ca: trustme.CA,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    server, seen = _tls_server(ca.issue_cert(HOST))  # certifi's real bundle does not hold this test CA
    try:
        _dns(monkeypatch, {HOST: "127.0.0.1"})
        with pytest.raises(TransportError, match="callback failed: SSLError"):
            _send(f"https://{HOST}:{server.server_address[1]}/cb")
    finally:
        _stop(server)
    assert seen == []


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_an_endpoint_that_never_answers_times_out(scheme: str, monkeypatch: pytest.MonkeyPatch) -> None:
    listener = socket.create_server(("127.0.0.1", 0))  # accepts (backlog) but never reads nor answers
    monkeypatch.setattr(callback, "TIMEOUT_SECONDS", 0.5)
    try:
        with pytest.raises(TransportError, match=r"^callback failed: \w+$"):
            _send(f"{scheme}://127.0.0.1:{listener.getsockname()[1]}/cb")
    finally:
        listener.close()


@pytest.fixture()
def recorder() -> Iterator[Recorder]:
    with Recorder() as rec:
        yield rec


def test_the_post_carries_the_json_body_its_content_type_and_the_apps_user_agent(recorder: Recorder) -> None:
    assert _send(f"{recorder.url}/cb") == 200
    [seen] = recorder.seen
    assert json.loads(seen.body) == BODY
    # Field names compare case-insensitively on the wire (RFC 9110 §5.1); the values exactly.
    headers = {k.lower(): v for k, v in seen.headers.items()}
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == INSECURE.client_config().user_agent


def test_a_url_without_path_or_query_posts_to_the_root(recorder: Recorder) -> None:
    assert _send(recorder.url) == 200
    assert recorder.paths() == ["/"]


def test_a_literal_address_is_used_as_it_is_without_a_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_lookup(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"looked up {args[0]!r}")

    monkeypatch.setattr(socket, "getaddrinfo", no_lookup)
    assert str(resolve_checked("127.0.0.1", 80, allow_internal=True)) == "127.0.0.1"


@pytest.mark.parametrize(("scheme", "port"), [("http", 80), ("https", 443)])
def test_without_a_port_the_schemes_default_port_is_looked_up_and_dialled(
        scheme: str, port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    lookups = _dns(monkeypatch, {HOST: "127.0.0.1"})
    dialled: list[Any] = []

    def dial(address: Any, *args: Any, **kwargs: Any) -> Any:
        dialled.append(address)
        raise ConnectionRefusedError("refused by the test")

    monkeypatch.setattr(socket, "create_connection", dial)
    monkeypatch.setattr("urllib3.util.connection.create_connection", dial)
    with pytest.raises(TransportError, match="callback failed"):
        _send(f"{scheme}://{HOST}/cb")
    assert lookups == [(HOST, port)]
    assert dialled and all(a[:2] == ("127.0.0.1", port) for a in dialled)


@pytest.mark.parametrize("status", [300, 301, 404])
def test_a_3xx_or_4xx_answer_is_an_error_that_names_the_status(status: int, monkeypatch: pytest.MonkeyPatch) -> None:
    class Answer(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(ResponseError) as caught:
            _send(f"http://127.0.0.1:{server.server_address[1]}/cb")
    finally:
        _stop(server)
    assert caught.value.status == status and caught.value.code == f"Callback{status}"
    assert caught.value.message == "the callback endpoint refused the result"


def test_a_name_that_does_not_resolve_is_a_transport_error_naming_why(monkeypatch: pytest.MonkeyPatch) -> None:
    _dns(monkeypatch, {})
    with pytest.raises(TransportError) as caught:
        resolve_checked(HOST, 443, allow_internal=True)
    assert caught.value.message == "callback host does not resolve: gaierror"


def test_an_answer_that_is_no_address_is_refused_as_unusable(monkeypatch: pytest.MonkeyPatch) -> None:
    _dns(monkeypatch, {HOST: "not-an-address"})
    with pytest.raises(CallbackRefusedError) as caught:
        resolve_checked(HOST, 443, allow_internal=True)
    assert str(caught.value.message) == "callbackUrl refused: the host resolved to no usable address"


def test_a_scoped_ipv6_answer_is_judged_by_its_address_without_the_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    _dns(monkeypatch, {HOST: "fe80::1%eth0"})
    with pytest.raises(CallbackRefusedError) as caught:
        resolve_checked(HOST, 443, allow_internal=True)
    assert caught.value.message.startswith("callbackUrl refused: the host resolves to fe80::1, which ")
