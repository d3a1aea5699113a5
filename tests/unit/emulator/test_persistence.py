"""The state snapshot (`--state-file`) and the shared clock anchor (`--clock-file`), without processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emulator import persistence, serialize, serialize_admin
from emulator.backend import Backend
from emulator.clock import Anchor, ClockShared, FileClock, ManualClock, ScaledClock
from emulator.files import create_exclusively
from emulator.persistence import StateFile, StateFileError
from tests.unit.emulator.conftest import inventory, item_of, job_of, newest_usable, restore_disks, storage


def _busy_backend(clock: ManualClock) -> Backend:
    """A backend with a finished replace-disks restore, a running restore, CRR and ARM tokens, a scenario."""
    backend = Backend(clock)
    backend.set_scenario({"jobSeconds": 600, "pageSize": 7})
    vault, item = item_of(backend, "vm-web-01")
    rp = newest_usable(item)
    backend.restores.trigger(vault, item, rp, restore_disks(item, rp, storage(backend, "westeurope"),
                                                            recoveryType="OriginalLocation"))
    clock.advance(600)
    backend.tick()
    vault2, item2 = item_of(backend, "vm-sql-01")
    backend.restores.trigger(vault2, item2, newest_usable(item2),
                             restore_disks(item2, newest_usable(item2), storage(backend, "westeurope")))
    backend.tokens.issue_arm("http://emu", clock.now(), 3600, "tenant")
    aad = backend.crr.aad_properties(vault.subscription, str(vault.secondary_region))
    replicated = next(p for p in item.sorted_points() if backend.lookups.is_replicated(p) and not p.is_archive_only)
    backend.crr.access_token(vault, item, replicated.name, aad.audience)
    return backend


def test_snapshot_round_trip_keeps_the_whole_state(clock: ManualClock) -> None:
    backend = _busy_backend(clock)
    state, anchor = persistence.load(persistence.dump(backend.state, Anchor(60.0, 1.0, 2.0)))
    again = Backend(clock, state=state)
    assert anchor == Anchor(60.0, 1.0, 2.0)
    assert inventory(again) == inventory(backend)
    assert serialize_admin.jobs(again.jobs.all(), clock.now()) == serialize_admin.jobs(backend.jobs.all(), clock.now())
    assert serialize_admin.tokens(again.tokens) == serialize_admin.tokens(backend.tokens)
    assert again.scenario == backend.scenario
    assert {op: serialize.operation_status(o, clock.now()) for op, o in again.state.operations.items()} == \
        {op: serialize.operation_status(o, clock.now()) for op, o in backend.state.operations.items()}


def test_loaded_vm_disks_are_the_worlds_disks(clock: ManualClock) -> None:
    state, _ = persistence.load(persistence.dump(_busy_backend(clock).state, None))
    for vm in state.world.vms.values():
        assert all(state.world.disks[d.id.lower()] is d for d in vm.disks())


def test_a_token_issued_before_the_snapshot_still_verifies_after(clock: ManualClock) -> None:
    backend = Backend(clock)
    token = backend.tokens.issue_arm("http://emu", clock.now(), 3600, "tenant")
    state, _ = persistence.load(persistence.dump(backend.state, None))
    assert state.tokens.check_arm(f"Bearer {token.token}", clock.now()).token == token.token
    assert state.tokens.key == backend.tokens.key


def test_a_running_restore_finishes_after_a_reload(clock: ManualClock) -> None:
    backend = Backend(clock)
    vault, item = item_of(backend, "vm-web-01")
    rp = newest_usable(item)
    op = backend.restores.trigger(vault, item, rp, restore_disks(item, rp, storage(backend, "westeurope")))
    again = Backend(clock, state=persistence.load(persistence.dump(backend.state, None))[0])
    clock.advance(2400)
    again.tick()
    job = job_of(again, op)
    assert str(job.status) == "Completed"
    assert any(d["createdByJob"] == job.name for d in inventory(again)["disks"])


def test_state_file_writes_only_when_the_state_changed(tmp_path: Path, clock: ManualClock) -> None:
    backend, store = Backend(clock), StateFile(tmp_path / "state.json")
    assert store.read() is None
    assert store.save(backend.state, None) is True
    assert store.save(backend.state, None) is False
    backend.set_scenario({"pageSize": 3})
    assert store.save(backend.state, None) is True
    reread = StateFile(tmp_path / "state.json").read()
    assert reread is not None and reread[0].scenario.page_size == 3
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temporary file left behind


@pytest.mark.parametrize("content", [b"not json", b"[]", json.dumps({"version": 99}).encode(),
                                     json.dumps({"version": 1}).encode()])
def test_an_unusable_state_file_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    with pytest.raises(StateFileError):
        StateFile(path).read()


def test_scaled_clock_resumes_a_saved_anchor_and_re_anchors_for_another_scale() -> None:
    saved = Anchor(60.0, 1_000.0, 5_000_000.0)
    assert ScaledClock.resume(60.0, saved).anchor == saved
    moved = ScaledClock.resume(600.0, saved).anchor
    assert moved.scale == 600.0
    assert moved.anchor_service == pytest.approx(saved.service_epoch(moved.anchor_wall))


def test_clock_file_is_created_once_and_read_by_the_next_process(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    first = FileClock(path, 60.0)
    saved = Anchor.from_json(json.loads(path.read_text()))
    second = FileClock(path, 60.0)
    assert first.anchor == saved == second.anchor
    assert set(json.loads(path.read_text())) == {"scale", "anchorWall", "anchorService"}


def test_another_scale_re_anchors_the_clock_file_and_the_other_process_follows(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    first = FileClock(path, 60.0)
    before = first.now()
    second = FileClock(path, 600.0)
    written = Anchor.from_json(json.loads(path.read_text()))
    assert written.scale == 600.0 and second.anchor == written
    assert first.anchor == written and first.scale == 600.0
    assert first.now() >= before


def test_the_loser_of_the_clock_file_race_keeps_the_winners_file(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    assert create_exclusively(path, b'{"scale": 60, "anchorWall": 1, "anchorService": 2}\n') is True
    assert create_exclusively(path, b'{"scale": 1, "anchorWall": 3, "anchorService": 4}\n') is False
    assert FileClock(path, 60.0).anchor == Anchor(60.0, 1.0, 2.0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clock.json"]


def test_a_shared_clock_refuses_to_jump(tmp_path: Path) -> None:
    clock = FileClock(tmp_path / "clock.json", 60.0)
    with pytest.raises(ClockShared, match="clock file"):
        clock.advance(60)
