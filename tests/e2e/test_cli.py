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
