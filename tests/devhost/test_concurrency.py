"""Hundreds of concurrent instances advance together without stalling the host."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.support.procs import Proc
from tests.support.wait import wait_until

from .conftest import list_all

INSTANCES = 300


def test_hundreds_of_concurrent_instances_complete_and_the_host_stays_responsive(host: Proc) -> None:
    prefix = f"load-{uuid.uuid4().hex[:8]}-"
    base = f"{host.url}/runtime/webhooks/durabletask"

    def start(n: int) -> int:
        # Through the app's starter: the Python client sends the input as JSON text, which `get_input` parses.
        return requests.post(f"{host.url}/api/start/fan_out", params={"id": f"{prefix}{n}"}, json=3,
                             timeout=30).status_code

    with ThreadPoolExecutor(16) as pool:
        assert set(pool.map(start, range(INSTANCES))) == {202}
    # Responsive = it answers within the request's timeout while the instances run (no timed assertion here:
    # latency under load is measured in bench/, not asserted).
    probe = requests.get(f"{host.url}/admin/host/status", timeout=5)
    assert probe.status_code == 200

    def completed() -> int:
        return len(list_all(host, instanceIdPrefix=prefix, runtimeStatus="Completed"))

    assert wait_until(completed, lambda n: n == INSTANCES, timeout=90, interval=0.5, what="all instances") == INSTANCES
    sample = requests.get(f"{base}/instances/{prefix}7", timeout=10).json()
    assert sample["output"] == 6
