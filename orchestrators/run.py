"""The state of one `restore_vm` run: settings, custom status, the cancel event, and how it ends."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import azure.durable_functions as df

from azbackup.errors import ErrorInfo
from orchestrators import waits
from orchestrators.policy import timer_seconds
from orchestrators.waits import Stop
from restore.contract import (
    Activity,
    ApprovalRecord,
    OutcomeStatus,
    Phase,
    RestoreCustomStatus,
    RestoreOrder,
    RestoreOutcome,
    RestoreResult,
)
from restore.payloads import RequestView, RestoreSettings, ValidationIssue
from restore.values import BackupItem, RecoveryPointInfo

log = logging.getLogger(__name__)


class RestoreRun:
    """Everything `restore_vm` knows so far; deterministic (built from the context and activity results only)."""

    def __init__(self, ctx: df.DurableOrchestrationContext, order: RestoreOrder) -> None:
        self.ctx = ctx
        self.order = order
        self.request = RequestView.model_validate(order.request)
        self.started_at: datetime = ctx.current_utc_datetime
        self.settings = RestoreSettings()
        self.cancel = waits.CancelWatch(ctx)
        self.status = RestoreCustomStatus(phase=Phase.RESOLVING, updated_at=self.started_at)
        self.item: BackupItem | None = None
        self.point: RecoveryPointInfo | None = None
        self.job_id: str | None = None
        self.approval: ApprovalRecord | None = None
        self.triggered_at: datetime | None = None  # recorded in history before the first trigger POST

    @property
    def now(self) -> datetime:
        return self.ctx.current_utc_datetime  # type: ignore[no-any-return]

    @property
    def deadline(self) -> datetime:
        return self.started_at + timedelta(hours=self.settings.restore_timeout_hours)

    @property
    def cancel_requested(self) -> bool:
        return self.cancel.arrived

    def note(self, **changes: Any) -> None:
        """Change the status without publishing it (the next `publish` carries it); `next_poll_at` is cleared."""
        self.status = self.status.model_copy(update={"next_poll_at": None, **changes})

    def publish(self, phase: Phase | None = None, **changes: Any) -> None:
        """Set the custom status: phase and `changes` (`RestoreCustomStatus` fields) on top of the last one."""
        self.note(phase=phase or self.status.phase, updated_at=self.now, cancel_requested=self.cancel_requested,
                  **changes)
        self.ctx.set_custom_status(self.status.dump())
        if not self.ctx.is_replaying:
            log.info("restore.phase", extra={"instance_id": self.ctx.instance_id, "phase": self.status.phase.value,
                                             "job_id": self.job_id})

    def call(self, name: Activity, payload: dict[str, Any], stop_on_cancel: bool = True) -> waits.Steps:
        """Call an activity (transient retries inside); return its value, or stop on a terminal error or cancel."""
        result = yield from waits.call(self.ctx, name, payload, self.settings, self.cancel, stop_on_cancel,
                                      on_cancel=self.publish)
        if result.error is not None:
            raise Stop(self.status.phase, error=result.error)
        return result.value or {}

    def sleep(self, seconds: int, stop_on_cancel: bool = True) -> waits.Steps:
        """A durable timer raced against `cancel`; the custom status shows when it fires."""
        seconds = timer_seconds(seconds)
        self.publish(next_poll_at=self.now + timedelta(seconds=seconds))
        yield from waits.sleep(self.ctx, seconds, self.cancel, stop_on_cancel, on_cancel=self.publish)

    def check_deadline(self) -> None:
        if self.now >= self.deadline:
            hours = self.settings.restore_timeout_hours
            raise Stop(self.status.phase, error=ErrorInfo(
                code="RestoreTimedOut", message=f"the restore did not finish within {hours:g} hours"))

    def outcome(self, status: OutcomeStatus, phase: Phase, error: ErrorInfo | None = None,
                result: RestoreResult | None = None, validation: Sequence[ValidationIssue] = ()) -> RestoreOutcome:
        return RestoreOutcome(status=status, phase=phase, request=self.order.request,
                              recovery_point=self.point, job_id=self.job_id, result=result, error=error,
                              validation=list(validation), cancel_requested=self.cancel_requested,
                              approval=self.approval, dry_run=self.order.dry_run,
                              started_at=self.started_at, ended_at=self.now)

    def stopped(self, stop: Stop) -> RestoreOutcome:
        """The outcome of a run that `Stop` ended (in the phase it names, else the current one)."""
        phase = stop.phase or self.status.phase
        # A cancel's `error`, when set, says what the cancel could not do, or why it was not an operator's cancel
        # (rejected, approval expired).
        if stop.cancelled:
            return self.outcome(OutcomeStatus.CANCELLED, phase, error=stop.error)
        return self.outcome(OutcomeStatus.FAILED, phase, error=stop.error, validation=stop.validation)
