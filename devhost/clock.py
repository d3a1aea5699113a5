"""The host's orchestration clock: wall time scaled around an anchor, monotonic across restarts.

The anchor lives in the host's database, or, with `--clock-file`, in a JSON file shared with the emulator
(`{"scale", "anchorWall", "anchorService"}`, epoch seconds), so that both processes read one service time.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FOLLOW_EVERY = 0.2  # wall seconds between checks whether another process rewrote the clock file


class ScaledClock:
    """`service_now = anchor_service + (wall - anchor_wall) * scale` (the emulator uses the same formula)."""

    def __init__(self, scale: float, anchor_wall: float | None = None, anchor_service: float | None = None):
        if scale <= 0:
            raise ValueError("time scale must be positive")
        now = time.time()
        self.scale = scale
        self.anchor_wall = anchor_wall if anchor_wall is not None else now
        self.anchor_service = anchor_service if anchor_service is not None else self.anchor_wall

    def now_epoch(self) -> float:
        return self.anchor_service + (time.time() - self.anchor_wall) * self.scale

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.now_epoch(), UTC)

    def wall_seconds_until(self, service_epoch: float) -> float:
        """Wall-clock seconds until the service clock reaches `service_epoch` (0 if it already has)."""
        return max(0.0, (service_epoch - self.now_epoch()) / self.scale)

    def rescaled(self, scale: float) -> ScaledClock:
        """The same reading now, running at `scale` from now on."""
        wall = time.time()
        return ScaledClock(scale, wall, self.anchor_service + (wall - self.anchor_wall) * self.scale)

    @classmethod
    def resume(cls, scale: float, saved: dict[str, str]) -> ScaledClock:
        """Continue a saved clock; a different scale re-anchors at the saved clock's current reading."""
        if not saved:
            return cls(scale)
        old = cls(float(saved["scale"]), float(saved["anchor_wall"]), float(saved["anchor_service"]))
        return old if old.scale == scale else old.rescaled(scale)

    def to_meta(self) -> dict[str, str]:
        return {"scale": repr(self.scale), "anchor_wall": repr(self.anchor_wall),
                "anchor_service": repr(self.anchor_service)}

    def to_json(self) -> dict[str, float]:
        return {"scale": self.scale, "anchorWall": self.anchor_wall, "anchorService": self.anchor_service}

    @classmethod
    def from_json(cls, data: Any) -> ScaledClock:
        """Raises: ValueError for anything but `{"scale" > 0, "anchorWall", "anchorService"}` numbers."""
        try:
            return cls(float(data["scale"]), float(data["anchorWall"]), float(data["anchorService"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a clock anchor: {data!r}") from exc


class FileClock(ScaledClock):
    """A clock whose anchor is the clock file's; it follows the file when another process re-anchors it."""

    def __init__(self, path: Path, scale: float):
        """Raises: OSError or ValueError for a clock file that cannot be read or written."""
        anchor = open_clock_file(path, scale)
        super().__init__(anchor.scale, anchor.anchor_wall, anchor.anchor_service)
        self.path = path
        self._signature = _signature(path)
        self._checked = time.monotonic()

    def now_epoch(self) -> float:
        self._follow()
        return super().now_epoch()

    def _follow(self) -> None:
        if time.monotonic() - self._checked < FOLLOW_EVERY:
            return
        self._checked = time.monotonic()
        signature = _signature(self.path)
        if signature is None or signature == self._signature:
            return
        try:
            anchor = ScaledClock.from_json(json.loads(self.path.read_text()))
        except (OSError, ValueError):
            return  # writers replace the file atomically: this is a vanished file; keep the last good anchor
        self.scale, self.anchor_wall, self.anchor_service = anchor.scale, anchor.anchor_wall, anchor.anchor_service
        self._signature = signature


def open_clock_file(path: Path, scale: float) -> ScaledClock:
    """The file's anchor (re-anchored and rewritten at another scale), or a new file: the first writer wins.

    Raises:
        OSError, ValueError: the file cannot be written, or holds no clock anchor.
    """
    if not path.exists():
        mine = ScaledClock(scale)
        if _create_exclusively(path, _encode(mine)):
            return mine
    anchor = ScaledClock.from_json(json.loads(path.read_text()))
    if anchor.scale != scale:
        anchor = anchor.rescaled(scale)
        _replace_atomically(path, _encode(anchor))
    return anchor


def _encode(clock: ScaledClock) -> bytes:
    return (json.dumps(clock.to_json()) + "\n").encode()


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _temp_copy(path: Path, data: bytes) -> Path:
    """`data` in a synced temporary file next to `path` (same file system, so link and rename are atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def _create_exclusively(path: Path, data: bytes) -> bool:
    """link(2) of a complete file fails when another process got there first: nobody reads half a file."""
    temp = _temp_copy(path, data)
    try:
        os.link(temp, path)
    except FileExistsError:
        return False
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return True


def _replace_atomically(path: Path, data: bytes) -> None:
    temp = _temp_copy(path, data)
    try:
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
