"""Scheduled backups: a protected VM gets a new recovery point every day, as its backup policy takes one.

An Azure VM backup policy (standard) runs once a day at its scheduled time ("for IaaS VMs only one value is valid" in
`scheduleRunTimes`, learn.microsoft.com `backup/backup-azure-arm-userestapi-createorupdatepolicy`); the default
policy keeps daily points 30 days. Without this, a long-running emulator (a day of `make run` at 60x is two months
of service time) would run out of recent points and every `maxAge` restore would fail with NoMatchingRecoveryPoint.
The next point falls one day after the item's newest; a point whose day fell while the emulator was stopped is
created on the first request after the restart, with its scheduled time. Seeded points are never removed.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime, timedelta

from emulator.clock import Clock
from emulator.resources import ProtectedItem
from emulator.state import ServiceState

INTERVAL = timedelta(days=1)
DAILY_RETENTION = timedelta(days=30)
SCHEDULED_TIERS = [("InstantRP", "Valid"), ("HardenedRP", "Valid")]


class ScheduledBackups:
    """Adds the daily recovery points that are due by the service clock."""

    def __init__(self, state: ServiceState, clock: Clock) -> None:
        self.state = state
        self.clock = clock

    def tick(self) -> int:
        """Add every point due by now (within the daily retention); returns how many were added."""
        now = self.clock.now()
        return sum(take_due_backups(item, now) for item in self.state.world.items.values())


def take_due_backups(item: ProtectedItem, now: datetime) -> int:
    """The item's scheduled points due by `now` that the daily retention still keeps."""
    points = item.sorted_points()
    if not points:
        return 0  # protection never took a first backup: nothing is scheduled from it
    newest = points[0]
    due = newest.time + INTERVAL
    if due < now - DAILY_RETENTION:  # after a long stop, only the days the retention still keeps
        skipped = (now - DAILY_RETENTION - due) // INTERVAL + 1
        due += INTERVAL * skipped
    added = 0
    while due <= now:
        name = str(int(hashlib.sha256(f"{item.id.lower()}:{due.isoformat()}".encode()).hexdigest()[:12], 16))
        # A daily backup with the VM agent's snapshot extension is application-consistent.
        item.points[name] = replace(newest, name=name, time=due, type="AppConsistent", tiers=list(SCHEDULED_TIERS),
                                    rehydrated_until=None)
        due += INTERVAL
        added += 1
    return added



