"""The custom metrics the app sends to Application Insights (table `customMetrics`), through the OpenTelemetry API.

Instruments come from the global OpenTelemetry meter. Until a meter provider is set they are the API's no-op proxies;
once `triggers/telemetry.configure()` has set up the Azure Monitor OpenTelemetry distro, its `MeterProvider`
exports them (Microsoft Learn, Azure Monitor OpenTelemetry, "Add custom metrics":
https://learn.microsoft.com/azure/azure-monitor/app/opentelemetry-add-modify#add-custom-metrics). Each
export interval becomes one `customMetrics` row per metric name and attribute set: `name` is the instrument's name,
the attributes are its `customDimensions`; a histogram's row holds `value` (the sum), `valueCount`, `valueMin` and
`valueMax` of what was recorded in the interval (delta temporality; azure-monitor-opentelemetry-exporter,
`export/metrics/_exporter.py`: `APPLICATION_INSIGHTS_METRIC_TEMPORALITIES`, `_convert_point_to_envelope`).
docs/observability.md lists every metric, unit and attribute.
"""

from __future__ import annotations

from dataclasses import dataclass

from opentelemetry import metrics

from restore.events import DrillFinished, DrillVmFinished

METER_NAME = "vmrestore"


@dataclass(frozen=True)
class Metric:
    """One metric as `customMetrics` shows it: its name, and the attributes that become its `customDimensions`."""

    name: str
    unit: str
    attributes: tuple[str, ...]
    description: str


RESTORE_DURATION = Metric("drill.restore.duration", "s", ("drill", "outcome"),
                          "A drill VM's restore, from its trigger to the job's end: the recovery time achieved")
RECOVERY_POINT_AGE = Metric("drill.recovery_point.age", "h", ("drill", "outcome"),
                            "Age of the point a drill VM was restored from, at the restore's start: the recovery "
                            "point achieved")
RUNS = Metric("drill.runs", "{run}", ("drill", "outcome", "cleanup"), "Drill runs that ended")
METRICS = (RESTORE_DURATION, RECOVERY_POINT_AGE, RUNS)


class DrillMetrics:
    """The drill run's instruments on one meter."""

    def __init__(self, meter: metrics.Meter) -> None:
        self.restore_duration = meter.create_histogram(RESTORE_DURATION.name, RESTORE_DURATION.unit,
                                                       RESTORE_DURATION.description)
        self.recovery_point_age = meter.create_histogram(RECOVERY_POINT_AGE.name, RECOVERY_POINT_AGE.unit,
                                                         RECOVERY_POINT_AGE.description)
        self.runs = meter.create_counter(RUNS.name, RUNS.unit, RUNS.description)

    def record(self, finished: DrillFinished, vms: list[DrillVmFinished]) -> None:
        """One ended run: a value per VM for what it achieved (a VM never restored has none), and the run itself."""
        for vm in vms:
            attributes = {"drill": vm.drill, "outcome": vm.validation}
            if vm.restore_seconds is not None:
                self.restore_duration.record(vm.restore_seconds, attributes)
            if vm.point_age_hours is not None:
                self.recovery_point_age.record(vm.point_age_hours, attributes)
        self.runs.add(1, {"drill": finished.drill, "outcome": finished.outcome, "cleanup": finished.cleanup})


DRILLS = DrillMetrics(metrics.get_meter(METER_NAME))
