"""`vmrestore status ID --watch` (the installed console script) follows a running restore to its end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.e2e.helpers import Stack, example

SCRIPT = Path(sys.executable).parent / "vmrestore"


def watch(stack: Stack, restore_id: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), "--url", stack.devhost.url, "status", restore_id, "--watch",
                           "--interval", "0.5"], capture_output=True, text=True, timeout=180, check=False)


def test_status_watch_shows_progress_and_exits_zero_on_success(stack: Stack) -> None:
    stack.scenario(jobSeconds=6000)
    restore_id = stack.start(example("restore-disks.json", stack.ids)).json()["id"]
    done = watch(stack, restore_id)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any("waitingForJob" in line and "%" in line for line in lines), done.stdout
    assert any(line.startswith("succeeded:") for line in lines)


def test_status_watch_exits_non_zero_when_the_restore_fails(stack: Stack) -> None:
    stack.scenario(jobResult="Failed")
    restore_id = stack.start(example("restore-disks.json", stack.ids)).json()["id"]
    done = watch(stack, restore_id)
    assert done.returncode == 1
    assert "failed:" in done.stdout


def test_list_shows_the_restore(stack: Stack) -> None:
    restore_id = stack.start(example("restore-disks.json", stack.ids)).json()["id"]
    stack.wait_final(restore_id)
    listed = subprocess.run([str(SCRIPT), "--url", stack.devhost.url, "list", "--json"], capture_output=True,
                            text=True, timeout=60, check=False)
    assert listed.returncode == 0 and restore_id in listed.stdout


def cli(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), "--url", stack.devhost.url, *args], capture_output=True, text=True,
                          timeout=60, check=False)


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
    assert stack.wait_final(approved).json()["approval"]["record"]["by"] == "alice"
    final = stack.wait_final(rejected).json()
    assert final["status"] == "cancelled" and final["approval"]["record"]["decision"] == "rejected"
    again = cli(stack, "reject", rejected, "--by", "bob")
    assert again.returncode == 4 and "409" in again.stderr
