"""Restore drills may delete only inside their target groups: the drill cleanup role (the only role with delete
actions) is assigned on `drillTargetResourceGroupIds` and nowhere else; the source reader only reads disks."""

from __future__ import annotations

from tests.infra.bicep_ast import INFRA, body, parse, properties, string_value

ROLE_MODULE = INFRA / "modules" / "rbac-drill-role.bicep"
ASSIGNMENT_MODULE = INFRA / "modules" / "rbac-drill-rg.bicep"
# MicrosoftDocs/azure-docs role-based-access-control/permissions/compute.md, networking.md, storage.md.
CLEANUP_ACTIONS = {
    "Microsoft.Compute/virtualMachines/read", "Microsoft.Compute/virtualMachines/instanceView/read",
    "Microsoft.Compute/virtualMachines/delete", "Microsoft.Compute/disks/read", "Microsoft.Compute/disks/delete",
    "Microsoft.Network/networkInterfaces/read", "Microsoft.Network/networkInterfaces/delete",
    "Microsoft.Storage/storageAccounts/blobServices/containers/read",
    "Microsoft.Storage/storageAccounts/blobServices/containers/delete",
}


def _array(name: str) -> set[str]:
    role = parse(ROLE_MODULE)
    node = role.declaration("variable_declaration", name).children[-1]
    return {string_value(role, item) or role.text(item) for item in node.named_children}


def test_the_cleanup_role_reads_and_deletes_only_what_a_drill_restores_and_the_reader_only_reads_disks():
    assert _array("cleanupActions") == CLEANUP_ACTIONS
    assert _array("readerActions") == {"Microsoft.Compute/disks/read"}
    assert parse(ROLE_MODULE).target_scope == "subscription"


def test_delete_actions_exist_only_in_the_drill_cleanup_role():
    holders = [p.name for p in (INFRA / "modules").glob("*.bicep") if "/delete'" in p.read_text()]
    assert holders == ["rbac-drill-role.bicep"]


def test_the_cleanup_role_is_assigned_on_the_drill_groups_only():
    main = parse(INFRA / "main.bicep")
    cleanup = main.text(main.declaration("module_declaration", "drillGroupRoles"))
    assert "in drillResourceGroupIdList:" in cleanup and "scope: resourceGroup(" in cleanup
    assert "guid('vm-restore-drill-cleanup'" in cleanup
    others = [main.text(d) for d in main.declarations("module_declaration")
              if main.text(d.children[1]) != "drillGroupRoles"]
    assert not [text for text in others if "vm-restore-drill-cleanup" in text and "rbac-drill-rg.bicep" in text]
    source = main.text(main.declaration("module_declaration", "drillSourceRoles"))
    assert "guid('vm-restore-drill-reader'" in source
    assignment = parse(ASSIGNMENT_MODULE)
    assert assignment.target_scope == "resourceGroup"
    decl = assignment.declaration("resource_declaration", "drillRoleOnGroup")
    props = properties(assignment, properties(assignment, body(decl).obj)["properties"])
    assert assignment.text(props["roleDefinitionId"]) == (
        "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionName)")
