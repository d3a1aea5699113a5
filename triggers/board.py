"""GET /api/board: the live restore board, one static page (HTML, CSS and a small script) served by the app.

The page carries no data and no secret: its script asks for the caller's function key, keeps it in
`sessionStorage`, and sends it as `x-functions-key` to the public API only (docs/board.md). So the page itself is
anonymous, like `GET /api/openapi.json`. Style and script are inlined into the one response, so nothing else is
fetched; the Content-Security-Policy allows exactly those two blocks (by their SHA-256) and requests to this origin.
The script is `SCRIPTS` joined in order inside one strict-mode function scope, so the files share their names
without globals and with no build step.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func

from triggers.guard import guarded

bp = df.Blueprint()
STATIC = Path(__file__).resolve().parent / "static"
# The page changes only with a deployment: let browsers keep it briefly, then revalidate by ETag.
CACHE_CONTROL = "public, max-age=300, must-revalidate"
# Helpers first; board.js last, as it starts the first poll once every section's listeners are in place.
SCRIPTS = ("dom.js", "plans.js", "approvals.js", "drills.js", "board.js")


@dataclass(frozen=True)
class Page:
    body: bytes
    etag: str
    csp: str


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def script() -> str:
    """The page's one script: `SCRIPTS` in order, in one function scope."""
    parts = [(STATIC / name).read_text() for name in SCRIPTS]
    return '"use strict";\n(() => {\n' + "\n".join(parts) + "})();\n"


@cache
def page() -> Page:
    """The board page with its style and script inlined, its ETag and its Content-Security-Policy."""
    style = (STATIC / "board.css").read_text()
    script_text = script()
    html = (STATIC / "board.html").read_text().replace("/*STYLE*/", style).replace("/*SCRIPT*/", script_text)
    csp = "; ".join([
        "default-src 'none'", f"style-src {_sha256(style)}", f"script-src {_sha256(script_text)}",
        "connect-src 'self'", "img-src 'self' data:", "base-uri 'none'", "form-action 'none'",
        "frame-ancestors 'none'",
    ])
    body = html.encode()
    return Page(body=body, etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"', csp=csp)


@bp.route(route="board", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@guarded
def board(req: func.HttpRequest) -> func.HttpResponse:
    """The restore board (docs/board.md); 304 when the caller's copy is current."""
    current = page()
    headers = {"ETag": current.etag, "Cache-Control": CACHE_CONTROL, "Content-Security-Policy": current.csp,
               "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
    if current.etag in [t.strip() for t in (req.headers.get("If-None-Match") or "").split(",")]:
        return func.HttpResponse(status_code=304, headers=headers)
    return func.HttpResponse(current.body, status_code=200, mimetype="text/html", charset="utf-8", headers=headers)
