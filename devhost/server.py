"""The Starlette application: admin status, durable HTTP API, Event Grid webhook, HTTP triggers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from devhost.binding import client_binding
from devhost.clock import FileClock, ScaledClock
from devhost.config import HostConfig
from devhost.engine import Engine
from devhost.eventgrid import EventGridWebhook
from devhost.http_triggers import ROUTE_PREFIX, HttpTriggers
from devhost.management import DurableApi
from devhost.registry import Registry, load
from devhost.store import Store
from devhost.timers import TimerListener

log = logging.getLogger("devhost.server")
ALL_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]


def _clock(config: HostConfig, store: Store) -> ScaledClock:
    """The clock file's anchor when one is named, else the anchor kept in the database.

    Raises:
        OSError, ValueError: the clock file cannot be read or written.
    """
    if config.clock_file is not None:
        return FileClock(config.clock_file, config.time_scale)
    clock = ScaledClock.resume(config.time_scale, store.meta("clock."))
    store.set_meta("clock.", clock.to_meta())
    return clock


def build(config: HostConfig, registry: Registry | None = None) -> Starlette:
    """Load the app, open the store, and wire routes; the engine runs for the application's lifespan."""
    registry = registry or load(config.app)
    store = Store(config.db)
    clock = _clock(config, store)
    engine = Engine(store, clock, registry, config.activity_workers, config.orchestration_workers,
                    client_json=client_binding(config))
    triggers = HttpTriggers(registry.http, config)
    timers = TimerListener(registry.timers, clock, store, config)

    async def host_status(request: Request) -> Response:
        return JSONResponse({"id": "devhost", "state": "Running", "version": "devhost",
                             "extensionBundle": None, "processUptime": None,
                             "timeScale": clock.scale, "serviceTime": engine.now_text(),
                             "clockFile": str(config.clock_file) if config.clock_file else None})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine.loop = asyncio.get_running_loop()
        engine.start()
        timers.start()
        log.info("host.started", extra={
            "port": config.port, "app": config.app, "db": str(config.db), "time_scale": config.time_scale,
            "http_functions": [f.name for f in registry.http], "orchestrators": sorted(registry.orchestrators),
            "activities": sorted(registry.activities), "eventgrid_functions": sorted(registry.eventgrid),
            "timer_functions": [t.name for t in registry.timers],
            "unsupported_functions": registry.unsupported, "keys_enforced": config.enforce_keys})
        try:
            yield
        finally:
            await timers.stop()
            engine.stop()
            store.close()
            log.info("host.stopped")

    routes = [Route("/admin/host/status", host_status, methods=["GET"]),
              *DurableApi(engine, config).routes(),
              *EventGridWebhook(registry.eventgrid, config).routes(),
              Route(f"/{ROUTE_PREFIX}" + "/{path:path}", triggers.handle, methods=ALL_METHODS)]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.engine = engine
    return app
