"""Issue 12, done when: on the local host, a cancel during a job with 10 hours left ends the restore within one poll.

Real processes (the emulator and the host running `function_app`). Under the extension's rules (which the host now
follows) the cancel takes effect only if the app races a fresh cancel wait against the job wait; service times are
read from the host's clock, so the check is on the orchestration's own record, not on wall-clock timing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests

from devhost.history import parse_iso
from tests.e2e.helpers import Stack, example, placeholders
from tests.support.procs import app_env, running, start_devhost, start_emulator

TIME_SCALE = 20.0  # slow enough that a few hundred milliseconds of processing stay well inside one poll
POLL_SECONDS = 60
# Service seconds the cancel path may spend besides waiting for the next poll: the cancel episode, the
# cancel_restore_job activity, and the final episodes (each takes milliseconds of wall time, x20).
SLACK_SECONDS = 30
DURABLE = "/runtime/webhooks/durabletask/instances"


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with running(start_emulator(time_scale=TIME_SCALE)) as emulator:
        ids = placeholders(requests.get(f"{emulator.url}/_emulator/inventory", timeout=10).json())
        scopes = ",".join(f"/subscriptions/{ids['SUBSCRIPTION']}/resourceGroups/{rg}"
                          for rg in ("rg-app", "rg-restore", "rg-net", "rg-backup"))
        env = app_env(emulator.url, RESTORE_ALLOWED_SCOPES=scopes, JOB_POLL_INTERVAL_SECONDS=str(POLL_SECONDS))
        with running(start_devhost(env, time_scale=TIME_SCALE)) as devhost:
            yield Stack(emulator=emulator, devhost=devhost, ids=ids)


def test_cancel_during_a_ten_hour_job_ends_cancelled_within_one_poll_and_cancels_the_azure_job(stack: Stack) -> None:
    # The job has 10 hours left; the service takes the cancel at once (the emulator's default takes 60 s more),
    # so what is measured is the app's own delay: the cancel episode, then the job wait's next poll.
    stack.scenario(jobSeconds=36000, cancelSeconds=0)
    started = stack.start(example("restore-disks.json", stack.ids))
    assert started.status_code == 202, started.text
    restore_id = started.json()["id"]
    job_id = stack.wait_phase(restore_id, "waitingForJob", timeout=120)["jobId"]
    cancel_at = parse_iso(requests.get(f"{stack.devhost.url}/admin/host/status", timeout=10).json()["serviceTime"])
    cancel = requests.post(started.json()["cancelUrl"], json={"reason": "wrong VM"}, timeout=30)
    assert cancel.status_code == 202, cancel.text

    final = stack.wait_final(restore_id, timeout=POLL_SECONDS / TIME_SCALE * 20)
    assert final.status_code == 409 and final.json()["status"] == "cancelled", final.text
    output = requests.get(f"{stack.devhost.url}{DURABLE}/{restore_id}", timeout=10).json()["output"]
    assert parse_iso(output["endedAt"]) - cancel_at <= timedelta(seconds=POLL_SECONDS + SLACK_SECONDS)

    job = next(j for j in requests.get(f"{stack.emulator.url}/_emulator/jobs", timeout=10).json()["jobs"]
               if j["name"] == job_id)
    assert job["properties"]["status"] == "Cancelled"
    log = requests.get(f"{stack.emulator.url}/_emulator/requests", timeout=10).json()["requests"]
    assert any(e["method"] == "POST" and f"/backupJobs/{job_id}/cancel" in e["path"] for e in log)
