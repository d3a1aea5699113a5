"""`list_plan_vms` with a resource group selector, against the emulator: the Compute list of each group, every page,
the tag filter, and the VMs outside RESTORE_ALLOWED_SCOPES."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from activities import plans
from activities.client import backup_client
from restore import settings
from restore.payloads import PlanVmsInput
from tests.activities.conftest import Emulator

SUB = "11111111-1111-1111-1111-111111111111"  # the demo seed's subscription
SHOP = f"/subscriptions/{SUB}/resourceGroups/rg-shop"
EDGE = f"/subscriptions/{SUB}/resourceGroups/rg-edge"


def _vm(group: str, name: str, tags: dict[str, str], protected: bool = True) -> dict[str, Any]:
    vm: dict[str, Any] = {"resourceGroup": group, "name": name, "region": "westeurope", "tags": tags}
    if protected:
        vm["backup"] = {"vault": "vault-weu", "recoveryPoints": [{"ageHours": 6}]}
    return vm


@pytest.fixture(autouse=True)
def _subscription_scope(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESTORE_ALLOWED_SCOPES", f"/subscriptions/{SUB}")
    settings.get_settings.cache_clear()


def _seed(emu: Emulator) -> None:
    emu.post("seed", {"subscriptions": [{"id": SUB, "virtualMachines": [
        _vm("rg-shop", "shop-db-1", {"tier": "db", "App": "shop"}),
        _vm("rg-shop", "shop-db-2", {"Tier": "db", "app": "shop"}),
        _vm("rg-shop", "shop-web-1", {"tier": "web", "app": "shop"}),
        _vm("rg-shop", "shop-db-3", {"tier": "DB"}, protected=False),
        _vm("rg-edge", "edge-db-1", {"tier": "db"})]}]})


def _vm_ids(value: Any) -> list[str]:
    return [str(vm.vm_id).rsplit("/", 1)[-1] for vm in value.vms]


def test_a_group_selector_reads_every_page_of_each_group_and_keeps_the_tagged_vms(emu: Emulator) -> None:
    _seed(emu)
    requests.put(f"{emu.url}/_emulator/scenario", json={"pageSize": 1}, timeout=10).raise_for_status()
    value = plans.list_plan_vms(backup_client(), PlanVmsInput(resource_group_ids=[SHOP, EDGE], tags={"tier": "db"}))
    # Tag names in any case, values exactly: shop-db-3 is tagged `DB`.
    assert _vm_ids(value) == ["edge-db-1", "shop-db-1", "shop-db-2"]
    assert value.outside_scopes == [] and all(vm.protected_item_id is None for vm in value.vms)
    lists = [r for r in emu.requests() if r["method"] == "GET" and
             r["path"].split("?")[0].lower().endswith("/providers/microsoft.compute/virtualmachines")]
    assert len(lists) == 4 + 1  # rg-shop: four VMs, one per page; rg-edge: one
    assert all("api-version=2024-07-01" in r["path"] for r in lists)


def test_without_tags_every_vm_of_the_group_is_listed(emu: Emulator) -> None:
    _seed(emu)
    value = plans.list_plan_vms(backup_client(), PlanVmsInput(resource_group_ids=[SHOP]))
    assert _vm_ids(value) == ["shop-db-1", "shop-db-2", "shop-db-3", "shop-web-1"]


def test_vms_outside_the_allowed_scopes_are_reported(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(emu)
    monkeypatch.setenv("RESTORE_ALLOWED_SCOPES", SHOP)
    settings.get_settings.cache_clear()
    value = plans.list_plan_vms(backup_client(), PlanVmsInput(resource_group_ids=[SHOP, EDGE], tags={"tier": "db"}))
    assert [rid.rsplit("/", 1)[-1] for rid in value.outside_scopes] == ["edge-db-1"]
