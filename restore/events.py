"""The custom events the app sends to Application Insights (table `customEvents`), and the one way to emit them.

Once `triggers/telemetry.configure()` has set up the Azure Monitor OpenTelemetry distro, a log record whose attributes
carry `microsoft.custom_event.name` is exported as a custom event of that name, its other attributes becoming the
event's `customDimensions`, each as a string (azure-monitor-opentelemetry-exporter, `export/logs/_exporter.py`:
`_MICROSOFT_CUSTOM_EVENT_NAME`, and `_utils.py`: `_filter_custom_properties`). Without it the same record is an
ordinary JSON log line. docs/observability.md lists every event and dimension; the workbook
(`infra/workbook/restores.workbook.json`) reads them, and `tests/infra/test_workbook.py` holds the two together.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, field_serializer
from pydantic.alias_generators import to_camel

CUSTOM_EVENT_ATTRIBUTE = "microsoft.custom_event.name"


class CustomEvent(BaseModel):
    """One custom event: `NAME` plus its dimensions (the fields, camelCase)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)
    NAME: ClassVar[str]

    def dimensions(self) -> dict[str, Any]:
        """The event's customDimensions; a field without a value is left out."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class RestoreFinished(CustomEvent):
    """A `restore_vm` run ended, however it ended."""

    NAME: ClassVar[str] = "restore.finished"
    restore_id: str
    outcome: str  # succeeded | failed | cancelled
    phase: str  # where it ended (docs/architecture.md)
    source: str  # http | eventgrid | incident
    mode: str  # restoreDisks | replaceDisks | newVm
    cross_region: bool
    region: str  # where the restore ran: the vault's secondary region for cross-region restores, else its own
    duration_seconds: float  # from the orchestration's start to its end
    error_code: str | None = None  # failed, cancelled
    job_id: str | None = None
    recovery_point_age_hours: float | None = None  # age of the point at the start: the recovery point achieved

    @field_serializer("cross_region")
    def _lower_case_bool(self, value: bool) -> str:
        # Dimensions are strings; written as KQL's tobool() and humans read them, not Python's "True".
        return "true" if value else "false"


class PlanFinished(CustomEvent):
    """A `restore_plan` ended, however it ended (once per plan, not per continue-as-new execution)."""

    NAME: ClassVar[str] = "plan.finished"
    plan_id: str
    outcome: str  # succeeded | failed | cancelled
    dry_run: bool
    on_failure: str  # continue | stopAfterGroup | stop
    groups: int  # how many groups the plan has
    vms: int  # how many VMs the plan found
    vms_succeeded: int
    vms_failed: int
    vms_cancelled: int
    vms_skipped: int  # never started: the failure policy, a cancel or an invalid plan stopped it first
    vms_validated: int  # dry run: would be restored as shown
    duration_seconds: float  # from the plan's start to its end: the plan's total recovery time
    error_code: str | None = None  # the plan's own error (PlanInvalid, ...); a VM's error is in its restore.finished

    @field_serializer("dry_run")
    def _lower_case_bool(self, value: bool) -> str:
        return "true" if value else "false"


class DrillFinished(CustomEvent):
    """A `restore_drill` run ended (after its cleanup)."""

    NAME: ClassVar[str] = "drill.finished"
    run_id: str
    drill: str
    outcome: str  # passed | failed
    started_by: str  # schedule | manual
    vms: int
    vms_failed: int  # VMs whose restore or validation failed
    cleanup: str  # passed (everything deleted) | failed (something refused or not deleted)
    duration_seconds: float  # from the run's start to the end of its cleanup
    max_restore_seconds: float | None = None  # the slowest VM's restore: the recovery time achieved
    max_point_age_hours: float | None = None  # the oldest point used: the recovery point achieved


class DrillVmFinished(CustomEvent):
    """One VM of a drill run was restored and validated (emitted before the cleanup)."""

    NAME: ClassVar[str] = "drill.vm.finished"
    run_id: str
    drill: str
    vm_id: str
    validation: str  # passed | failed
    reason: str | None = None  # the first reason of a failed validation
    restore_seconds: float | None = None
    point_age_hours: float | None = None


EVENTS: tuple[type[CustomEvent], ...] = (RestoreFinished, PlanFinished, DrillFinished, DrillVmFinished)


def emit(logger: logging.Logger, event: CustomEvent) -> None:
    """Log `event` so that Application Insights records it as a custom event."""
    logger.info(event.NAME, extra={CUSTOM_EVENT_ATTRIBUTE: event.NAME, **event.dimensions()})
