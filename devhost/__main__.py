"""`python -m devhost --port 7071 [--host 127.0.0.1] [--app function_app] [--db PATH] [--time-scale N]
[--clock-file PATH]`."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import socket
import sys
from pathlib import Path

import uvicorn

from devhost.config import HostConfig
from devhost.logs import configure
from devhost.server import build
from devhost.store import StoreVersionError

log = logging.getLogger("devhost")

# An idle kept-alive connection stays open this long, as the Functions host's Kestrel keeps it (dotnet/aspnetcore
# `src/Servers/Kestrel/Core/src/KestrelServerLimits.cs`, `_keepAliveTimeout = TimeSpan.FromSeconds(130)`). uvicorn's
# default of 5 s equals the `Retry-After: 5` the API hands out: a client that waits exactly that long before its
# next poll would meet a connection the server is closing.
KEEP_ALIVE_SECONDS = 130


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devhost", description="Local Azure Functions host")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7071)
    parser.add_argument("--app", default="function_app", help="module that defines the FunctionApp/DFApp")
    parser.add_argument("--db", type=Path, default=Path(".devhost/devhost.db"))
    parser.add_argument("--time-scale", type=float, default=1.0,
                        help="durable timers fire N times sooner in wall-clock time")
    parser.add_argument("--clock-file", type=Path,
                        help="share the service-time anchor with the emulator through this JSON file "
                             "(created if missing; another --time-scale re-anchors it)")
    args = parser.parse_args(argv)
    if args.time_scale <= 0:
        parser.error("--time-scale must be positive")
    return args


def rpc_listener() -> socket.socket:
    """The loopback socket of the durable RPC endpoint (a free port; LocalHttpListener.cs tries 17071, then random
    ports, when one is taken)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.set_inheritable(True)
    return sock


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    configure(os.environ.get("DEVHOST_LOG_LEVEL", "INFO"))
    sys.path.insert(0, os.getcwd())
    config = HostConfig.from_env(args.host, args.port, args.app, args.db, args.time_scale, args.clock_file)
    rpc_socket = rpc_listener() if config.enforce_keys else None
    if rpc_socket is not None:
        config = dataclasses.replace(config, rpc_port=rpc_socket.getsockname()[1])
    # App Service / Functions set WEBSITE_HOSTNAME to the app's default host name (MicrosoftDocs/azure-docs
    # articles/app-service/reference-app-settings.md, "WEBSITE_HOSTNAME"); the app builds its own URLs from it.
    os.environ.setdefault("WEBSITE_HOSTNAME", f"{config.host}:{config.port}")
    try:
        app = build(config)
    except (StoreVersionError, OSError, ValueError) as exc:  # an unusable database or clock file: say which
        print(f"devhost: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    # uvicorn handles SIGINT/SIGTERM: it stops accepting, runs the lifespan shutdown (engine.stop) and returns.
    server = uvicorn.Server(uvicorn.Config(app, host=config.host, port=config.port, log_config=None,
                                           access_log=False, timeout_graceful_shutdown=5,
                                           timeout_keep_alive=KEEP_ALIVE_SECONDS))
    server.run(sockets=[server.config.bind_socket(), *([rpc_socket] if rpc_socket else [])])
    log.info("host.exited")
    logging.shutdown()
    # State is committed in SQLite; do not let an activity still running on a worker thread delay the exit
    # (ThreadPoolExecutor joins its threads at interpreter exit). Its work item is re-run on the next start.
    os._exit(0)


if __name__ == "__main__":
    main()
