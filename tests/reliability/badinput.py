"""Run the hostile battery against a stack and report what went wrong (nothing, hopefully)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import requests

from bench.arm_log import Kind, arm_only, kind_of
from bench.seed import BENCH_SUBSCRIPTION, FOREIGN_SUBSCRIPTION, OUTSIDE_GROUP
from bench.stack import Stack
from bench.targets import restorable_vms, restore_body, usable_storage
from tests.reliability.harness import TALLY, wait_restores
from tests.reliability.hostile import (
    UNRESOLVED_SECRET,
    Case,
    alias_key_cases,
    entra_cases,
    insecure_callback_cases,
    restore_cases,
    unresolved_secret_cases,
    webhook_cases,
)
from tests.reliability.late import (
    LateCase,
    late_cases,
    run_callback_to_private_name,
    run_late_refusals,
    run_second_restore_same_vm,
)
from tests.reliability.servers import Recorder
from tests.support.entra import LocalTenant

# RESTORE_ALLOWED_SCOPES of the bad-input runs: resource groups (as a Bicep deployment lists them), so the bench
# vault also protects VMs outside them (OUTSIDE_GROUP; seed_with_vms(..., outside_vms=1)).
SCOPES = ",".join(f"/subscriptions/{BENCH_SUBSCRIPTION}/resourceGroups/{group}"
                  for group in ("rg-bench", "rg-bench-backup", "rg-bench-restore", "rg-bench-restore-ne"))
LATE_TIMEOUT = 120.0
# What must never show in an answer: a Python traceback, a source file or an install path.
INTERNALS = re.compile(r'Traceback \(most recent|File "|\.py[",:)\s]|site-packages|/home/site/wwwroot')


@dataclass
class BadInputOutcome:
    tried: int = 0
    problems: list[str] = field(default_factory=list)


def _split_inventory(stack: Stack) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    inventory = stack.emu("GET", "inventory")
    vms = restorable_vms(inventory)
    ours = [vm for vm in vms if FOREIGN_SUBSCRIPTION not in vm["id"] and f"/{OUTSIDE_GROUP}/" not in vm["id"]]
    foreign = [vm for vm in vms if FOREIGN_SUBSCRIPTION in vm["id"]]
    assert ours and foreign, "the bad-input seed needs VMs in an allowed and in a foreign subscription"
    return inventory, ours, foreign


def restore_count(stack: Stack) -> int:
    """Restores the host knows (GET /api/restores, every page)."""
    url: str | None = f"{stack.devhost.url}/api/restores"
    total = 0
    for _ in range(1000):
        if not url:
            break
        body = stack.http.get(url, timeout=60).json()
        total += len(body.get("items", []))
        url = body.get("nextLink")
    return total


def send(stack: Stack, case: Case) -> requests.Response:
    headers = {"Content-Type": "application/json", **case.headers}
    return stack.http.request(case.method, stack.devhost.url + case.path, data=case.body or None, headers=headers,
                              timeout=120)


def run_rejections(stack: Stack, tenant: LocalTenant) -> BadInputOutcome:
    """Every hostile request gets its documented 4xx; nothing starts; no restore reaches the emulator.

    The stack accepts Entra tokens of `tenant` (`tenant.settings()`) on the incident webhook."""
    inventory, ours, foreign = _split_inventory(stack)
    good = restore_body(inventory, ours[0])
    foreign_storage = usable_storage({"storageAccounts": [a for a in inventory["storageAccounts"]
                                                          if FOREIGN_SUBSCRIPTION in a["id"]]}, foreign[0]["region"])
    cases = [*restore_cases(good, foreign[0]["id"], str(foreign_storage)), *webhook_cases(good, foreign[0]["id"]),
             *entra_cases(good, tenant)]
    out = _refused(stack, cases)
    late_tried, late_problems = run_late_refusals(stack, _late(inventory, foreign), LATE_TIMEOUT)
    out.tried += late_tried
    out.problems += late_problems
    with Recorder() as listener:
        sent_tried, sent_problems = run_callback_to_private_name(stack, restore_body(inventory, ours[-1]), listener,
                                                                 LATE_TIMEOUT)
    out.tried += sent_tried
    out.problems += sent_problems
    first = restore_body(inventory, ours[-2])
    group = f"/subscriptions/{BENCH_SUBSCRIPTION}/resourceGroups/rg-bench"  # the staging account is elsewhere
    second_tried, second_problems = run_second_restore_same_vm(
        stack, first, {**first, "targetResourceGroupId": group}, LATE_TIMEOUT)
    out.tried += second_tried
    out.problems += second_problems
    return out


def _refused(stack: Stack, cases: list[Case]) -> BadInputOutcome:
    """Send every case: each gets its documented 4xx with a problem body; nothing starts or reaches Azure."""
    out = BadInputOutcome()
    before = restore_count(stack)
    stack.clear_requests()
    for case in cases:
        try:
            resp = send(stack, case)
        except requests.RequestException as exc:
            out.problems.append(f"{case.name}: transport error {exc}")
            continue
        if resp.status_code not in case.expect:
            out.problems.append(f"{case.name}: {resp.status_code} (expected {sorted(case.expect)}): {resp.text[:200]}")
        if resp.status_code >= 400 and "application/problem+json" not in resp.headers.get("Content-Type", "") \
                and resp.status_code != 413 and not case.host_answer:
            out.problems.append(f"{case.name}: {resp.status_code} without a problem body")
        if INTERNALS.search(resp.text):
            out.problems.append(f"{case.name}: the answer shows internals: {INTERNALS.search(resp.text)}")
    out.tried = len(cases)
    after = restore_count(stack)
    if after != before:
        out.problems.append(f"{after - before} restores started by rejected requests")
    posted = [e for e in arm_only(stack.requests_log()) if kind_of(e) is Kind.TRIGGER]
    if posted:
        out.problems.append(f"{len(posted)} restore POSTs reached the emulator")
    TALLY.bad_inputs += out.tried
    return out


# Settings of the lax stack: insecure callbacks allowed, a webhook secret App Service could not resolve, and keys
# enforced by the host (the stack's own calls carry the master key: bench/stack.py).
LAX_SETTINGS = {"CALLBACK_ALLOW_INSECURE": "true", "INCIDENT_WEBHOOK_SECRET": UNRESOLVED_SECRET,
                "DEVHOST_ENFORCE_KEYS": "true"}
FUNCTION_KEY = "local-function-key"  # devhost/config.py's default, the key the lax stack's host accepts for /api


def run_insecure_rejections(stack: Stack) -> BadInputOutcome:
    """On a stack with LAX_SETTINGS: metadata and link-local callbacks are still refused, the webhook answers 503
    (and the host logged why at startup), the durable API and its alias refuse a function key; nothing starts."""
    inventory = stack.emu("GET", "inventory")
    good = restore_body(inventory, restorable_vms(inventory)[0])
    order = {"request": good, "requestedAt": "2026-01-01T00:00:00Z", "source": "http"}
    out = _refused(stack, [*insecure_callback_cases(good), *unresolved_secret_cases(good),
                           *alias_key_cases(order, FUNCTION_KEY)])
    if "incident.secret_refused" not in stack.devhost.log():
        out.problems.append("no log line says the webhook secret is refused")
    return out


def _late(inventory: dict[str, Any], foreign: list[dict[str, Any]]) -> list[LateCase]:
    outside = [vm for vm in inventory["vms"] if f"/{OUTSIDE_GROUP}/" in vm["id"] and vm.get("protectedItemId")]
    assert outside, "the bad-input seed needs a protected VM outside the scopes (outside_vms=1)"
    storage = usable_storage(inventory, foreign[0]["region"])
    foreign_group = "/".join(foreign[0]["id"].split("/")[:5])
    return late_cases(outside[0]["protectedItemId"], foreign[0]["id"], str(storage), foreign_group)


def foreign_tracking_headers(foreign: Recorder, emulator_url: str) -> list[dict[str, str]]:
    """202 headers a compromised or buggy ARM front end might send: tracking URLs to another host or port."""
    port = foreign.url.rsplit(":", 1)[1]
    op = "/subscriptions/x/operationsStatus/op1?api-version=2019-05-13"
    host = emulator_url.split("//", 1)[1]
    return [
        {"Azure-AsyncOperation": foreign.url + op, "Location": foreign.url + op, "Retry-After": "1"},
        {"Azure-AsyncOperation": f"http://localhost:{port}{op}", "Retry-After": "1"},
        {"Location": foreign.url + op, "Retry-After": "1"},
        {"Azure-AsyncOperation": f"http://{host}@127.0.0.1:{port}{op}", "Retry-After": "1"},
        {"Azure-AsyncOperation": f"https://{host}{op}", "Retry-After": "1"},
    ]


def run_foreign_tracking(stack: Stack, foreign: Recorder, timeout: float) -> BadInputOutcome:
    """A faked 202 points the tracking URL elsewhere: the restore fails cleanly and nothing reaches that host."""
    inventory, ours, _ = _split_inventory(stack)
    variants = foreign_tracking_headers(foreign, stack.emulator.url)
    assert len(ours) > len(variants), "one VM per variant plus one spare"
    out = BadInputOutcome(tried=len(variants))
    jobs_before = len(stack.emu("GET", "jobs")["jobs"])
    ids = []
    for vm, headers in zip(ours[1:], variants, strict=False):
        stack.emu("POST", "faults", json={"method": "POST", "pathRegex": "/restore", "times": 1,
                                          "response": {"status": 202, "headers": headers}})
        ids.append(stack.start_restore(restore_body(inventory, vm)))
        done = wait_restores(stack, ids[-1:], timeout)
        status = str(done[ids[-1]].get("status"))
        if status != "failed":
            out.problems.append(f"tracking URL {headers}: restore ended {status}, expected a clean failure")
    stack.emu("DELETE", "faults")
    started = len(stack.emu("GET", "jobs")["jobs"]) - jobs_before
    if started:
        out.problems.append(f"{started} restore jobs started although every trigger answer was faked")
    if foreign.seen:
        out.problems.append(f"the foreign host received {len(foreign.seen)} requests: {foreign.paths()[:5]}")
    TALLY.bad_inputs += out.tried
    return out
