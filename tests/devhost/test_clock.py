"""`--clock-file`: one service-time anchor shared with the emulator (issue 15, "One clock")."""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from devhost.clock import FOLLOW_EVERY, FileClock, ScaledClock, open_clock_file
from tests.support.procs import free_port, running, spawn
from tests.support.wait import wait_until

from .conftest import FIDELITY_APP


def test_a_missing_clock_file_is_created_with_the_anchor_and_the_next_process_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    first = open_clock_file(path, 60.0)
    assert json.loads(path.read_text()) == {"scale": 60.0, "anchorWall": first.anchor_wall,
                                            "anchorService": first.anchor_service}
    second = open_clock_file(path, 60.0)
    assert (second.scale, second.anchor_wall, second.anchor_service) == (60.0, first.anchor_wall,
                                                                          first.anchor_service)


def test_another_time_scale_re_anchors_at_the_current_reading_and_rewrites_the_file(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    wall = time.time()
    path.write_text(json.dumps({"scale": 100.0, "anchorWall": wall - 10, "anchorService": 1_000_000.0}))
    before = ScaledClock(100.0, wall - 10, 1_000_000.0).now_epoch()
    clock = open_clock_file(path, 5.0)
    assert clock.scale == 5.0
    assert clock.now_epoch() >= before  # the reading carries on; only the rate changes
    assert json.loads(path.read_text()) == {"scale": 5.0, "anchorWall": clock.anchor_wall,
                                            "anchorService": clock.anchor_service}
    assert not [p for p in tmp_path.iterdir() if p.name != "clock.json"]  # no temporary file left behind


def test_concurrent_creators_agree_on_the_first_writers_anchor(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    results: list[ScaledClock] = []
    gate = threading.Barrier(8)

    def create() -> None:
        gate.wait()
        results.append(open_clock_file(path, 60.0))

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    saved = json.loads(path.read_text())
    assert {(c.anchor_wall, c.anchor_service) for c in results} == {(saved["anchorWall"], saved["anchorService"])}


def test_a_file_clock_follows_a_re_anchor_written_by_another_process(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    clock = FileClock(path, 1.0)
    later = {"scale": 1.0, "anchorWall": time.time(), "anchorService": 2_000_000_000.0}
    tmp = tmp_path / "other.tmp"
    tmp.write_text(json.dumps(later))
    os.replace(tmp, path)  # what the emulator does when it re-anchors
    reading = wait_until(clock.now_epoch, lambda epoch: epoch >= 2_000_000_000.0, timeout=FOLLOW_EVERY * 20,
                         what="the clock to follow the file")
    assert reading < 2_000_000_000.0 + 60


def test_a_malformed_clock_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    path.write_text('{"scale": 1}')
    with pytest.raises(ValueError, match="not a clock anchor"):
        open_clock_file(path, 1.0)


def test_the_host_reads_its_service_time_from_the_clock_file() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="devhost-clock-"))
    path = workdir / "clock.json"
    future = datetime(2031, 1, 1, tzinfo=UTC).timestamp()
    path.write_text(json.dumps({"scale": 1.0, "anchorWall": time.time(), "anchorService": future}))
    port = free_port()
    args = ["devhost", "--port", str(port), "--app", FIDELITY_APP, "--db", str(workdir / "devhost.db"),
            "--time-scale", "1", "--clock-file", str(path)]
    with running(spawn(args, "/admin/host/status", port)) as host:
        status = requests.get(f"{host.url}/admin/host/status", timeout=10).json()
        assert status["serviceTime"].startswith("2031-01-01")
        assert status["clockFile"] == str(path) and status["timeScale"] == 1.0
    assert json.loads(path.read_text())["anchorService"] == future  # same scale: the file is left as it was
