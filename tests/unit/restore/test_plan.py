"""The restore plan request: structure, rules, merged per-VM requests, scope IDs (restore/plan.py)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from restore.plan import OnFailure, PlanRequest, scope_ids, validate_plan
from restore.plan_entries import explicit_entries, merged_request, request_problems

SUB = "/subscriptions/11111111-1111-1111-1111-111111111111"
VM = SUB + "/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/"
SA = SUB + "/resourceGroups/rg-restore/providers/Microsoft.Storage/storageAccounts/"
RG = SUB + "/resourceGroups/rg-restore"
VAULT = SUB + "/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/vault-weu"
ITEM = VAULT + "/backupFabrics/Azure/protectionContainers/IaasVMContainer;iaasvmcontainerv2;rg-app;vm-b" \
               "/protectedItems/VM;iaasvmcontainerv2;rg-app;vm-b"
VNET = SUB + "/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-dr"


def problems(body: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        validate_plan(body)
    return {".".join(str(p) for p in e["loc"]): e["msg"] for e in caught.value.errors()}


def test_a_flat_plan_is_one_group_with_the_documented_defaults() -> None:
    plan = validate_plan({"vmIds": [VM + "a", VM + "b"], "storageAccountId": SA + "stagingweu"})
    assert plan.max_parallel == 20 and plan.on_failure is OnFailure.STOP_AFTER_GROUP and plan.dry_run is False
    assert [g.name for g in plan.all_groups()] == ["default"]
    assert [(e.index, e.loc) for e in explicit_entries(plan)] == [(0, ("vmIds", 0)), (1, ("vmIds", 1))]


def test_unknown_fields_are_refused_at_every_level() -> None:
    found = problems({"groups": [{"name": "db", "vms": [{"vmId": VM + "a", "colour": "red"}], "size": 1}],
                      "storageAccountId": SA + "stagingweu", "speed": "fast"})
    assert set(found) == {"groups.0.vms.0.colour", "groups.0.size", "speed"}


def test_a_bad_value_is_named_where_it_was_set() -> None:
    found = problems({"groups": [{"name": "db", "vms": [VM + "a"]},
                                 {"name": "app", "vms": [{"vmId": VM + "b", "storageAccountId": "nope"}]}],
                      "storageAccountId": SA + "stagingweu", "onFailure": "sometimes", "maxParallel": 0})
    assert set(found) == {"groups.1.vms.0.storageAccountId", "onFailure", "maxParallel"}


def test_cross_field_rules_of_a_restore_apply_to_each_merged_request() -> None:
    found = problems({"groups": [{"name": "db", "vms": [VM + "a"], "mode": "replaceDisks", "crossRegion": True,
                                  "storageAccountId": SA + "stagingweu"}]})
    assert found == {"groups.0.crossRegion": "replaceDisks is not supported for cross-region restore"}


def test_a_missing_field_is_asked_for_where_the_mode_was_chosen() -> None:
    found = problems({"vmIds": [VM + "a", VM + "b"], "mode": "newVm", "targetResourceGroupId": RG,
                      "targetVmName": "{name}-dr", "storageAccountId": SA + "stagingweu"})
    assert found == {"targetVnetId": "required when mode is newVm", "targetSubnetId": "required when mode is newVm"}


def test_a_vm_twice_in_a_plan_is_refused_naming_both_places() -> None:
    found = problems({"groups": [{"name": "db", "vms": [VM + "a"]}, {"name": "app", "vms": [VM + "A"]}],
                      "storageAccountId": SA + "stagingweu"})
    assert found == {"groups.1.vms.0": "this VM is already in the plan at groups[0].vms[0]"}


def test_group_names_are_unique_and_a_group_has_vms_or_a_selector() -> None:
    found = problems({"groups": [{"name": "db", "vms": [VM + "a"]}, {"name": "db"},
                                 {"name": "web", "vms": [VM + "c"], "selector": {"vaultId": VAULT}}],
                      "storageAccountId": SA + "stagingweu"})
    assert found == {"groups.1.name": "'db' is the name of groups[0]", "groups.1.vms": "give vms or selector",
                     "groups.2.vms": "give vms or selector"}


def test_a_plan_names_its_vms_once() -> None:
    staging = SA + "stagingweu"
    assert problems({"storageAccountId": staging}) == {
        "vmIds": "give vmIds, protectedItemIds, vaultId, resourceGroupIds or groups"}
    assert problems({"vmIds": [VM + "a"], "groups": [{"name": "g", "vms": [VM + "b"]}],
                     "storageAccountId": staging}) == {"vmIds": "give groups, or VMs at the top level, not both"}
    assert problems({"vmIds": [VM + "a"], "vaultId": VAULT, "storageAccountId": SA + "stagingweu"}) == {
        "vaultId": "give vaultId or a list of VMs, not both"}


def test_at_most_a_thousand_vms() -> None:
    found = problems({"groups": [{"name": f"g{g}", "vms": [VM + f"vm{g}-{n}" for n in range(501)]} for g in (1, 2)],
                      "storageAccountId": SA + "stagingweu"})
    assert found == {"groups": "at most 1000 VMs in a plan"}
    assert "vmIds" in problems({"vmIds": [VM + f"vm{n}" for n in range(1001)], "storageAccountId": SA + "stagingweu"})


def test_the_nearest_level_wins_and_the_name_pattern_uses_the_source_vm() -> None:
    plan = validate_plan({
        "mode": "newVm", "targetResourceGroupId": RG, "targetVnetId": VNET, "targetSubnetId": VNET + "/subnets/a",
        "targetVmName": "{name}-dr", "storageAccountIds": {"West Europe": SA + "stagingweu"},
        "groups": [{"name": "db", "recoveryPointPolicy": "latestAppConsistent",
                    "vms": [{"protectedItemId": ITEM, "targetVmName": "{name}-db"}, VM + "a"]}]})
    first, second = explicit_entries(plan)
    body, origin = merged_request(plan, first, "westeurope")
    assert body["protectedItemId"] == ITEM and body["targetVmName"] == "vm-b-db"
    assert body["storageAccountId"] == SA + "stagingweu" and body["recoveryPointPolicy"] == "latestAppConsistent"
    assert origin["targetVmName"] == ("groups", 0, "vms", 0) and origin["recoveryPointPolicy"] == ("groups", 0)
    body, _ = merged_request(plan, second, "westeurope")
    assert body["vmId"] == VM + "a" and body["targetVmName"] == "a-dr"


def test_a_region_without_a_staging_account_is_a_problem_of_storage_account_ids() -> None:
    plan = validate_plan({"vmIds": [VM + "a"], "storageAccountIds": {"westeurope": SA + "stagingweu"}})
    entry = explicit_entries(plan)[0]
    assert request_problems(plan, entry, "westeurope") == []
    found = request_problems(plan, entry, "northeurope")
    assert (("storageAccountIds",), "no staging account for northeurope") in found


def test_a_name_pattern_that_makes_a_bad_vm_name_is_refused() -> None:
    name = "x" * 70 + "{name}"
    found = problems({"vmIds": [VM + "a"], "mode": "newVm", "targetResourceGroupId": RG, "targetVnetId": VNET,
                      "targetSubnetId": VNET + "/subnets/a", "targetVmName": name})
    assert "targetVmName" in found


def test_scope_ids_name_every_source_and_target_by_its_path() -> None:
    plan = validate_plan({"groups": [{"name": "db", "vms": [{"vmId": VM + "a", "targetResourceGroupId": RG}]},
                                     {"name": "all", "selector": {"vaultId": VAULT}}],
                          "storageAccountIds": {"westeurope": SA + "stagingweu"}})
    assert scope_ids(plan) == {"storageAccountIds.westeurope": SA + "stagingweu", "groups[0].vms[0]": VM + "a",
                               "groups[0].vms[0].targetResourceGroupId": RG,
                               "groups[1].selector.vaultId": VAULT}


def test_the_wire_form_validates_back_to_the_same_plan() -> None:
    plan = validate_plan({"groups": [{"name": "db", "vms": [VM + "a", {"vmId": VM + "b", "diskLuns": [0]}]}],
                          "storageAccountId": SA + "stagingweu", "dryRun": True})
    again = PlanRequest.model_validate(plan.to_wire())
    assert again.to_wire() == plan.to_wire() and explicit_entries(again) == explicit_entries(plan)
