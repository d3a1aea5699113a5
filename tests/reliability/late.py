"""Hostile restores that only the orchestration can refuse: the scope check after the item is resolved, and a
callback host that only its lookup at send time shows to be internal.

A request by `protectedItemId` names only the vault, so the VM `replaceDisks` overwrites is known once the item is
read; a start through the durable API (or its RPC alias) skips the HTTP front door altogether. Each must end
failed with `RestoreScopeNotAllowed` and post nothing (no validation, no restore) to Azure.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import uuid
from dataclasses import dataclass
from typing import Any

from bench.arm_log import Kind, arm_only, kind_of
from bench.stack import Stack
from tests.reliability.harness import TALLY, wait_restores
from tests.reliability.servers import Recorder
from tests.support.wait import wait_until

SCOPE_REFUSED = "RestoreScopeNotAllowed"
DURABLE_API = "/runtime/webhooks/durabletask/orchestrators/restore_vm/"
RPC_ALIAS = "/durabletask/orchestrators/restore_vm/"
HOLD_MS = 8000  # how long the second restore's validation answer is held (the first posts in about a second)


@dataclass(frozen=True)
class LateCase:
    """One restore start (`path` + JSON `body`) that must be admitted, then refused inside the orchestration."""

    name: str
    path: str
    body: dict[str, Any]


def _order(request: dict[str, Any]) -> dict[str, Any]:
    return {"request": {"recoveryPointPolicy": "latest", **request}, "requestedAt": "2026-01-01T00:00:00Z",
            "source": "http"}


def late_cases(outside_item: str, foreign_vm: str, storage: str, foreign_group: str) -> list[LateCase]:
    """`outside_item`: an allowed vault's item whose VM lies outside the scopes; the rest are out of scope."""
    # Every restore names its staging account (restore/request.py); `storage` is an allowed one.
    replace = {"protectedItemId": outside_item, "mode": "replaceDisks", "storageAccountId": storage}
    return [
        LateCase("replaceDisks by protectedItemId of a VM outside the scopes", "/api/restores", replace),
        LateCase("durable API start of replaceDisks by protectedItemId", DURABLE_API, _order(replace)),
        LateCase("durable API start with an out-of-scope vmId", DURABLE_API,
                 _order({"vmId": foreign_vm, "storageAccountId": storage})),
        LateCase("RPC alias start with an out-of-scope vmId", RPC_ALIAS,
                 _order({"vmId": foreign_vm, "storageAccountId": storage})),
        LateCase("durable API start restoring into an out-of-scope group", DURABLE_API,
                 _order({"protectedItemId": outside_item, "targetResourceGroupId": foreign_group,
                         "storageAccountId": storage})),
    ]


def _start(stack: Stack, case: LateCase) -> tuple[str | None, str | None]:
    """(instance ID, problem)."""
    if case.path == "/api/restores":
        resp = stack.http.post(stack.devhost.url + case.path, json=case.body, timeout=60)
        if resp.status_code != 202:
            return None, f"{case.name}: {resp.status_code} (expected 202, refused later): {resp.text[:200]}"
        return str(resp.json()["id"]), None
    instance_id = f"hostile-{uuid.uuid4().hex}"
    resp = stack.http.post(stack.devhost.url + case.path + instance_id, data=json.dumps(case.body),
                           headers={"Content-Type": "application/json"}, timeout=60)
    if resp.status_code != 202:
        return None, f"{case.name}: durable start answered {resp.status_code}: {resp.text[:200]}"
    return instance_id, None


def _ended(stack: Stack, instance_id: str, timeout: float) -> dict[str, Any]:
    def probe() -> dict[str, Any]:
        return stack.durable_status(instance_id, history=False) or {}

    return wait_until(probe, lambda s: s.get("runtimeStatus") in ("Completed", "Failed", "Terminated"),
                      timeout=timeout, interval=0.2, what=f"{instance_id} to end")


