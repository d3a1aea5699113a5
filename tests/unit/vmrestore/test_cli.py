"""The `vmrestore` command: rendering, request bodies, configuration, and that it stands on its own."""

from __future__ import annotations

import argparse
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.unit.triggers.fakes import IDS
from vmrestore import cli

ROOT = Path(__file__).resolve().parents[3]
APP_PACKAGES = {"azbackup", "restore", "orchestrators", "activities", "triggers", "function_app", "emulator",
                "devhost", "azure", "pydantic"}


def test_progress_line_shows_phase_bar_and_percentage() -> None:
    line = cli.progress_line({"id": "r1", "status": "running", "phase": "waitingForJob", "progress": 50,
                              "jobId": "j1"})
    assert "waitingForJob" in line and " 50.0%" in line and "job j1" in line
    assert line.count("━") + line.count("╸") == 12  # rich's bar: half of 24 cells
    assert "--%" in cli.progress_line({"id": "r1", "status": "running", "phase": "pending"})


def test_cli_start_body_merges_file_and_flags() -> None:
    args = cli.parser().parse_args(["start", "--vm", IDS["VM_ID"], "--target-rg", IDS["TARGET_RG_ID"],
                                    "--disk-lun", "0", "--disk-lun", "1", "--cross-region"])
    body = cli.start_body(args)
    assert body == {"vmId": IDS["VM_ID"], "targetResourceGroupId": IDS["TARGET_RG_ID"], "diskLuns": [0, 1],
                    "crossRegion": True}
    assert isinstance(args, argparse.Namespace)


def test_cli_reads_url_and_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VMRESTORE_KEY", "k1")
    monkeypatch.setenv("VMRESTORE_URL", "https://app.example")
    args = cli.parser().parse_args(["list"])
    assert (args.url, args.key) == ("https://app.example", "k1")
    assert cli.Api(args.url, args.key).session.headers["x-functions-key"] == "k1"


def test_the_cli_imports_nothing_of_the_app_and_installs_with_requests_rich_and_pyyaml() -> None:
    loaded = subprocess.run([sys.executable, "-c", "import sys, vmrestore.cli; print(*sorted(sys.modules))"],
                            capture_output=True, text=True, check=True, cwd=ROOT).stdout.split()
    assert sorted(APP_PACKAGES & {name.split(".")[0] for name in loaded}) == []
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["vmrestore"] == "vmrestore.cli:main"
    assert [dep.split(">")[0] for dep in project["optional-dependencies"]["cli"]] == ["requests", "rich", "pyyaml"]
    pins = dict(line.split("==") for line in (ROOT / "requirements.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    assert {"rich", "pyyaml"} <= set(pins)
    assert "vmrestore" in (ROOT / ".funcignore").read_text().split()


def test_the_restore_id_of_an_event_is_the_one_the_app_derives() -> None:
    from restore.instance_ids import Source, instance_id_for

    topic = "/subscriptions/x/resourceGroups/rg-ops/providers/Microsoft.EventGrid/topics/Restore-Requests"
    assert cli.event_restore_id(topic, "5b0a1c9e") == instance_id_for(Source.EVENTGRID, topic.lower(), "5b0a1c9e")


@pytest.mark.parametrize("argv", [["status"], ["status", "r1", "--event-id", "e1", "--topic", "t"],
                                  ["status", "--event-id", "e1"]])
def test_status_needs_an_id_or_an_event_id_with_its_topic(argv: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", "vmrestore", "--url", "http://127.0.0.1:9", *argv],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == cli.EXIT_USAGE and len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr


@pytest.mark.parametrize(("content", "reason"), [(None, "No such file"), ("{nope", "not JSON"), ("[1]", "object")])
def test_a_bad_file_is_a_one_line_usage_error(tmp_path: Path, content: str | None, reason: str) -> None:
    path = tmp_path / "request.json"
    if content is not None:
        path.write_text(content)
    done = subprocess.run([sys.executable, "-m", "vmrestore", "--url", "http://127.0.0.1:9", "start", "--file",
                           str(path)], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == cli.EXIT_USAGE, done.stderr
    assert done.stderr.splitlines() == [done.stderr.strip()] and reason in done.stderr and str(path) in done.stderr


def test_an_error_code_is_printed_once() -> None:
    assert cli.without_code("UserErrorDiskNotFound: the disk is gone", "UserErrorDiskNotFound") == "the disk is gone"
    assert cli.without_code("the disk is gone", "UserErrorDiskNotFound") == "the disk is gone"
