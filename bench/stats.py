"""Small statistics for the bench tables."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile (`pct` in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def fmt(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def peak_in_window(instants: Sequence[float], window: float = 60.0) -> int:
    """The most `instants` (seconds) inside any window of `window` seconds (end included, start excluded): a sliding
    peak, not calendar buckets, so a burst straddling a minute boundary counts whole. 0 for no instants."""
    ordered = sorted(instants)
    peak, start = 0, 0
    for end, at in enumerate(ordered):
        while ordered[start] <= at - window:
            start += 1
        peak = max(peak, end - start + 1)
    return peak


def median_gap(instants_by_key: dict[str, list[float]]) -> float | None:
    """The median gap (seconds) between successive instants of the same key (e.g. reads of the same URL); None when
    no key has two."""
    gaps = []
    for times in instants_by_key.values():
        ordered = sorted(times)
        gaps += [b - a for a, b in itertools.pairwise(ordered)]
    return percentile(gaps, 50)
