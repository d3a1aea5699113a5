"""GET /api/board: one self-contained page (nothing external), a strict CSP over its inlined style and script, ETag."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import function_app
from tests.unit.triggers.fakes import http_request
from triggers import board
from triggers.board import STATIC

URL = "http://127.0.0.1:7071/api/board"


def _get(headers: dict[str, str] | None = None) -> object:
    return board.board(http_request("GET", URL, headers=headers))


def test_the_board_route_is_get_api_board_anonymous_and_registered_by_the_app() -> None:
    builders = [fb for fb in function_app.app._function_builders if fb in board.bp._function_builders]
    assert len(builders) == 1
    trigger = json.loads(builders[0].build().get_function_json())["bindings"][0]
    assert (trigger["type"], trigger["route"], trigger["methods"]) == ("httpTrigger", "board", ["GET"])
    assert trigger["authLevel"].lower() == "anonymous"


def test_the_page_inlines_its_style_and_script_and_names_nothing_external() -> None:
    response = _get()
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_body().decode()
    assert (STATIC / "board.css").read_text() in page and board.script() in page
    assert all((STATIC / name).read_text() in page for name in board.SCRIPTS)
    assert "/*SCRIPT*/" not in page and "/*STYLE*/" not in page
    assert not re.search(r"""(src|href)\s*=|@import|url\(|https?://|//[a-z0-9.-]+\.[a-z]{2,}/""", page, re.I)


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_csp_allows_only_the_inlined_blocks_and_this_origin() -> None:
    csp = dict(part.strip().split(" ", 1) for part in _get().headers["Content-Security-Policy"].split(";"))
    assert csp["default-src"] == "'none'" and csp["connect-src"] == "'self'"
    assert csp["script-src"] == _hash(board.script())
    assert csp["style-src"] == _hash((STATIC / "board.css").read_text())
    assert csp["frame-ancestors"] == "'none'"


def test_a_current_copy_gets_304_and_the_page_is_cached_briefly() -> None:
    first = _get()
    etag = first.headers["ETag"]
    assert "max-age=" in first.headers["Cache-Control"]
    again = _get({"If-None-Match": etag})
    assert again.status_code == 304 and again.get_body() == b""
    assert _get({"If-None-Match": '"other"'}).status_code == 200

