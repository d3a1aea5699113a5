"""`vmrestore status ID --watch` (the installed console script) follows a running restore to its end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.e2e.helpers import Stack, example
from tests.support.azure_log import assert_cancelled_in_azure, assert_job_ended, assert_one_restore

SCRIPT = Path(sys.executable).parent / "vmrestore"


def watch(stack: Stack, restore_id: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), "--url", stack.devhost.url, "status", restore_id, "--watch",
                           "--interval", "0.5"], capture_output=True, text=True, timeout=180, check=False)


def test_status_watch_shows_progress_and_exits_zero_on_success(stack: Stack) -> None:
    stack.scenario(jobSeconds=6000)
    body = example("restore-disks.json", stack.ids)
    restore_id = stack.start(body).json()["id"]
    done = watch(stack, restore_id)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any("waitingForJob" in line and "%" in line for line in lines), done.stdout
    assert any(line.startswith("succeeded:") for line in lines)
    result = stack.get(restore_id).json()
    assert_one_restore(stack.azure, body, result)
    assert_job_ended(stack.azure, result, "Completed")


def test_status_watch_exits_non_zero_when_the_restore_fails(stack: Stack) -> None:
    stack.scenario(jobResult="Failed")
    restore_id = stack.start(example("restore-disks.json", stack.ids)).json()["id"]
    done = watch(stack, restore_id)
    assert done.returncode == 1
    assert "failed:" in done.stdout
    assert_job_ended(stack.azure, stack.get(restore_id).json(), "Failed")


def test_list_shows_the_restore(stack: Stack) -> None:
    restore_id = stack.start(example("restore-disks.json", stack.ids)).json()["id"]
    stack.wait_final(restore_id)
    listed = subprocess.run([str(SCRIPT), "--url", stack.devhost.url, "list", "--json"], capture_output=True,
                            text=True, timeout=60, check=False)
    assert listed.returncode == 0 and restore_id in listed.stdout


def test_ten_parallel_watches_honouring_retry_after_all_see_the_end(stack: Stack) -> None:
    """Each watch sleeps exactly the Retry-After the API hands out, on a kept-alive connection: none drops out."""
    stack.scenario(jobSeconds=15000)  # 25 wall seconds at the e2e time scale: about five polls each
    restore_id = stack.start(example("restore-disks.json", stack.ids)).json()["id"]
    watches = [subprocess.Popen([str(SCRIPT), "--url", stack.devhost.url, "status", restore_id, "--watch"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(10)]
    try:
        results = [(w.wait(timeout=240), *w.communicate(timeout=10)) for w in watches]
    finally:
        for w in watches:
            if w.poll() is None:
                w.kill()
                w.wait(timeout=10)
    for code, out, err in results:
        assert code == 0 and "cannot reach" not in err, (code, out, err)
        assert any(line.startswith("succeeded:") for line in out.splitlines())


def cli(stack: Stack, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), "--url", stack.devhost.url, *argv], capture_output=True, text=True,
                          timeout=120, check=False)


def test_status_without_watch_exits_3_for_a_cancelled_restore(stack: Stack) -> None:
    stack.scenario(jobSeconds=60000)
    restore_id = stack.start(example("restore-disks.json", stack.ids)).json()["id"]
    stack.wait_phase(restore_id, "waitingForJob")
    assert cli(stack, "cancel", restore_id).returncode == 0
    assert stack.wait_final(restore_id).status_code == 409
    done = cli(stack, "status", restore_id)
    assert done.returncode == 3, (done.stdout, done.stderr)
    assert '"status": "cancelled"' in done.stdout
    assert_cancelled_in_azure(stack.azure, stack.get(restore_id).json()["jobId"])


def test_status_finds_an_event_grid_restore_from_its_event(stack: Stack) -> None:
    events = example("eventgrid-event.json", stack.ids)
    assert stack.eventgrid(events).status_code in (200, 202)
    done = cli(stack, "status", "--event-id", events[0]["id"], "--topic", events[0]["topic"], "--watch",
               "--interval", "0.5")
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert "succeeded:" in done.stdout and done.stdout.startswith("evt-")


def test_list_shows_where_each_restore_came_from(stack: Stack) -> None:
    events = example("eventgrid-event.json", stack.ids)
    events[0]["id"] = "list-source-1"
    assert stack.eventgrid(events).status_code in (200, 202)
    restore_id = stack.start(example("restore-disks.json", stack.ids)).json()["id"]
    listed = cli(stack, "list", "--top", "100").stdout.splitlines()
    row = next(line for line in listed if restore_id in line)
    assert " http " in row
    assert any(" eventgrid " in line and line.split()[2].startswith("evt-") for line in listed), listed


def test_a_refusal_prints_title_then_detail_then_each_field(stack: Stack) -> None:
    done = cli(stack, "start", "--vm", "not-an-id", "--mode", "newVm")
    assert done.returncode == 4
    lines = done.stderr.splitlines()
    assert lines[0] == "error: Invalid restore request (HTTP 400)"
    assert lines[1].startswith("  the request is invalid")
    assert any(line.startswith("  - vmId: ") for line in lines[2:]) and "Traceback" not in done.stderr


def test_a_failed_restore_prints_its_error_code_once(stack: Stack) -> None:
    stack.scenario(jobResult="Failed")
    restore_id = stack.start(example("restore-disks.json", stack.ids)).json()["id"]
    done = cli(stack, "status", restore_id, "--watch", "--interval", "0.5")
    assert done.returncode == 1
    code = stack.get(restore_id).json()["error"]["code"]
    assert done.stdout.count(code) == 1, done.stdout


def test_approve_and_reject_reach_a_restore_that_waits_for_approval(stack: Stack) -> None:
    approval = {"required": True, "timeout": "PT6H"}
    approved = stack.start({**example("restore-disks.json", stack.ids), "approval": approval}).json()["id"]
    rejected = stack.start({**example("restore-disks.json", stack.ids), "approval": approval}).json()["id"]
    stack.wait_phase(approved, "awaitingApproval")
    stack.wait_phase(rejected, "awaitingApproval")
    assert cli(stack, "approve", approved).returncode == 2, "--by is required"
    done = cli(stack, "approve", approved, "--by", "alice", "--reason", "INC-9")
    assert done.returncode == 0, done.stderr
    assert cli(stack, "reject", rejected, "--by", "bob").returncode == 0
    approved_final = stack.wait_final(approved).json()
    assert approved_final["approval"]["record"]["by"] == "alice"
    final = stack.wait_final(rejected).json()
    assert final["status"] == "cancelled" and final["approval"]["record"]["decision"] == "rejected"
    assert_one_restore(stack.azure, example("restore-disks.json", stack.ids), approved_final)  # none for `rejected`
    again = cli(stack, "reject", rejected, "--by", "bob")
    assert again.returncode == 4 and "409" in again.stderr
