"""`python -m emulator --host 127.0.0.1 --port 7072 [--seed FILE] [--time-scale N] [--identity-header local-dev]
[--state-file PATH] [--clock-file PATH]`."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import uvicorn

from emulator.app import build_app
from emulator.backend import Backend
from emulator.clock import Clock, FileClock, ScaledClock
from emulator.logs import configure
from emulator.persistence import StateFile, StateFileError
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
    parser.add_argument("--state-file", type=Path,
                        help="keep the whole state in this file (written after every change, read at start); "
                             "default: in memory only")
    parser.add_argument("--clock-file", type=Path,
                        help="share the service-time anchor with other processes through this JSON file")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    if args.time_scale <= 0:
        parser.error("--time-scale must be positive")
    return args


def build_runtime(args: argparse.Namespace) -> Runtime:
    """Raises: StateFileError, OSError or ValueError for an unusable state, clock or seed file."""
    seed = read_seed_file(args.seed) if args.seed else None
    state_file = StateFile(args.state_file) if args.state_file else None
    saved = state_file.read() if state_file else None
    clock: Clock
    if args.clock_file:
        clock = FileClock(args.clock_file, args.time_scale)
    else:
        clock = ScaledClock.resume(args.time_scale, saved[1] if saved else None)
    runtime = Runtime(Backend(clock, seed, saved[0] if saved else None), args.identity_header,
                      state_file=state_file)
    runtime.persist()
    return runtime


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    configure(args.log_level)
    try:
        runtime = build_runtime(args)
    except (StateFileError, OSError, ValueError) as exc:
        log.error("emulator.cannot_start", extra={"error": str(exc)})
        sys.exit(2)
    log.info("emulator.starting", extra={"host": args.host, "port": args.port, "time_scale": args.time_scale,
                                         "seed": args.seed or "demo", "state_file": str(args.state_file or ""),
                                         "clock_file": str(args.clock_file or "")})
    # uvicorn handles SIGTERM/SIGINT: stops accepting, finishes in-flight requests, exits 0.
    uvicorn.run(build_app(runtime), host=args.host, port=args.port, log_level="warning", access_log=False,
                lifespan="off")
    log.info("emulator.stopped")


if __name__ == "__main__":
    main()
