"""The state of one `restore_drill` run: its report, kept in the custom status at every step (deterministic)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import azure.durable_functions as df

from azbackup.errors import ErrorInfo
from orchestrators import waits
from restore.contract import Activity, OutcomeStatus, RestoreOutcome, parse_failure_output
from restore.drill_report import Check, DrillOrder, DrillReport, RunPhase, Verdict, running_view
from restore.drills import Drill
from restore.events import DrillFinished, DrillVmFinished
from restore.payloads import RestoreSettings
from restore.values import ActivityResult


class DrillRun:
    """Everything the run knows so far; built from the context and activity results only."""

    def __init__(self, ctx: df.DurableOrchestrationContext, order: DrillOrder) -> None:
        self.ctx = ctx
        self.order = order
        self.drill: Drill = order.definition()
        self.settings = RestoreSettings()
        self.report = DrillReport(run_id=ctx.instance_id, drill=self.drill.name, started_by=order.started_by,
                                  scheduled_for=order.scheduled_for, started_at=ctx.current_utc_datetime)

    @property
    def now(self) -> datetime:
        return self.ctx.current_utc_datetime  # type: ignore[no-any-return]

    def call(self, name: Activity, payload: dict[str, Any]) -> waits.Steps:
        result: ActivityResult = yield from waits.call(self.ctx, name, payload, self.settings)
        return result

    def publish(self, phase: RunPhase | None = None, **changes: Any) -> None:
        self.report = self.report.model_copy(update={**changes, **({"phase": phase} if phase else {})})
        self.ctx.set_custom_status(running_view(self.report))

    def set_vm(self, index: int, **changes: Any) -> None:
        vms = list(self.report.vms)
        vms[index] = vms[index].model_copy(update=changes)
        self.report = self.report.model_copy(update={"vms": vms})

    def restored(self, index: int, task: Any) -> RestoreOutcome | None:
        """Record a finished `restore_vm` (its output, or the outcome inside its failure); None if unreadable."""
        raw = task.result if not isinstance(task.result, Exception) else parse_failure_output(str(task.result))
        vm = self.report.vms[index]
        try:
            outcome = RestoreOutcome.model_validate(raw)
        except ValueError:
            self.fail_vm(index, ErrorInfo(code="RestoreFailed", message=str(task.result)[:500]))
            return None
        point = outcome.recovery_point or vm.recovery_point
        age = (outcome.started_at - point.time).total_seconds() / 3600 if point else None
        created = []
        if outcome.result is not None:
            created = [*outcome.result.disks, *([outcome.result.vm_id] if outcome.result.vm_id else [])]
        self.set_vm(index, restore_status=outcome.status.value, job_id=outcome.job_id, recovery_point=point,
                    point_age_hours=round(age, 3) if age is not None else None, created=created,
                    restore_seconds=round((outcome.ended_at - outcome.started_at).total_seconds(), 3),
                    error=outcome.error)
        if outcome.status is not OutcomeStatus.SUCCEEDED:
            reason = f"the restore {outcome.status.value}" + (f": {outcome.error.code}: {outcome.error.message}"
                                                               if outcome.error else "")
            self.set_vm(index, validation=Check(status=Verdict.FAILED, reasons=[reason]))
        return outcome

    def fail_vm(self, index: int, error: ErrorInfo) -> None:
        self.set_vm(index, error=error, validation=Check(status=Verdict.FAILED,
                                                         reasons=[f"{error.code}: {error.message}"]))

    def finish(self) -> None:
        vms = self.report.vms
        custom = self.report.custom_validation
        cleanup = self.report.cleanup
        passed = bool(vms) and all(vm.validation.status is Verdict.PASSED for vm in vms) \
            and (custom is None or custom.status is Verdict.PASSED) and cleanup.status is Verdict.PASSED \
            and self.report.error is None
        self.publish(RunPhase.DONE, status="passed" if passed else "failed", ended_at=self.now)

    def vm_events(self) -> list[DrillVmFinished]:
        return [DrillVmFinished(run_id=self.report.run_id, drill=self.drill.name, vm_id=vm.vm_id,
                                validation=vm.validation.status.value,
                                reason=vm.validation.reasons[0] if vm.validation.reasons else None,
                                restore_seconds=vm.restore_seconds, point_age_hours=vm.point_age_hours)
                for vm in self.report.vms]

    def finished_event(self) -> DrillFinished:
        r = self.report
        seconds = [vm.restore_seconds for vm in r.vms if vm.restore_seconds is not None]
        ages = [vm.point_age_hours for vm in r.vms if vm.point_age_hours is not None]
        return DrillFinished(run_id=r.run_id, drill=r.drill, outcome=r.status, started_by=r.started_by,
                             vms=len(r.vms), vms_failed=sum(vm.validation.status is not Verdict.PASSED for vm in r.vms),
                             cleanup=r.cleanup.status.value,
                             duration_seconds=round(((r.ended_at or self.now) - r.started_at).total_seconds(), 3),
                             max_restore_seconds=max(seconds) if seconds else None,
                             max_point_age_hours=max(ages) if ages else None)
