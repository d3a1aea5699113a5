"""The plan's ARM reads per subscription: a budget (`PLAN_ARM_READS_PER_MINUTE`) and every `Retry-After` honoured.

Deterministic: the state moves only with `current_utc_datetime` and activity results, and is carried across
`continue_as_new`. The plan charges its own steps (resolving VMs, its vault polls) and the start of each restore
(the reads a restore makes outside the plan's polls) to the subscription they read, and holds a step back until the
subscription's bucket has the reads. A throttled answer to one of the plan's calls (429 with `Retry-After`) blocks
the whole subscription until then: no resolve, no poll, no restore start there.

ARM's documented read limits per subscription and principal: 12,000 per hour in the per-instance model, and a token
bucket of 250 with a refill of 25 per second (1,500 per minute) in the regional model Microsoft moved subscriptions
to in 2024 (Learn azure-resource-manager/management/request-limits-and-throttling). The default budget of 600 per
minute is 40 % of the regional refill rate.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from pydantic import Field

from azbackup.models_common import Wire

# What a step costs in reads, from the calls the activities make (activities/resolve.py, activities/steps.py):
READS_PER_RESOLVE = 3  # the protected item, the VM's or vault's region, the VM's backup status
# A restore outside the plan's polls: its recovery points, the jobs list that guards against a second trigger, about
# three operation-status reads, and the job read when it has ended.
READS_PER_RESTORE = 6
LIST_PAGE_JOBS = 200  # jobs per page of a jobs list, to charge the pages a vault poll read beyond its first
BURST_SECONDS = 15  # the bucket holds this many seconds of the budget


class SubscriptionReads(Wire):
    """One subscription's bucket: reads available at `at` (negative: owed), and a `Retry-After` block."""

    tokens: float
    at: datetime
    blocked_until: datetime | None = None


class ReadBudget(Wire):
    """Every subscription's bucket (carried in `PlanCarry.reads`)."""

    per_minute: int = Field(default=600, ge=1)
    subscriptions: dict[str, SubscriptionReads] = Field(default_factory=dict)

    @property
    def capacity(self) -> float:
        return max(1.0, self.per_minute * BURST_SECONDS / 60)

    def _bucket(self, subscription: str, now: datetime) -> SubscriptionReads:
        bucket = self.subscriptions.get(subscription) or SubscriptionReads(tokens=self.capacity, at=now)
        elapsed = max(0.0, (now - bucket.at).total_seconds())
        tokens = min(self.capacity, bucket.tokens + elapsed * self.per_minute / 60)
        return bucket.model_copy(update={"tokens": tokens, "at": now})

    def wait_seconds(self, subscription: str, reads: int, now: datetime) -> int:
        """Seconds until `reads` may start on `subscription` (0: now). A step larger than the bucket waits for a
        full bucket and then owes the rest, so the average stays within the budget."""
        bucket = self._bucket(subscription, now)
        blocked = (bucket.blocked_until - now).total_seconds() if bucket.blocked_until else 0.0
        needed = min(float(reads), self.capacity) - bucket.tokens
        refill = needed * 60 / self.per_minute if needed > 0 else 0.0
        return max(0, math.ceil(max(blocked, refill)))

    def take(self, subscription: str, reads: int, now: datetime) -> None:
        bucket = self._bucket(subscription, now)
        self.subscriptions[subscription] = bucket.model_copy(update={"tokens": bucket.tokens - reads})

    def block(self, subscription: str, seconds: int, now: datetime) -> None:
        """A `Retry-After` of `seconds` on one call: nothing more on this subscription before then."""
        bucket = self._bucket(subscription, now)
        until = now + timedelta(seconds=seconds)
        if bucket.blocked_until is None or bucket.blocked_until < until:
            bucket = bucket.model_copy(update={"blocked_until": until})
        self.subscriptions[subscription] = bucket


def subscription_of(resource_id: str) -> str:
    """The subscription ID (lowercase) of an ARM resource ID; empty when it names none."""
    parts = resource_id.strip("/").split("/")
    return parts[1].lower() if len(parts) > 1 and parts[0].lower() == "subscriptions" else ""


def carried(raw: dict[str, Any] | None, per_minute: int) -> ReadBudget:
    """The budget a continued plan goes on with (the setting may not have changed in between: replay reads it)."""
    budget = ReadBudget.model_validate(raw) if raw else ReadBudget()
    return budget.model_copy(update={"per_minute": per_minute})
