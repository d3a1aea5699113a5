"""`python -m emulator --host 127.0.0.1 --port 7072 [--seed FILE] [--time-scale N] [--identity-header local-dev]`."""

from __future__ import annotations

import argparse
import logging

import uvicorn

from emulator.app import build_app
from emulator.backend import Backend
from emulator.clock import ScaledClock
from emulator.logs import configure
from emulator.runtime import Runtime
from emulator.seed import read_seed_file

log = logging.getLogger("emulator")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m emulator", description="Local Azure Backup REST API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7072)
    parser.add_argument("--seed", help="seed file (.json/.yaml); default: the built-in demo seed")
    parser.add_argument("--time-scale", type=float, default=1.0, help="service seconds per wall second")
    parser.add_argument("--identity-header", default="local-dev", help="expected X-IDENTITY-HEADER value")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    configure(args.log_level)
    seed = read_seed_file(args.seed) if args.seed else None
    backend = Backend(ScaledClock(args.time_scale), seed)
    app = build_app(Runtime(backend, args.identity_header))
    log.info("emulator.starting", extra={"host": args.host, "port": args.port, "time_scale": args.time_scale,
                                         "seed": args.seed or "demo"})
    # uvicorn handles SIGTERM/SIGINT: stops accepting, finishes in-flight requests, exits 0.
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False, lifespan="off")
    log.info("emulator.stopped")


if __name__ == "__main__":
    main()
