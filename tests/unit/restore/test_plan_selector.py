"""Plan selectors (restore/plan_selector.py): a vault, or resource groups with an optional tag filter."""

from __future__ import annotations

from restore.plan import scope_ids, validate_plan
from restore.plan_selector import matches_tags
from tests.unit.restore.test_plan import SA, SUB, VAULT, VM, problems

SHOP = SUB + "/resourceGroups/rg-shop"
EDGE = SUB + "/resourceGroups/rg-edge"
STAGING = {"storageAccountId": SA + "stagingweu"}


def test_a_flat_plan_can_select_resource_groups_with_tags() -> None:
    plan = validate_plan({"resourceGroupIds": [SHOP, EDGE], "tags": {"tier": "db"}, **STAGING})
    [group] = plan.all_groups()
    assert group.selector is not None and group.vms is None
    assert group.selector.resource_group_ids == [SHOP, EDGE] and group.selector.tags == {"tier": "db"}
    assert scope_ids(plan) == {"storageAccountId": SA + "stagingweu", "resourceGroupIds[0]": SHOP,
                               "resourceGroupIds[1]": EDGE}


def test_a_group_selector_names_its_resource_groups_for_the_scope_check() -> None:
    plan = validate_plan({"groups": [{"name": "db", "selector": {"resourceGroupIds": [SHOP], "tags": {"t": "db"}}},
                                     {"name": "web", "selector": {"vaultId": VAULT}}], **STAGING})
    ids = scope_ids(plan)
    assert ids["groups[0].selector.resourceGroupIds[0]"] == SHOP and ids["groups[1].selector.vaultId"] == VAULT


def test_a_selector_has_one_source_and_tags_only_filter_resource_groups() -> None:
    assert problems({"groups": [{"name": "a", "selector": {}}], **STAGING}) == {
        "groups.0.selector": "give vaultId or resourceGroupIds"}
    assert problems({"groups": [{"name": "a", "selector": {"vaultId": VAULT, "resourceGroupIds": [SHOP]}}],
                     **STAGING}) == {"groups.0.selector": "give vaultId or resourceGroupIds"}
    assert "groups.0.selector" in problems({"groups": [{"name": "a", "selector": {"vaultId": VAULT,
                                                                                  "tags": {"t": "x"}}}], **STAGING})
    assert set(problems({"tags": {"t": "x"}, "vaultId": VAULT, **STAGING})) == {"tags"}
    assert set(problems({"resourceGroupIds": [SHOP], "vmIds": [VM + "a"], **STAGING})) == {"resourceGroupIds"}


def test_bad_resource_group_ids_and_tags_are_named() -> None:
    found = problems({"resourceGroupIds": [SHOP + "/providers/Microsoft.Compute/virtualMachines/x"],
                      "tags": {"": "x"}, **STAGING})
    assert "resourceGroupIds.0" in found and any(k.startswith("tags") for k in found)
    assert "resourceGroupIds" in problems({"resourceGroupIds": [], **STAGING})


def test_tag_names_match_in_any_case_and_values_exactly() -> None:
    assert matches_tags({"Tier": "db", "app": "shop"}, {"tier": "db"})
    assert not matches_tags({"tier": "DB"}, {"tier": "db"})
    assert not matches_tags({"tier": "db"}, {"tier": "db", "app": "shop"})
    assert matches_tags(None, None) and not matches_tags(None, {"tier": "db"})
