"""The service clock: scaled wall time around an anchor in a running emulator (optionally shared with the local
Functions host through a clock file), a manual clock in unit tests."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from emulator.files import create_exclusively, replace_atomically

NEVER = "0001-01-01T00:00:00.00000Z"


class Clock(Protocol):
    """Service time source; `wall_epoch_at` maps a service instant to a wall-clock epoch (for token expiry)."""

    def now(self) -> datetime: ...

    def advance(self, seconds: float) -> None: ...

    def wall_epoch_at(self, service_time: datetime) -> float: ...


class ClockShared(Exception):
    """The clock is shared through a clock file; moving it in one process would make the processes disagree."""


@dataclass
class Anchor:
    """`service = anchor_service + (wall - anchor_wall) * scale` (epoch seconds); the clock-file format."""

    scale: float
    anchor_wall: float
    anchor_service: float

    def service_epoch(self, wall: float) -> float:
        return self.anchor_service + (wall - self.anchor_wall) * self.scale

    def rescaled(self, scale: float, wall: float) -> Anchor:
        """The same reading at `wall`, running at `scale` from then on."""
        return Anchor(scale, wall, self.service_epoch(wall))

    def to_json(self) -> dict[str, float]:
        return {"scale": self.scale, "anchorWall": self.anchor_wall, "anchorService": self.anchor_service}

    @classmethod
    def from_json(cls, data: Any) -> Anchor:
        """Raises: ValueError for anything but `{"scale" > 0, "anchorWall", "anchorService"}` numbers."""
        try:
            anchor = cls(float(data["scale"]), float(data["anchorWall"]), float(data["anchorService"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a clock anchor: {data!r}") from exc
        if anchor.scale <= 0:
            raise ValueError("time scale must be positive")
        return anchor


class ScaledClock:
    """Service time from an anchor; `advance` moves the anchor's service time (the admin clock jump)."""

    def __init__(self, scale: float = 1.0, anchor: Anchor | None = None) -> None:
        if scale <= 0:
            raise ValueError("time scale must be positive")
        wall = time.time()
        self.anchor = anchor if anchor is not None else Anchor(scale, wall, wall)

    @classmethod
    def resume(cls, scale: float, saved: Anchor | None) -> ScaledClock:
        """Continue a saved anchor; a different scale re-anchors at the saved clock's current reading."""
        if saved is None:
            return cls(scale)
        return cls(scale, saved if saved.scale == scale else saved.rescaled(scale, time.time()))

    @property
    def scale(self) -> float:
        return self.anchor.scale

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.anchor.service_epoch(time.time()), UTC)

    def advance(self, seconds: float) -> None:
        self.anchor.anchor_service += seconds

    def wall_epoch_at(self, service_time: datetime) -> float:
        a = self.anchor
        return a.anchor_wall + (service_time.timestamp() - a.anchor_service) / a.scale


class FileClock:
    """A `ScaledClock` whose anchor lives in a JSON clock file shared with other processes (the local Functions
    host): it uses the file's anchor, follows it when another process rewrites it, and never moves on its own."""

    def __init__(self, path: Path, scale: float) -> None:
        if scale <= 0:
            raise ValueError("time scale must be positive")
        self.path = path
        self._clock = ScaledClock(scale, _open_anchor(path, scale))
        self._signature = _signature(path)

    @property
    def anchor(self) -> Anchor:
        self._follow()
        return self._clock.anchor

    @property
    def scale(self) -> float:
        return self.anchor.scale

    def now(self) -> datetime:
        self._follow()
        return self._clock.now()

    def wall_epoch_at(self, service_time: datetime) -> float:
        self._follow()
        return self._clock.wall_epoch_at(service_time)

    def advance(self, seconds: float) -> None:
        """Raises: ClockShared, always: a jump here would not reach the other processes reading the file."""
        raise ClockShared(f"The service clock is shared with other processes through the clock file {self.path}; "
                          "a clock jump in one process would make them disagree. Stop both processes and delete "
                          "the clock file to start a new timeline, or change --time-scale.")

    def _follow(self) -> None:
        """Reload the anchor when the file changed (another process re-anchored it at another scale)."""
        signature = _signature(self.path)
        if signature is None or signature == self._signature:
            return
        try:
            self._clock = ScaledClock(1.0, _read_anchor(self.path))
        except (OSError, ValueError):
            return  # keep the last good anchor; writers replace the file atomically, so this is a vanished file
        self._signature = signature


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _read_anchor(path: Path) -> Anchor:
    """Raises: OSError, ValueError."""
    return Anchor.from_json(json.loads(path.read_text()))


def _encode(anchor: Anchor) -> bytes:
    return (json.dumps(anchor.to_json()) + "\n").encode()


def _open_anchor(path: Path, scale: float) -> Anchor:
    """Use the file's anchor (re-anchored and rewritten if its scale differs), or create the file: the first
    writer wins and a loser reads the winner's. Raises: OSError, ValueError for an unreadable clock file."""
    if not path.exists():
        wall = time.time()
        mine = Anchor(scale, wall, wall)
        if create_exclusively(path, _encode(mine)):
            return mine
    anchor = _read_anchor(path)
    if anchor.scale != scale:
        anchor = anchor.rescaled(scale, time.time())
        replace_atomically(path, _encode(anchor))
    return anchor


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
