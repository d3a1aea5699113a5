"""Scheduled backups: a new app-consistent point every service day, so `maxAge` restores keep working for as long
as the emulator runs (a day of `make run` at 60x is two months of service time)."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

from emulator import persistence
from emulator.backend import Backend
from emulator.clock import ManualClock
from emulator.schedule import DAILY_RETENTION, INTERVAL
from tests.unit.emulator.conftest import item_of


def _newest_app_consistent_age(backend: Backend, clock: ManualClock) -> timedelta:
    backend.tick()
    _, item = item_of(backend, "vm-web-01")
    newest = next(rp for rp in backend.lookups.points(item, None, None, crr=False) if rp.type == "AppConsistent")
    return clock.now() - newest.time


def test_a_protected_vm_gets_a_point_every_day_the_clock_moves_on(backend: Backend, clock: ManualClock) -> None:
    _, item = item_of(backend, "vm-web-01")
    seeded = dict(item.points)
    clock.advance(timedelta(days=3, hours=2).total_seconds())
    backend.tick()
    added = [rp for name, rp in item.points.items() if name not in seeded]
    assert len(added) == 3 and all(rp.type == "AppConsistent" for rp in added)
    times = sorted(rp.time for rp in added)
    assert [b - a for a, b in pairwise(times)] == [INTERVAL, INTERVAL]
    assert seeded.items() <= item.points.items(), "seeded points stay"
    assert _newest_app_consistent_age(backend, clock) < timedelta(days=1)
    backend.tick()
    assert len(item.points) == len(seeded) + 3, "a tick adds only what is due"


def test_after_a_long_stop_only_the_days_the_retention_keeps_are_backed_up(backend: Backend,
                                                                            clock: ManualClock) -> None:
    _, item = item_of(backend, "vm-web-01")
    before = len(item.points)
    clock.advance(timedelta(days=90).total_seconds())
    backend.tick()
    added = len(item.points) - before
    assert DAILY_RETENTION.days - 1 <= added <= DAILY_RETENTION.days + 1
    assert _newest_app_consistent_age(backend, clock) < timedelta(days=1)


def test_scheduled_points_survive_a_restart_with_the_state_file(backend: Backend, clock: ManualClock) -> None:
    clock.advance(timedelta(days=2).total_seconds())
    backend.tick()
    _, item = item_of(backend, "vm-web-01")
    state, _ = persistence.load(persistence.dump(backend.state, None))
    again = Backend(clock, state=state)
    _, restored = item_of(again, "vm-web-01")
    assert set(restored.points) == set(item.points)
