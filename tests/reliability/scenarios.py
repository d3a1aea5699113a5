"""The fault and crash scenarios, sized by the caller (long suite or quick subset)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from bench.arm_log import arm_only, retry_after_report
from bench.runner import start_all
from bench.stack import Stack
from bench.targets import restorable_vms, restore_body
from tests.reliability.harness import TALLY, check_outcomes, wait_restores
from tests.reliability.servers import Recorder
from tests.support.wait import wait_until

ARM_ROUTES = "^/subscriptions/"
CRASH_TIME_SCALE = 60.0
# Restore jobs of the crash scenario last 12 h of service time (12 wall minutes at CRASH_TIME_SCALE): every kill
# lands while they run, however quick the machine; after the last kill the emulator's clock jumps to their end.
# 12 h stays inside the emulator's 24 h token lifetime and the restores' 48 h timeout.
CRASH_JOB_SECONDS = 12 * 3600
THROTTLE_BODY = {"error": {"code": "TooManyRequests", "message": "Injected throttle"}}
UNAVAILABLE_BODY = {"error": {"code": "ServiceUnavailable", "message": "Injected outage"}}


@dataclass
class Outcome:
    """What a scenario saw; the tests assert on it."""

    ids: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    start_errors: list[str] = field(default_factory=list)
    retry_after_checked: int = 0
    retry_after_violations: list[str] = field(default_factory=list)
    retry_after_kinds: dict[str, int] = field(default_factory=dict)
    retry_after_min_slack: float | None = None
    faults: int = 0
    crashes: int = 0
    in_flight_at_kills: list[int] = field(default_factory=list)
    callbacks: dict[str, int] = field(default_factory=dict)


def inject_faults(stack: Stack, retry_after: int, seed: int = 9) -> None:
    """20% 429 with Retry-After, 5% 503 and 2% dropped connections on every ARM route.

    The emulator applies the first rule that draws a hit, so later rules get conditional probabilities
    (0.05 / 0.80 and 0.02 / 0.75) to make the overall rates 20%, 5% and 2%.
    """
    rules: list[dict[str, Any]] = [
        {"pathRegex": ARM_ROUTES, "probability": 0.20, "seed": seed,
         "response": {"status": 429, "headers": {"Retry-After": str(retry_after)}, "body": THROTTLE_BODY}},
        {"pathRegex": ARM_ROUTES, "probability": 0.05 / 0.80, "seed": seed + 1,
         "response": {"status": 503, "body": UNAVAILABLE_BODY}},
        {"pathRegex": ARM_ROUTES, "probability": 0.02 / 0.75, "seed": seed + 2, "drop": True},
    ]
    for rule in rules:
        stack.emu("POST", "faults", json=rule)


def injected_count(log: list[dict[str, Any]]) -> int:
    """Requests an injected fault answered (the log names the fault)."""
    return sum(1 for e in log if e.get("fault"))


def start_batch(stack: Stack, count: int, callbacks: Recorder | None = None) -> tuple[list[str], list[str], list[str]]:
    """Start `count` restores on distinct VMs; return (IDs, protected items, start errors)."""
    inventory = stack.emu("GET", "inventory")
    vms = restorable_vms(inventory)[:count]
    assert len(vms) == count, f"the emulator has {len(vms)} restorable VMs, the scenario needs {count}"
    bodies = [restore_body(inventory, vm, **({"callbackUrl": f"{callbacks.url}/cb/{i}"} if callbacks else {}))
              for i, vm in enumerate(vms)]
    ids, errors = start_all(stack, bodies)
    return ids, [str(vm["protectedItemId"]) for vm in vms], errors


def run_faults(stack: Stack, count: int, timeout: float, retry_after: int = 30, seed: int = 9) -> Outcome:
    """`count` restores under injected faults: all succeed, one POST each, Retry-After honoured."""
    TALLY.seeds["faults"] = seed
    inject_faults(stack, retry_after, seed)
    ids, items, errors = start_batch(stack, count)
    out = Outcome(ids=ids, start_errors=errors)
    done = wait_restores(stack, ids, timeout)
    stack.emu("DELETE", "faults")
    log = arm_only(stack.requests_log())
    out.problems = check_outcomes(stack, items, ids, done)
    _judge_retry_after(out, log)
    out.faults = injected_count(log)
    TALLY.faults += out.faults
    return out


def _judge_retry_after(out: Outcome, log: list[dict[str, Any]]) -> None:
    report = retry_after_report(log)
    out.retry_after_checked, out.retry_after_violations = report.checked, report.violations
    out.retry_after_kinds, out.retry_after_min_slack = dict(report.by_kind), report.min_slack
    TALLY.retry_after_checked += report.checked


# The fault scenario runs at time scale 600, where one service second is under 2 ms of wall time: the few
# milliseconds between a timer firing and its request arriving are seconds of service time, so a poller that comes
# 1 s early still arrives after the Retry-After. At time scale 1 that slack is the wall latency itself (tens of ms),
# and a follow-up 1 s early lands 1 s early on the emulator's clock. Short Retry-Afters keep the run short; the 429s
# name one above azbackup.retry's `short_wait_max` (5 s), so they too are waited on durable timers.
PRECISE_TIME_SCALE = 1.0
PRECISE_SETTINGS = {"RETRY_AFTER_DEFAULT_SECONDS": "2", "JOB_POLL_INTERVAL_SECONDS": "3"}
PRECISE_SCENARIO = {"retryAfterSeconds": 4, "operationSeconds": 9, "jobSeconds": 12, "validateSeconds": 4,
                    "validateRetryAfterSeconds": 3}
PRECISE_THROTTLE_RETRY_AFTER = 6
OPERATION_STATUS_ROUTE = r"/protectedItems/[^/]+/operationsStatus/"


def run_precise_retry_after(stack: Stack, count: int, timeout: float, seed: int = 11) -> Outcome:
    """`count` restores at `PRECISE_TIME_SCALE` with short Retry-Afters and 10% 429s: every follow-up, of the same
    URL or the trigger's operation, must come no sooner than the Retry-After on the emulator's clock."""
    TALLY.seeds["precise"] = seed
    stack.scenario(**PRECISE_SCENARIO)
    # The operation's status answers 200 without a Retry-After (as the service's do), so the same-URL gaps come from
    # 429s. Which requests the random 429s hit varies with the order the restores' requests arrive in (a CI run left
    # one same-URL gap for three restores); the first `count` operation polls are throttled for certain, so every run
    # checks at least `count` of them. The emulator takes the first fault that applies (faults.py `FaultTable.take`).
    stack.emu("POST", "faults", json={"method": "GET", "pathRegex": OPERATION_STATUS_ROUTE, "times": count,
                                      "response": {"status": 429, "body": THROTTLE_BODY,
                                                   "headers": {"Retry-After": str(PRECISE_THROTTLE_RETRY_AFTER)}}})
    stack.emu("POST", "faults", json={"pathRegex": ARM_ROUTES, "probability": 0.10, "seed": seed, "response": {
        "status": 429, "headers": {"Retry-After": str(PRECISE_THROTTLE_RETRY_AFTER)}, "body": THROTTLE_BODY}})
    ids, items, errors = start_batch(stack, count)
    out = Outcome(ids=ids, start_errors=errors)
    done = wait_restores(stack, ids, timeout)
    stack.emu("DELETE", "faults")
    log = arm_only(stack.requests_log())
    out.problems = check_outcomes(stack, items, ids, done)
    _judge_retry_after(out, log)
    out.faults = injected_count(log)
    TALLY.faults += out.faults
    return out


def jobs_in_progress(stack: Stack) -> int:
    """Restore jobs the emulator is still running."""
    return sum(1 for job in stack.emu("GET", "jobs")["jobs"]
               if job.get("properties", {}).get("operation") == "Restore"
               and job.get("properties", {}).get("status") == "InProgress")


def run_crashes(stack: Stack, count: int, kills: int, timeout: float, seed: int = 5) -> Outcome:
    """`count` restores while the host is SIGKILLed `kills` times at random points of the workload.

    A kill comes after a random number (2-7 per restore) of further ARM requests, and only once the emulator's job
    list shows a restore job running. The jobs last `CRASH_JOB_SECONDS`, so a job that runs at one kill still runs
    at the next: every kill lands while restores are in flight by construction, not by timing. After the last kill
    the emulator's clock jumps over the jobs' remaining time and the restores finish.
    """
    rng = random.Random(seed)
    TALLY.seeds["crashes"] = seed
    stack.scenario(jobSeconds=CRASH_JOB_SECONDS)
    with Recorder() as callbacks:
        ids, items, errors = start_batch(stack, count, callbacks)
        out = Outcome(ids=ids, start_errors=errors)
        for _ in range(kills):
            seen = len(stack.requests_log())
            target = seen + rng.randint(2 * count, 7 * count)
            wait_until(lambda: len(stack.requests_log()), lambda n, t=target: n >= t, timeout=timeout,
                       interval=0.3, what=f"{target} ARM requests before the next kill")
            running = wait_until(lambda: jobs_in_progress(stack), lambda n: n > 0, timeout=timeout, interval=0.3,
                                 what="a restore job running in the emulator before the next kill")
            out.in_flight_at_kills.append(running)
            stack.restart_devhost(kill=True)
            out.crashes += 1
        stack.emu("POST", "clock", json={"advanceSeconds": CRASH_JOB_SECONDS})
        done = wait_restores(stack, ids, timeout)
        wait_until(lambda: len(callbacks.seen), lambda n: n >= len(done), timeout=60, what="one callback each")
        out.callbacks = {path: callbacks.paths().count(path) for path in set(callbacks.paths())}
    out.problems = check_outcomes(stack, items, ids, done)
    out.problems += [f"callback {path} received {n} times" for path, n in out.callbacks.items() if n != 1]
    TALLY.crashes += out.crashes
    return out
