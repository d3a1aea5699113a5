"""Azure Monitor common alert schema and generic incident bodies."""

from __future__ import annotations

import json
from pathlib import Path
from string import Template
from typing import Any

import pytest

from triggers.alerts import AlertError, alert_request, incident_request, is_common_alert, parse_alert

RG = "/subscriptions/11111111-1111-1111-1111-111111111111/resourcegroups/rg-prod"
VM = f"{RG}/providers/microsoft.compute/virtualmachines/vm-web-01"
VM2 = VM.replace("vm-web-01", "vm-web-02")
SA = f"{RG}/providers/microsoft.storage/storageaccounts/sa"


def alert(targets: list[str], condition: str = "Fired") -> dict[str, Any]:
    return {"schemaId": "azureMonitorCommonAlertSchema", "data": {"essentials": {
        "alertId": "/subscriptions/1/providers/Microsoft.AlertsManagement/alerts/abc", "alertRule": "vm-down",
        "monitorCondition": condition, "alertTargetIDs": targets}, "alertContext": {}}}


def test_the_example_alert_is_a_common_alert_schema_payload() -> None:
    text = (Path(__file__).parents[3] / "examples" / "azure-monitor-alert.json").read_text()
    example = json.loads(Template(text).substitute(SUBSCRIPTION="11111111-1111-1111-1111-111111111111", VM_ID=VM))
    assert is_common_alert(example)
    assert parse_alert(example).vm_ids


def test_one_vm_per_target_and_other_resource_types_are_skipped() -> None:
    parsed = parse_alert(alert([VM, VM2, SA, VM.upper()]))
    assert parsed.vm_ids == [VM, VM2]
    assert [s.target for s in parsed.skipped] == [SA]
    assert parsed.fired and parsed.rule == "vm-down"


def test_a_resolved_alert_is_not_fired() -> None:
    assert parse_alert(alert([VM], "Resolved")).fired is False


@pytest.mark.parametrize("body, field", [
    ({"schemaId": "azureMonitorCommonAlertSchema"}, "data.essentials"),
    ({"data": {"essentials": {"alertTargetIDs": [VM]}}}, "data.essentials.alertId"),
    ({"data": {"essentials": {"alertId": "a", "alertTargetIDs": "x"}}}, "data.essentials.alertTargetIDs"),
])
def test_malformed_alerts_name_the_bad_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(AlertError) as info:
        parse_alert(body)
    assert info.value.field == field


def test_alert_request_layers_defaults_then_the_target_and_adds_a_reason() -> None:
    parsed = parse_alert(alert([VM]))
    data = alert_request({"mode": "restoreDisks", "storageAccountId": "a", "vmId": "ignored"}, VM, parsed)
    assert data["mode"] == "restoreDisks" and data["storageAccountId"] == "a" and data["vmId"] == VM
    assert "vm-down" in data["reason"]


def test_generic_incident_needs_an_incident_id() -> None:
    assert incident_request({"incidentId": "INC-7", "vmId": VM}) == ("INC-7", {"vmId": VM})
    with pytest.raises(AlertError):
        incident_request({"vmId": VM})
