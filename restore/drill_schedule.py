"""When drills are due (pure): cron in the drill's time zone, the start window, the run instance IDs.

A drill's schedule is a 5-field cron expression read in its `timeZone` (croniter over zone-aware datetimes, so a
daylight-saving change moves the UTC instant, not the local time). A tick starts only the **latest** due time, and
only while it lies within `startWindowHours`: a host that was down for several due times runs the drill once, late.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter

from restore.drills import Drill, PointChoice
from restore.instance_ids import ID_PREFIX, Source

RUN_PREFIX = ID_PREFIX[Source.DRILL]  # "drill": listings tell drill runs from restores by it


def _local(drill: Drill, when: datetime) -> datetime:
    return when.astimezone(ZoneInfo(drill.time_zone))


def latest_due(drill: Drill, now: datetime) -> datetime | None:
    """The newest scheduled time at or before `now` (UTC), if `now` is still within its start window."""
    local = _local(drill, now)
    # croniter's get_prev is strictly before its start; start a second later so a tick exactly on time counts.
    due: datetime = croniter(drill.schedule, local + timedelta(seconds=1)).get_prev(datetime).astimezone(UTC)
    return due if now - due <= timedelta(hours=drill.start_window_hours) else None


def next_due(drill: Drill, now: datetime) -> datetime:
    due: datetime = croniter(drill.schedule, _local(drill, now)).get_next(datetime).astimezone(UTC)
    return due


def scheduled_run_id(name: str, due: datetime) -> str:
    """The run's instance ID for one due time: a second tick or host starting it gets the same ID."""
    return f"{RUN_PREFIX}-{name}-{due.astimezone(UTC):%Y%m%dT%H%MZ}"


def manual_run_id(name: str, token: str) -> str:
    return f"{RUN_PREFIX}-{name}-run-{token}"


def drill_of_run(run_id: str, names: Sequence[str]) -> str | None:
    """The drill a run ID belongs to (the longest matching name: `a-b` before `a`)."""
    for name in sorted(names, key=len, reverse=True):
        if run_id.startswith(f"{RUN_PREFIX}-{name}-"):
            return name
    return None


def sample(vm_ids: Sequence[str], size: int | None, seed: str) -> list[str]:
    """`size` of `vm_ids` picked at random, seeded by the run (a replay picks the same), in their listed order."""
    if size is None or size >= len(vm_ids):
        return list(vm_ids)
    chosen = set(random.Random(seed).sample(range(len(vm_ids)), size))
    return [vm for i, vm in enumerate(vm_ids) if i in chosen]


def pick_point(choice: PointChoice, candidates: Sequence[tuple[str, datetime]], seed: str) -> str | None:
    """The point name for a drill: the newest, or one at random (seeded by the run and VM), of the candidates."""
    if not candidates:
        return None
    if choice is PointChoice.LATEST_WITHIN_WINDOW:
        return max(candidates, key=lambda c: c[1])[0]
    ordered = sorted(candidates, key=lambda c: c[1])
    return ordered[random.Random(seed).randrange(len(ordered))][0]
