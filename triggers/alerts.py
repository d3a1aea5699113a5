"""Incident webhook bodies: the Azure Monitor common alert schema and the generic `{incidentId, vmId, ...}` body.

Common alert schema: https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-common-schema — the alert ID is
`data.essentials.alertId`, the affected resources `data.essentials.alertTargetIDs` (ARM lowercases them), and
`monitorCondition` is `Fired` or `Resolved`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from azbackup.ids import fold

COMMON_ALERT_SCHEMA = "azureMonitorCommonAlertSchema"
_VM_TARGET = re.compile(r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Compute/virtualMachines/"
                        r"[^/]+$", re.IGNORECASE)
MAX_ID_LENGTH = 512


class AlertError(ValueError):
    """The body is not a usable alert or incident; `field` names where."""

    def __init__(self, field_name: str, reason: str) -> None:
        self.field = field_name
        self.reason = reason
        super().__init__(f"{field_name}: {reason}")


@dataclass(frozen=True)
class Skipped:
    target: str
    reason: str


@dataclass(frozen=True)
class AlertTargets:
    """What an alert asks for: its ID, rule, whether it fired, the VMs to restore and the targets skipped."""

    alert_id: str
    rule: str | None
    fired: bool
    vm_ids: list[str]
    skipped: list[Skipped] = field(default_factory=list)


def is_common_alert(body: Any) -> bool:
    """True for an Azure Monitor common alert schema payload."""
    return isinstance(body, dict) and body.get("schemaId") == COMMON_ALERT_SCHEMA


def _essentials(body: dict[str, Any]) -> dict[str, Any]:
    data = body.get("data")
    essentials = data.get("essentials") if isinstance(data, dict) else None
    if not isinstance(essentials, dict):
        raise AlertError("data.essentials", "missing")
    return essentials


def parse_alert(body: dict[str, Any]) -> AlertTargets:
    """The alert's ID, condition and VM targets (one restore per VM; other resource types are skipped).

    Raises: AlertError.
    """
    essentials = _essentials(body)
    alert_id = essentials.get("alertId")
    if not isinstance(alert_id, str) or not alert_id or len(alert_id) > MAX_ID_LENGTH:
        raise AlertError("data.essentials.alertId", "missing or not a string")
    targets = essentials.get("alertTargetIDs")
    if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
        raise AlertError("data.essentials.alertTargetIDs", "must be a list of resource IDs")
    vm_ids: list[str] = []
    skipped: list[Skipped] = []
    for target in targets:
        if _VM_TARGET.match(target.strip()):
            if fold(target.strip()) not in {fold(v) for v in vm_ids}:
                vm_ids.append(target.strip())
        else:
            skipped.append(Skipped(target, "not a virtual machine"))
    fired = str(essentials.get("monitorCondition") or "Fired").lower() == "fired"
    rule = essentials.get("alertRule") if isinstance(essentials.get("alertRule"), str) else None
    return AlertTargets(alert_id=alert_id, rule=rule, fired=fired, vm_ids=vm_ids, skipped=skipped)


def alert_request(defaults: dict[str, Any], vm_id: str, alert: AlertTargets) -> dict[str, Any]:
    """The raw restore request for one VM target: INCIDENT_DEFAULT_REQUEST < the target itself."""
    data: dict[str, Any] = {**defaults, "vmId": vm_id}
    data.pop("protectedItemId", None)
    if "reason" not in data:
        data["reason"] = f"Azure Monitor alert {alert.rule or ''} {alert.alert_id}".replace("  ", " ")[:1000]
    return data


def incident_request(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The incident ID and the restore request of a generic `{incidentId, vmId, ...restore fields}` body.

    Raises: AlertError.
    """
    data = dict(body)
    incident_id = data.pop("incidentId", None)
    if not isinstance(incident_id, str) or not incident_id.strip() or len(incident_id) > MAX_ID_LENGTH:
        raise AlertError("incidentId", f"required, a string of 1-{MAX_ID_LENGTH} characters")
    return incident_id, data
