"""Instance IDs of the orchestrations: which front door started a restore, deterministic IDs for idempotency keys,
events and incidents, a restore's job wait (`{id}:job`), plans (`pln-…`) and their VMs (`{plan}:{n}`,
`{plan}:{n}:check`).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from enum import StrEnum


class Source(StrEnum):
    """Which front door started a restore."""

    HTTP = "http"
    EVENTGRID = "eventgrid"
    INCIDENT = "incident"
    DELETE = "delete"  # an Event Grid `Microsoft.Resources.ResourceDeleteSuccess` event (restore on delete)
    PLAN = "plan"  # a `restore_vm` started by a `restore_plan`
    DRILL = "drill"  # a `restore_vm` started by a `restore_drill`


ID_PREFIX: dict[Source, str] = {Source.HTTP: "rst", Source.EVENTGRID: "evt", Source.INCIDENT: "inc",
                                Source.DELETE: "del", Source.PLAN: "pln", Source.DRILL: "drill"}
JOB_INSTANCE_SUFFIX = ":job"  # `{parent}:job`: the `wait_for_restore_job` sub-orchestration of one restore
_DIGEST_LENGTH = 40


def new_instance_id() -> str:
    """A fresh `restore_vm` instance ID for a start without an idempotency key (front doors only: not replay-safe)."""
    return f"{ID_PREFIX[Source.HTTP]}-{uuid.uuid4().hex}"


def instance_id_for(source: Source, *parts: str) -> str:
    """The deterministic `restore_vm` instance ID for an idempotency key, event or incident: URL-safe, no ':' or '/'."""
    digest = hashlib.sha256("\x1f".join([source.value, *parts]).encode()).hexdigest()
    return f"{ID_PREFIX[source]}-{digest[:_DIGEST_LENGTH]}"


def source_of_instance_id(instance_id: str) -> Source | None:
    """The front door a restore came through, read from its instance ID's prefix (no need to load its input)."""
    prefix = instance_id.split("-", 1)[0]
    return next((source for source, known in ID_PREFIX.items() if known == prefix), None)


def job_instance_id(parent_instance_id: str) -> str:
    """The instance ID of the job-waiting sub-orchestration of one restore."""
    return f"{parent_instance_id}{JOB_INSTANCE_SUFFIX}"


def is_restore_instance_id(instance_id: str) -> bool:
    """A `restore_vm` ID as the front doors make them: never a ':' (sub-orchestration IDs always have one)."""
    return bool(instance_id) and ":" not in instance_id and not instance_id.startswith(PLAN_PREFIX + "-") \
        and not instance_id.startswith(ID_PREFIX[Source.DRILL] + "-")


# Plans.
PLAN_PREFIX = "pln"  # `restore_plan` instance IDs: `pln-<uuid>` or `pln-<sha256 of the idempotency key>`
_PLAN_CHILD = re.compile(r"(pln-[0-9a-f]{32,40}):(\d{1,4})\Z")
# `{plan}:{n}:check`: the dry run of VM n that a plan waiting for approval runs first (nothing is triggered).
PLAN_CHECK_SUFFIX = ":check"


def new_plan_id() -> str:
    """A fresh `restore_plan` instance ID (front doors only: not replay-safe)."""
    return f"{PLAN_PREFIX}-{uuid.uuid4().hex}"


def plan_id_for(idempotency_key: str) -> str:
    """The deterministic `restore_plan` instance ID for an idempotency key."""
    digest = hashlib.sha256("\x1f".join(["plan", idempotency_key]).encode()).hexdigest()
    return f"{PLAN_PREFIX}-{digest[:_DIGEST_LENGTH]}"


def is_plan_instance_id(instance_id: str) -> bool:
    return bool(re.fullmatch(r"pln-[0-9a-f]{32,40}", instance_id))


def plan_restore_id(plan_instance_id: str, index: int) -> str:
    """The `restore_vm` sub-orchestration of the plan's VM number `index` (0-based, in plan order): `{plan}:{n}`."""
    return f"{plan_instance_id}:{index}"


def parse_plan_restore_id(instance_id: str) -> tuple[str, int] | None:
    """(plan ID, index) of a `{plan}:{n}` restore ID, else None."""
    match = _PLAN_CHILD.fullmatch(instance_id)
    return (match.group(1), int(match.group(2))) if match else None


def parse_plan_check_id(instance_id: str) -> tuple[str, int] | None:
    """(plan ID, index) of a `{plan}:{n}:check` ID, else None."""
    if not instance_id.endswith(PLAN_CHECK_SUFFIX):
        return None
    return parse_plan_restore_id(instance_id[: -len(PLAN_CHECK_SUFFIX)])
