"""A devhost process running the fidelity app, shared by the module's tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.support.procs import Proc, running, start_devhost
from tests.support.wait import wait_until

FIDELITY_APP = "tests.devhost.apps.fidelity_app"
DONE = {"Completed", "Failed", "Terminated"}


@pytest.fixture(scope="session")
def host() -> Iterator[Proc]:
    with running(start_devhost({}, time_scale=600.0, app=FIDELITY_APP)) as proc:
        yield proc


def start(host: Proc, orchestrator: str, body: Any = None, instance_id: str | None = None) -> requests.Response:
    """Start through the app's own HTTP starter (real DurableOrchestrationClient over the host's RPC)."""
    params = {"id": instance_id} if instance_id else {}
    return requests.post(f"{host.url}/api/start/{orchestrator}", json=body, params=params, timeout=10)


def status(host: Proc, instance_id: str, **params: str) -> requests.Response:
    return requests.get(f"{host.url}/runtime/webhooks/durabletask/instances/{instance_id}", params=params, timeout=10)


def wait_done(host: Proc, instance_id: str, timeout: float = 20.0) -> dict[str, Any]:
    body: dict[str, Any] = wait_until(lambda: status(host, instance_id).json(),
                                      lambda s: s.get("runtimeStatus") in DONE, timeout=timeout,
                                      what=f"instance {instance_id} to finish")
    return body


def list_all(host: Proc, **params: str) -> list[dict[str, Any]]:
    """Every instance the query matches, following `x-ms-continuation-token` (pages of 100 by default)."""
    url = f"{host.url}/runtime/webhooks/durabletask/instances/"
    rows: list[dict[str, Any]] = []
    token = ""
    while True:
        got = requests.get(url, params=params, headers={"x-ms-continuation-token": token} if token else {},
                           timeout=30)
        assert got.status_code == 200, got.text
        rows += got.json()
        token = got.headers["x-ms-continuation-token"]
        if not token:
            return rows
