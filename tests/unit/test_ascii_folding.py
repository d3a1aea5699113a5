"""ARM compares IDs ASCII case-insensitively only: no comparison of ours may fold other letters (KELVIN SIGN)."""

from __future__ import annotations

from activities.resolve import _find_item
from azbackup.models_crr import ProtectedItem
from triggers.alerts import parse_alert

RG = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg"
VM_K = f"{RG}/providers/Microsoft.Compute/virtualMachines/vm-k"
VM_KELVIN = f"{RG}/providers/Microsoft.Compute/virtualMachines/vm-\u212a"  # str.lower() gives "vm-k"


def _item(vm_id: str, name: str) -> ProtectedItem:
    return ProtectedItem.model_validate({"id": f"{RG}/x/protectedItems/{name}", "name": name,
                                         "properties": {"sourceResourceId": vm_id}})


def test_the_item_of_a_vm_is_found_by_ascii_case_only() -> None:
    kelvin = _item(VM_KELVIN, "VM;iaasvmcontainerv2;rg;vm-\u212a")
    assert _find_item([kelvin], None, VM_K) is None
    assert _find_item([kelvin], None, VM_KELVIN.upper().replace("\u212a".upper(), "\u212a")) is kelvin


def test_alert_targets_that_differ_beyond_ascii_case_are_two_vms() -> None:
    alert = parse_alert({"data": {"essentials": {"alertId": "a1", "alertTargetIDs": [VM_K, VM_KELVIN, VM_K.upper()]}}})
    assert alert.vm_ids == [VM_K, VM_KELVIN]
