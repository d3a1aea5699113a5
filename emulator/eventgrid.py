"""An Event Grid custom topic in the CloudEvents 1.0 input schema: `POST /eventgrid/topics/{topic}/api/events`.

It checks what Event Grid checks before it accepts a publish, then keeps the events for
`GET /_emulator/eventgrid/events` (in memory: not in the state file). Sources:
- the operation: Azure/azure-rest-api-specs `specification/eventgrid/data-plane/Microsoft.EventGrid/stable/2018-01-01/
  EventGrid.json`, `PublishCloudEventEvents` (`POST /api/events`, `api-version` required, a JSON array of
  `CloudEventEvent`, whose required fields are `id`, `source`, `type`, `specversion`; `200` when accepted) and its
  example `examples/PublishEventsToEventGridTopicAsCloudEvents.json`;
- the content types: `application/cloudevents-batch+json` (an array, the spec's `consumes`) and
  `application/cloudevents+json` (one event, the structured mode), each with an optional charset (Learn "Use
  CloudEvents v1.0 schema with Event Grid", azure/event-grid/cloudevents-schema; the CloudEvents HTTP binding);
- the credential: a Microsoft Entra token for the audience `https://eventgrid.azure.net` (scope
  `https://eventgrid.azure.net/.default`) of an identity with `EventGrid Data Sender` (Learn "Authenticate publishing
  clients using Microsoft Entra ID", azure/event-grid/authenticate-with-active-directory); the emulator's model: a
  token its managed identity endpoint issued for that resource, not expired. A token for another audience (an ARM
  token) is refused, as Entra audiences are;
- the size: a publish of at most 1 MB, else `413 Payload Too Large` (Learn azure/event-grid/event-schema), and at
  most 5,000 events (Learn azure/event-grid/quotas-limits, "Number of incoming events per batch"; the emulator
  answers 413 too: no public source shows the status).
Local (key/SAS) auth is off, as `disableLocalAuth: true` makes it in infra/.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from emulator.httpctx import json_response
from emulator.tokens import TokenStore, sha256

API_VERSIONS = frozenset({"2018-01-01"})
AUDIENCE = "https://eventgrid.azure.net"
BATCH_TYPE = "application/cloudevents-batch+json"
SINGLE_TYPE = "application/cloudevents+json"
MAX_PUBLISH_BYTES = 1024 * 1024
MAX_EVENTS = 5000
REQUIRED_FIELDS = ("id", "source", "type", "specversion")


class PublishRefused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def response(self) -> Response:
        headers = {"WWW-Authenticate": f'Bearer resource="{AUDIENCE}"'} if self.status == 401 else {}
        return json_response({"error": {"code": self.code, "message": self.message}}, self.status, headers)


@dataclass
class ReceivedEvent:
    topic: str
    received_at: datetime
    token_sha256: str
    event: dict[str, Any]


@dataclass
class EventSink:
    """The events every topic accepted, in arrival order."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    received: list[ReceivedEvent] = field(default_factory=list)

    def add(self, events: list[ReceivedEvent]) -> None:
        with self._lock:
            self.received.extend(events)

    def listing(self) -> list[ReceivedEvent]:
        with self._lock:
            return list(self.received)

    def clear(self) -> None:
        with self._lock:
            self.received.clear()


def check_token(tokens: TokenStore, authorization: str | None, now: datetime) -> str:
    """The token's SHA-256 when it may publish. Raises: PublishRefused (401)."""
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise PublishRefused(401, "Unauthorized", "The request authorization header is missing or is not a bearer "
                                                  "token (local auth is disabled for this topic).")
    token = tokens.arm.get(value.strip())
    if token is None or now >= token.expires_at:
        raise PublishRefused(401, "Unauthorized", "The access token is invalid or has expired.")
    if token.resource.rstrip("/").lower() != AUDIENCE:
        raise PublishRefused(401, "Unauthorized", f"The access token was issued for the audience '{token.resource}'; "
                                                  f"Event Grid accepts only '{AUDIENCE}'.")
    return sha256(token.token)


def read_events(content_type: str, raw: bytes) -> list[dict[str, Any]]:
    """The published events, each with the CloudEvents 1.0 fields Event Grid requires. Raises: PublishRefused."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media not in (BATCH_TYPE, SINGLE_TYPE):
        raise PublishRefused(400, "BadRequest", f"Content-Type '{media or '(none)'}' is not accepted by a topic in "
                                                f"the CloudEvents schema: use {BATCH_TYPE} or {SINGLE_TYPE}.")
    if len(raw) > MAX_PUBLISH_BYTES:
        raise PublishRefused(413, "PayloadTooLarge", "The maximum size of a publish is 1 MB.")
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise PublishRefused(400, "BadRequest", f"The request body is not valid JSON: {exc.msg}.") from None
    events = body if media == BATCH_TYPE else [body]
    if media == BATCH_TYPE and not isinstance(body, list):
        raise PublishRefused(400, "BadRequest", f"A {BATCH_TYPE} body must be a JSON array of events.")
    if len(events) > MAX_EVENTS:
        raise PublishRefused(413, "PayloadTooLarge", f"A publish holds at most {MAX_EVENTS} events.")
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            raise PublishRefused(400, "BadRequest", f"Event {index} is not a JSON object.")
        for name in REQUIRED_FIELDS:
            if not isinstance(event.get(name), str) or not event[name]:
                raise PublishRefused(400, "BadRequest", f"Event {index}: required property '{name}' is missing "
                                                        "or empty.")
        if event["specversion"] != "1.0":
            raise PublishRefused(400, "BadRequest", f"Event {index}: specversion '{event['specversion']}' is not "
                                                    "supported; use '1.0'.")
        if "time" in event and not _is_time(event["time"]):
            raise PublishRefused(400, "BadRequest", f"Event {index}: time is not an RFC 3339 timestamp.")
    return events


def _is_time(value: Any) -> bool:
    try:
        datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


async def publish(request: Request) -> Response:
    """`POST /eventgrid/topics/{topic}/api/events?api-version=2018-01-01`."""
    runtime = request.app.state.runtime
    backend = runtime.backend
    try:
        if request.query_params.get("api-version") not in API_VERSIONS:
            raise PublishRefused(400, "BadRequest", "The api-version query parameter is missing or not supported; "
                                                    f"use {', '.join(sorted(API_VERSIONS))}.")
        digest = check_token(backend.tokens, request.headers.get("authorization"), backend.now())
        events = read_events(request.headers.get("content-type", ""), await request.body())
    except PublishRefused as refused:
        return refused.response()
    topic = request.path_params["topic"]
    now = backend.now()
    runtime.events.add([ReceivedEvent(topic, now, digest, event) for event in events])
    return Response(b"", 200)
