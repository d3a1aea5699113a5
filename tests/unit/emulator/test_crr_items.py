"""BackupProtectedItemsCrr_List (the secondary region's view of a vault's items) and the items `$filter`."""

from __future__ import annotations

import pytest

from emulator import serialize
from emulator.backend import Backend
from emulator.clock import ManualClock
from emulator.exceptions import BadRequest, EmulatorError
from emulator.filters import ProtectedItemQuery
from tests.unit.emulator.conftest import item_of

VM_FILTER = "backupManagementType eq 'AzureIaasVM' and itemType eq 'VM'"


def test_crr_items_carry_only_the_points_already_in_the_secondary_region(backend: Backend,
                                                                         clock: ManualClock) -> None:
    vault, web = item_of(backend, "vm-web-01")
    views = dict((item.vm_name, points) for item, points in
                 backend.crr.protected_items(vault, ProtectedItemQuery.parse(VM_FILTER)))
    assert set(views) == {"vm-web-01", "vm-sql-01"}
    replicated = [rp for rp in web.sorted_points() if backend.lookups.is_replicated(rp)]
    assert views["vm-web-01"] == replicated and len(replicated) < len(web.points)
    body = serialize.protected_item(web, vault.id, views["vm-web-01"])
    assert body["properties"]["lastRecoveryPoint"] == serialize.recovery_point(web, replicated[0])["properties"][
        "recoveryPointTime"]
    clock.advance(backend.scenario.replication_lag_seconds)
    later = dict((i.vm_name, p) for i, p in backend.crr.protected_items(vault, ProtectedItemQuery()))
    assert len(later["vm-web-01"]) == len([rp for rp in web.points.values() if backend.lookups.is_replicated(rp)])


def test_crr_items_of_a_vault_without_cross_region_restore_are_refused(backend: Backend) -> None:
    vault, _ = item_of(backend, "vm-ops-01")
    with pytest.raises(EmulatorError) as info:
        backend.crr.protected_items(vault, ProtectedItemQuery())
    assert (info.value.status, info.value.code) == (400, "BMSUserErrorCrossRegionRestoreNotEnabled")


@pytest.mark.parametrize(("text", "names"), [
    (VM_FILTER, {"vm-web-01", "vm-sql-01"}),
    ("friendlyName eq 'vm-sql-01'", {"vm-sql-01"}),
    ("policyName eq 'DailyPolicy'", {"vm-web-01"}),
    ("containerName eq 'iaasvmcontainerv2;rg-app;vm-web-01'", {"vm-web-01"}),
    ("backupManagementType eq 'AzureWorkload'", set()),
    ("backupEngineName eq 'dpm-01'", set()),
])
def test_item_filter_keeps_the_items_it_names(backend: Backend, text: str, names: set[str]) -> None:
    vault, _ = item_of(backend, "vm-web-01")
    query = ProtectedItemQuery.parse(text)
    assert {it.vm_name for it in backend.lookups.items_of(vault) if query.matches(it)} == names


def test_item_filter_refuses_a_field_the_query_object_does_not_have() -> None:
    with pytest.raises(BadRequest) as info:
        ProtectedItemQuery.parse("color eq 'red'")
    assert info.value.code == "InvalidFilter"
