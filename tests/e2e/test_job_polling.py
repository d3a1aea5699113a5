"""Adaptive job polling through the local host and the emulator: few job reads reach Azure, and the API tells
callers to come back just after the orchestration's own next poll."""

from __future__ import annotations

from typing import Any

import requests

from tests.e2e.helpers import Stack, example
from tests.support.azure_log import assert_job_ended, assert_one_restore
from tests.support.wait import wait_until


def _job_status(stack: Stack, restore_id: str) -> Any:
    response = requests.get(f"{stack.devhost.url}/runtime/webhooks/durabletask/instances/{restore_id}:job",
                            timeout=10)
    return response.json().get("customStatus") if response.status_code in (200, 202) else None


def test_a_forty_minute_job_is_read_a_few_times_and_callers_wait_for_the_next_poll(stack: Stack) -> None:
    stack.scenario(jobSeconds=2400, etaErrorPct=25, etaSeed=2)
    body = example("restore-disks.json", stack.ids)
    started = stack.start(body)
    assert started.status_code == 202, started.text
    restore_id = started.json()["id"]
    planned = wait_until(lambda: _job_status(stack, restore_id), lambda s: bool(s and s.get("basis")),
                         timeout=60, interval=0.05, what="the job wait to plan its next poll")
    assert planned["basis"] in ("cap", "approach", "end") and planned["nextPollAt"]
    running = stack.get(restore_id)
    assert running.status_code == 202  # 37 service minutes to go: about 4 s wall at time scale 600
    assert 5 < int(running.headers["Retry-After"]) <= 120, "told to come back after our next poll, not in 5 s"
    final = stack.wait_final(restore_id)
    assert final.status_code == 200, final.text
    job_id = final.json()["jobId"]
    assert_one_restore(stack.azure, body, final.json())
    assert_job_ended(stack.azure, final.json(), "Completed")
    reads = [e for e in stack.azure.requests() if e["method"] == "GET"
             and f"backupJobs/{job_id}".lower() in e["path"].lower()]
    assert 1 <= len(reads) <= 10, f"{len(reads)} job reads; a fixed 60 s poller makes about 39"
