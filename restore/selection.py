"""Choosing a recovery point by policy (pure): newest match, restorable without rehydration when possible."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from azbackup.models_rp import RecoveryPoint, RecoveryPointTierStatus, RecoveryPointTierType
from restore.errors import NoRecoveryPointError

# policy -> the `recoveryPointType` it asks for (None: any type)
POLICY_TYPES: dict[str, str | None] = {
    "latest": None,
    "latestAppConsistent": "appconsistent",
    "latestCrashConsistent": "crashconsistent",
    "latestFileSystemConsistent": "filesystemconsistent",
}
_LISTED = 10


def is_restorable(point: RecoveryPoint) -> bool:
    """Readable without rehydration: a valid snapshot/vault tier or a rehydrated archive copy (or no tier info)."""
    if not point.tiers:
        return True
    return any((t.type != RecoveryPointTierType.ARCHIVED_RP and t.status == RecoveryPointTierStatus.VALID)
               or t.status == RecoveryPointTierStatus.REHYDRATED for t in point.tiers)


def needs_rehydration(point: RecoveryPoint) -> bool:
    """Only a valid archive-tier copy holds the data."""
    return not is_restorable(point) and any(
        t.type == RecoveryPointTierType.ARCHIVED_RP and t.status == RecoveryPointTierStatus.VALID for t in point.tiers)


def describe(point: RecoveryPoint) -> str:
    """One line per point for error messages: time, type, tiers."""
    tiers = ", ".join(f"{t.type} {t.status}" for t in point.tiers) or "no tier info"
    when = point.time.isoformat() if point.time else "no time"
    return f"{point.name} at {when} ({point.properties.recovery_point_type or 'unknown type'}; {tiers})"


def _matches(point: RecoveryPoint, wanted_type: str | None, before: datetime | None,
             oldest: datetime | None) -> bool:
    if point.time is None:
        return False
    if wanted_type and (point.properties.recovery_point_type or "").lower() != wanted_type:
        return False
    if before is not None and point.time >= before:
        return False
    return oldest is None or point.time >= oldest


def select_recovery_point(points: Sequence[RecoveryPoint], policy: str = "latest", before: datetime | None = None,
                          max_age: timedelta | None = None, now: datetime | None = None,
                          allow_archive: bool = False) -> RecoveryPoint:
    """The newest point matching `policy`, `before` and `max_age`; archive-only points only with `allow_archive`.

    Raises:
        NoRecoveryPointError: nothing fits; the message says what was asked and lists what was found.
        ValueError: unknown policy, or `max_age` without `now`.
    """
    if policy not in POLICY_TYPES:
        raise ValueError(f"unknown recovery point policy {policy!r}; expected one of {sorted(POLICY_TYPES)}")
    if max_age is not None and now is None:
        raise ValueError("max_age needs now")
    oldest = now - max_age if max_age is not None and now is not None else None
    matching = sorted((p for p in points if _matches(p, POLICY_TYPES[policy], before, oldest)),
                      key=lambda p: p.time or datetime.min, reverse=True)
    for point in matching:
        if is_restorable(point):
            return point
    if allow_archive:
        for point in matching:
            if needs_rehydration(point):
                return point
    raise NoRecoveryPointError(_nothing_fits(points, policy, before, oldest, matching, allow_archive))


def _nothing_fits(points: Sequence[RecoveryPoint], policy: str, before: datetime | None, oldest: datetime | None,
                  matching: list[RecoveryPoint], allow_archive: bool) -> str:
    asked = [f"policy {policy}"]
    if before is not None:
        asked.append(f"before {before.isoformat()}")
    if oldest is not None:
        asked.append(f"not older than {oldest.isoformat()}")
    reason = "no recovery point matches" if not matching else (
        "the matching points are in the archive tier only; ask for rehydration to use them" if not allow_archive
        else "no matching point is restorable")
    newest = sorted(points, key=lambda p: p.time or datetime.min, reverse=True)[:_LISTED]
    found = "; ".join(describe(p) for p in newest) or "none"
    return f"{reason} ({', '.join(asked)}); found {len(points)}: {found}"


def check_explicit_point(point: RecoveryPoint, allow_archive: bool) -> RecoveryPoint:
    """An explicitly named point, if it can be restored as asked.

    Raises:
        NoRecoveryPointError: the point needs rehydration and the request did not ask for it, or has no usable tier.
    """
    if is_restorable(point) or (allow_archive and needs_rehydration(point)):
        return point
    hint = "ask for rehydration to restore it" if needs_rehydration(point) else "no tier holds its data"
    raise NoRecoveryPointError(f"recovery point {describe(point)} cannot be restored: {hint}")
