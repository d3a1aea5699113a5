"""The host's orchestration clock: wall time scaled around a persisted anchor, monotonic across restarts."""

from __future__ import annotations

import time
from datetime import UTC, datetime


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

    @classmethod
    def resume(cls, scale: float, saved: dict[str, str]) -> ScaledClock:
        """Continue a saved clock; a different scale re-anchors at the saved clock's current reading."""
        if not saved:
            return cls(scale)
        old = cls(float(saved["scale"]), float(saved["anchor_wall"]), float(saved["anchor_service"]))
        if old.scale == scale:
            return old
        return cls(scale, time.time(), old.now_epoch())

    def to_meta(self) -> dict[str, str]:
        return {"scale": repr(self.scale), "anchor_wall": repr(self.anchor_wall),
                "anchor_service": repr(self.anchor_service)}
