"""The service clock: scaled wall time in a running emulator, a manual clock in unit tests."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

NEVER = "0001-01-01T00:00:00.00000Z"


class Clock(Protocol):
    """Service time source; `wall_epoch_at` maps a service instant to a wall-clock epoch (for token expiry)."""

    def now(self) -> datetime: ...

    def advance(self, seconds: float) -> None: ...

    def wall_epoch_at(self, service_time: datetime) -> float: ...


class ScaledClock:
    """`service_now = start + (wall - start) * scale + offset`; `offset` lets the admin API jump ahead."""

    def __init__(self, scale: float = 1.0, start: float | None = None) -> None:
        if scale <= 0:
            raise ValueError("time scale must be positive")
        self.scale = scale
        self.start_wall = time.time() if start is None else start
        self.offset = 0.0

    def now(self) -> datetime:
        elapsed = (time.time() - self.start_wall) * self.scale + self.offset
        return datetime.fromtimestamp(self.start_wall + elapsed, UTC)

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def wall_epoch_at(self, service_time: datetime) -> float:
        service_elapsed = service_time.timestamp() - self.start_wall - self.offset
        return self.start_wall + service_elapsed / self.scale


class ManualClock:
    """A clock that only moves when told to (unit tests)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
        self.scale = 1.0

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)

    def wall_epoch_at(self, service_time: datetime) -> float:
        return service_time.timestamp()


def iso(value: datetime | None) -> str | None:
    """ARM-style UTC timestamp with 7 fractional digits, as the service writes them."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def iso_duration(seconds: float) -> str:
    """ISO-8601 duration as in the spec examples (`PT9.8782791S`, `PT40M0S`)."""
    seconds = max(0.0, seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    out = "PT"
    if hours:
        out += f"{int(hours)}H"
    if minutes or hours:
        out += f"{int(minutes)}M"
    text = f"{secs:.7f}".rstrip("0").rstrip(".")
    return out + f"{text or 0}S"


def parse_time(text: str) -> datetime:
    """Parse ISO-8601 or the OData 'YYYY-MM-DD hh:mm:ss AM' of $filter values (the docs write '00:00:00 AM')."""
    text = text.strip()
    meridiem = text[-2:].upper() if text[-2:].upper() in ("AM", "PM") else ""
    bare = text[:-2].strip() if meridiem else text
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            value = datetime.strptime(bare, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
        if meridiem == "PM" and value.hour < 12:
            value += timedelta(hours=12)
        elif meridiem == "AM" and value.hour == 12:
            value -= timedelta(hours=12)
        return value
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)
