"""Start many restores at once, wait for all of them, and watch the host's memory meanwhile."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import psutil

from bench.stack import Stack


@dataclass
class Batch:
    """The outcome of one batch of concurrent restores."""

    ids: list[str]
    done: dict[str, dict[str, Any]]
    pending: set[str]
    start_errors: list[str]
    wall_seconds: float

    @property
    def succeeded(self) -> int:
        return sum(1 for body in self.done.values() if str(body.get("status")).lower() == "succeeded")


def start_all(stack: Stack, bodies: list[dict[str, Any]], workers: int = 16) -> tuple[list[str], list[str]]:
    """POST every body concurrently; return (instance IDs, start errors)."""
    ids: list[str] = []
    errors: list[str] = []

    def one(body: dict[str, Any]) -> None:
        try:
            ids.append(stack.start_restore(body))
        except Exception as exc:  # a failed start is a figure, not a crash of the bench
            errors.append(str(exc)[:300])

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, bodies))
    return ids, errors


def run_batch(stack: Stack, bodies: list[dict[str, Any]], timeout: float, interval: float = 1.0) -> Batch:
    """Start `bodies` at once and poll until all are terminal or `timeout` passes."""
    began = time.monotonic()
    ids, errors = start_all(stack, bodies)
    pending, done = set(ids), {}
    deadline = began + timeout
    while pending and time.monotonic() < deadline:
        stack.poll_round(pending, done)
        if pending:
            time.sleep(interval)
    return Batch(ids=ids, done=done, pending=pending, start_errors=errors, wall_seconds=time.monotonic() - began)


class RssSampler:
    """Track the peak resident memory of a process and its children in a background thread."""

    def __init__(self, pid: int, interval: float = 0.25) -> None:
        self.pid, self.interval, self.peak = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        try:
            root = psutil.Process(self.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0
        total = 0
        for proc in procs:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                continue
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
