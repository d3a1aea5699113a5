"""Shared by the long reliability suite and its quick subset in `make test`: stacks, tallies, waits."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.arm_log import arm_only, restore_posts_by_item
from bench.stack import Stack, running_stack
from tests.support.wait import wait_until

SUPPORTED_TIME_SCALE = 600.0


@dataclass
class Tally:
    """What the summary line reports: checks (tests) passed, what they did, and the seeds to replay a run with."""

    checks_passed: int = 0
    checks_run: int = 0
    restores: int = 0
    faults: int = 0
    retry_after_checked: int = 0
    crashes: int = 0
    bad_inputs: int = 0
    lost: int = 0
    doubled: int = 0
    leaked: int = 0
    seeds: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        seeds = " ".join(f"{name}={value}" for name, value in sorted(self.seeds.items())) or "none"
        return (f"reliability: checks passed {self.checks_passed}/{self.checks_run}, restores run {self.restores}, "
                f"faults injected {self.faults}, Retry-After gaps checked {self.retry_after_checked}, crashes "
                f"survived {self.crashes}, bad inputs tried {self.bad_inputs}, lost {self.lost}, doubled "
                f"{self.doubled}, leaked {self.leaked}; seeds {seeds}")


@dataclass
class Artifacts:
    """Everything the secrets check scans after the other tests: files, texts, and the tokens issued."""

    files: list[Path] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    dirs: list[Path] = field(default_factory=list)


TALLY = Tally()
ARTIFACTS = Artifacts()


@contextmanager
def recorded_stack(emulator_scale: float = SUPPORTED_TIME_SCALE, seed: Path | None = None,
                   **settings: str) -> Iterator[Stack]:
    """A running stack whose database, logs, statuses and issued tokens are kept for the secrets check."""
    with running_stack(emulator_scale=emulator_scale, seed=seed, keep_files=True, **settings) as stack:
        try:
            yield stack
        finally:
            _collect(stack)
    ARTIFACTS.dirs.append(stack.db_path.parent)
    ARTIFACTS.files.extend(stack.all_logs())
    ARTIFACTS.files.extend(sorted(stack.db_path.parent.glob("*")))


def _collect(stack: Stack) -> None:
    with suppress(Exception):
        ARTIFACTS.tokens.update(stack.tokens())
    for rid in stack.started:
        for instance in (rid, f"{rid}:job"):
            with suppress(Exception):
                ARTIFACTS.texts.append(str(stack.durable_status(instance)))
        with suppress(Exception):
            ARTIFACTS.texts.append(str(stack.restore(rid)[1]))


def wait_restores(stack: Stack, ids: list[str], timeout: float) -> dict[str, dict[str, Any]]:
    """Poll until every restore is terminal; fail (with what is still pending) at the deadline."""
    pending, done = set(ids), {}
    wait_until(lambda: stack.poll_round(pending, done), lambda rest: not rest, timeout=timeout, interval=0.5,
               what=f"{len(ids)} restores to finish")
    return done


def check_outcomes(stack: Stack, items: list[str], ids: list[str], done: dict[str, dict[str, Any]]) -> list[str]:
    """Problems with a finished batch: a restore not succeeded, lost, or posted to Azure other than once."""
    problems = [f"{rid}: {body.get('status')} {body.get('error')}" for rid, body in done.items()
                if str(body.get("status")).lower() != "succeeded"]
    lost = [rid for rid in ids if rid not in done]
    posts = restore_posts_by_item(arm_only(stack.requests_log()))
    expected = {item.lower() for item in items}
    doubled = {item: n for item, n in posts.items() if n > 1}
    missing = sorted(expected - set(posts))
    TALLY.restores += len(ids)
    TALLY.lost += len(lost)
    TALLY.doubled += len(doubled)
    problems += [f"lost: {rid}" for rid in lost]
    problems += [f"restore POSTed {n} times: {item}" for item, n in doubled.items()]
    problems += [f"no restore POST for {item}" for item in missing]
    return problems


def new_temp_dir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="reliability-"))
    ARTIFACTS.dirs.append(path)
    return path
