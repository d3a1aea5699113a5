"""The Event Grid extension's webhook: POST /runtime/webhooks/eventgrid?functionName={name}."""

from __future__ import annotations

import json
import logging
from typing import Any

from azure.functions.eventgrid import EventGridEventInConverter
from azure.functions.meta import Datum
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from devhost.binding import client_binding
from devhost.config import HostConfig, key_from
from devhost.http_triggers import invoke

log = logging.getLogger("devhost.eventgrid")
PATH = "/runtime/webhooks/eventgrid"
VALIDATION_EVENT = "Microsoft.EventGrid.SubscriptionValidationEvent"


class EventGridWebhook:
    """Event Grid schema (with the SubscriptionValidation handshake) and CloudEvents 1.0 (with OPTIONS)."""

    def __init__(self, functions: dict[str, tuple[Any, str, str | None]], config: HostConfig):
        self.functions, self.config = functions, config

    def routes(self) -> list[Route]:
        return [Route(PATH, self.handle, methods=["POST", "OPTIONS"])]

    async def handle(self, request: Request) -> Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        if self.config.enforce_keys and key_from(dict(request.query_params), headers) != self.config.master_key:
            return Response(status_code=401)
        if request.method == "OPTIONS":
            # CloudEvents webhook abuse protection: allow the origin that asks.
            origin = headers.get("webhook-request-origin", "*")
            return Response(status_code=200, headers={"WebHook-Allowed-Origin": origin, "WebHook-Allowed-Rate": "*"})
        name = request.query_params.get("functionName") or ""
        found = self.functions.get(name)
        if found is None:
            return JSONResponse({"error": f"function '{name}' is not an Event Grid triggered function"},
                                status_code=404)
        try:
            payload = json.loads(await request.body() or b"null")
        except json.JSONDecodeError:
            return JSONResponse({"error": "the request body is not JSON"}, status_code=400)
        events = payload if isinstance(payload, list) else [payload]
        kind = headers.get("aeg-event-type", "Notification")
        if kind == "SubscriptionValidation" or (events and isinstance(events[0], dict)
                                                and events[0].get("eventType") == VALIDATION_EVENT):
            code = ((events[0] or {}).get("data") or {}).get("validationCode") if events else None
            log.info("eventgrid.validated", extra={"function": name})
            return JSONResponse({"validationResponse": code})
        if kind == "Unsubscribe":
            return Response(status_code=202)
        return await self._deliver(name, found, [e for e in events if isinstance(e, dict)])

    async def _deliver(self, name: str, found: tuple[Any, str, str | None], events: list[dict[str, Any]]) -> Response:
        func, arg_name, client_arg = found
        for item in events:
            value = EventGridEventInConverter.decode(Datum(json.dumps(item), "json"), trigger_metadata=None)
            values: dict[str, Any] = {arg_name: value}
            if client_arg:
                values[client_arg] = client_binding(self.config)
            try:
                await invoke(func, values, name)
            except Exception:  # a failed delivery answers 5xx so Event Grid retries it
                log.exception("eventgrid.function_failed", extra={"function": name, "event_id": item.get("id")})
                return Response(status_code=500)
            log.info("eventgrid.delivered", extra={"function": name, "event_id": item.get("id")})
        return Response(status_code=202)
