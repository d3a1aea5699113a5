"""NCRONTAB schedules of timer triggers: six fields, seconds first (`{second} {minute} {hour} {day} {month}
{day-of-week}`), as the Functions host reads them (NCrontab `CrontabSchedule` with `IncludingSeconds`, used by
Azure/azure-webjobs-sdk-extensions `Timers/Scheduling/CronSchedule.cs`); croniter reads the same syntax with
`second_at_beginning`."""

from __future__ import annotations

from datetime import datetime

from croniter import croniter


def is_ncrontab(schedule: str) -> bool:
    return len(schedule.split()) == 6 and croniter.is_valid(schedule, second_at_beginning=True)


def next_occurrence(schedule: str, after: datetime) -> datetime:
    """The first occurrence strictly after `after`."""
    found: datetime = croniter(schedule, after, second_at_beginning=True).get_next(datetime)
    return found