def run_late_refusals(stack: Stack, cases: list[LateCase], timeout: float) -> tuple[int, list[str]]:
    """(tried, problems): each start ends failed naming the scope error; nothing was posted to Azure."""
    problems: list[str] = []
    jobs_before = len(stack.emu("GET", "jobs")["jobs"])
    stack.clear_requests()
    for case in cases:
        instance_id, problem = _start(stack, case)
        if problem or instance_id is None:
            problems.append(problem or case.name)
            continue
        stack.started.append(instance_id)
        status = _ended(stack, instance_id, timeout)
        text = json.dumps(status.get("output"))
        if status.get("runtimeStatus") != "Failed" or SCOPE_REFUSED not in text:
            problems.append(f"{case.name}: ended {status.get('runtimeStatus')}: {text[:300]}")
    posted = [e for e in arm_only(stack.requests_log()) if kind_of(e) in (Kind.TRIGGER, Kind.VALIDATE)]
    problems += [f"posted to Azure after a scope refusal: {e.get('method')} {e.get('path')}" for e in posted]
    started = len(stack.emu("GET", "jobs")["jobs"]) - jobs_before
    if started:
        problems.append(f"{started} restore jobs started by out-of-scope restores")
    TALLY.bad_inputs += len(cases)
    return len(cases), problems


def private_name() -> str:
    """A DNS name (this machine's) that the system resolves only to non-global addresses."""
    name = socket.gethostname()
    addresses = {ipaddress.ip_address(str(info[4][0]).split("%")[0])
                 for info in socket.getaddrinfo(name, 443, type=socket.SOCK_STREAM)}
    assert addresses and not any(a.is_global for a in addresses), f"{name} resolves to {addresses}"
    return name


def run_callback_to_private_name(stack: Stack, body: dict[str, Any], listener: Recorder,
                                 timeout: float) -> tuple[int, list[str]]:
    """A callback host that passes admission (a DNS name) but resolves to loopback: refused at send time.

    The restore itself succeeds; the callback is not delivered and the listener behind the name gets no connection.
    """
    port = listener.url.rsplit(":", 1)[1]
    restore_id = stack.start_restore({**body, "callbackUrl": f"https://{private_name()}:{port}/hook"})
    done = wait_restores(stack, [restore_id], timeout)[restore_id]
    status = (stack.durable_status(restore_id, history=False) or {}).get("customStatus") or {}
    problems = []
    if str(done.get("status")) != "succeeded":
        problems.append(f"callback to a private name: restore ended {done.get('status')}")
    if status.get("callbackDelivered") is not False:
        problems.append(f"callback to a private name: callbackDelivered {status.get('callbackDelivered')}")
    if listener.connections:
        problems.append(f"callback to a private name: {listener.connections} connections reached the listener")
    TALLY.bad_inputs += 1
    return 1, problems


def run_second_restore_same_vm(stack: Stack, first: dict[str, Any], second: dict[str, Any],
                               timeout: float) -> tuple[int, list[str]]:
    """Two restores of one VM and point with other targets: the second never adopts the first one's job.

    The second starts first but is held at validation (a delayed answer) until the first has posted its restore:
    the first one's job then lies inside the second's window. The second posts its own restore.
    """
    vm = str(first["vmId"]).lower()

    def vm_jobs() -> list[dict[str, Any]]:
        return [j for j in stack.emu("GET", "jobs")["jobs"]
                if str(j.get("vmId", "")).lower() == vm and j["properties"]["operation"] == "Restore"]

    stack.emu("POST", "faults", json={"method": "POST", "pathRegex": "backupValidateOperation", "times": 1,
                                      "delayMs": HOLD_MS})
    second_id = stack.start_restore(second)
    wait_until(lambda: stack.emu("GET", "faults")["faults"], lambda f: f == [], timeout=timeout, interval=0.1,
               what="the second restore's validation to be held (the one-time fault used)")
    first_id = stack.start_restore(first)
    [job] = wait_until(vm_jobs, lambda jobs: len(jobs) == 1, timeout=timeout, interval=0.1,
                       what="the first restore's job")
    problems = []
    held = ((stack.durable_status(second_id, history=False) or {}).get("customStatus") or {}).get("phase")
    if held != "validating":
        problems.append(f"second restore was not held at validation when the first posted (phase {held})")
    done = wait_restores(stack, [first_id, second_id], timeout)
    stack.emu("DELETE", "faults")
    if done[second_id].get("jobId") == job["name"]:
        problems.append("the second restore adopted the first restore's job")
    if str(done[first_id].get("status")) != "succeeded":
        problems.append(f"first restore ended {done[first_id].get('status')}: {done[first_id].get('error')}")
    # The second posted its own restore: the service ran it (the first had ended) or refused it (still running).
    second_status, jobs = str(done[second_id].get("status")), len(vm_jobs())
    if (second_status, jobs) not in (("succeeded", 2), ("failed", 1)):
        problems.append(f"second restore ended {second_status} with {jobs} restore jobs on the VM")
    TALLY.bad_inputs += 1
    return 1, problems
