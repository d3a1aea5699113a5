"""The one start path: deterministic instance IDs, existing-instance check, then `start_new("restore_vm", ...)`.

Durable Functions *replaces* a Completed/Failed/Terminated instance when `start_new` reuses its ID and refuses a
running one with a plain `Exception` (DURABLE-NOTES §6), so a repeat is answered from `get_status` first and a
start that loses a race with its twin is answered from the instance the twin started.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from restore.approval import with_policy
from restore.contract import Orchestrator, RestoreOrder
from restore.instance_ids import Source, new_instance_id
from restore.request import RestoreRequest
from restore.settings import get_settings
from triggers.telemetry import get_logger
from triggers.views import read_order

log = get_logger(__name__)

MAX_KEY_LENGTH = 256


class IdempotencyConflictError(Exception):
    """The idempotency key already names a restore of a different request."""

    def __init__(self, instance_id: str) -> None:
        self.instance_id = instance_id
        super().__init__(f"idempotency key already used for restore {instance_id} with a different request")


@dataclass(frozen=True)
class StartResult:
    """The instance that serves the request; `created` is False when an existing one was returned."""

    instance_id: str
    created: bool
    status: Any = None  # DurableOrchestrationStatus of the existing instance


def build_order(request: RestoreRequest, source: Source, requested_at: datetime,
                idempotency_key: str | None) -> dict[str, Any]:
    """The `RestoreOrder` input of `restore_vm` (docs/architecture.md)."""
    return RestoreOrder(request=request.to_wire(), requested_at=requested_at, source=source,
                        idempotency_key=idempotency_key).dump()


def stored_request(status: Any) -> RestoreRequest | None:
    """The request an existing instance was started with, if it can be read."""
    order = read_order(status)
    if order is None:
        return None
    try:
        return RestoreRequest.model_validate(order.request)
    except ValidationError:
        return None


async def existing_instance(client: Any, instance_id: str) -> Any:
    """The instance's status (with input), or None when there is none."""
    status = await client.get_status(instance_id, show_input=True)
    return status if status and getattr(status, "runtime_status", None) is not None else None


def _reuse(status: Any, request: RestoreRequest, instance_id: str) -> StartResult:
    if stored_request(status) != request:
        raise IdempotencyConflictError(instance_id)
    log.info("restore.start.reused", extra={"restore_id": instance_id})
    return StartResult(instance_id=instance_id, created=False, status=status)


async def start_restore(client: Any, request: RestoreRequest, *, source: Source, instance_id: str | None,
                        idempotency_key: str | None, now: datetime) -> StartResult:
    """Start `restore_vm`, or return the instance this key/event/incident already started.

    A restore the `APPROVAL_REQUIRED` policy covers waits for approval (`restore.approval.with_policy`).

    Raises: IdempotencyConflictError when the key names a restore of a different request.
    """
    request = with_policy(request, source, get_settings())
    target = instance_id or new_instance_id()
    if instance_id is not None:
        existing = await existing_instance(client, target)
        if existing is not None:
            return _reuse(existing, request, target)
    order = build_order(request, source, now, idempotency_key)
    try:
        await client.start_new(Orchestrator.RESTORE_VM, target, order)
    except Exception:  # the DF client raises a bare Exception when a twin request started the instance first
        existing = await existing_instance(client, target) if instance_id is not None else None
        if existing is None:
            log.exception("restore.start.failed", extra={"restore_id": target})
            raise
        return _reuse(existing, request, target)
    log.info("restore.started", extra={"restore_id": target, "source": source.value})
    return StartResult(instance_id=target, created=True)
