"""Restore permissions on the target resource groups come from Microsoft's documented action list, not from
Virtual Machine Contributor; vaults keep Backup Operator."""

from __future__ import annotations

from tests.infra.bicep_ast import INFRA, BicepFile, body, parse, properties, string_value

# MicrosoftDocs/azure-docs articles/backup/backup-rbac-rs-vault.md, "Minimum role requirements for Azure VM
# backup", the "Alternative" column (custom role instead of a built-in role) of the restore rows:
# - Restore VM, "Resource group in which VM will be deployed": resourceGroups/write, virtualMachines/write,
#   virtualMachines/read, virtualNetworks/read, virtualNetworks/subnets/read, virtualNetworks/subnets/join/action
#   (Microsoft.DomainRegistration/domains/write is "required only for classic VM restore and not required for
#   managed VMs", and this app restores Azure Resource Manager VMs only);
# - Restore VM / restore disks, "Source VM that got backed up": virtualMachines/write, virtualMachines/read;
# - Restore managed disks, "Resource group to which managed disk(s) will be restored": resourceGroups/write.
DOCUMENTED_RESTORE_ACTIONS = {
    "Microsoft.Resources/subscriptions/resourceGroups/write",
    "Microsoft.Compute/virtualMachines/write",
    "Microsoft.Compute/virtualMachines/read",
    "Microsoft.Network/virtualNetworks/read",
    "Microsoft.Network/virtualNetworks/subnets/read",
    "Microsoft.Network/virtualNetworks/subnets/join/action",
}
# Restores with `diskEncryptionSetId` create disks that reference the disk encryption set; ARM checks the caller's
# read access on that linked resource and refuses with LinkedAuthorizationFailed "does not have permission to
# perform action(s) 'Microsoft.Compute/diskEncryptionSets/read' on the linked scope(s)" (quoted in
# kubernetes-sigs/azuredisk-csi-driver#2609, the same ARM check for a disk created with a disk encryption set).
LINKED_ACCESS_ACTIONS = {"Microsoft.Compute/diskEncryptionSets/read"}
# RESTORE_ON_DELETE_TAGS reads the tags of a deleted VM's resource group (ResourceGroups_Get); its action is
# "Microsoft.Resources/subscriptions/resourceGroups/read: Gets or lists resource groups" (MicrosoftDocs/azure-docs
# articles/role-based-access-control/permissions/management-and-governance.md, Microsoft.Resources).
TAG_FILTER_ACTIONS = {"Microsoft.Resources/subscriptions/resourceGroups/read"}
# Built-in role IDs: MicrosoftDocs/azure-docs articles/role-based-access-control/built-in-roles.md
VIRTUAL_MACHINE_CONTRIBUTOR = "9980e02c-c2be-4d73-94e8-173b1dc7cf3c"
BACKUP_OPERATOR = "00c29273-979b-4161-815c-10b084fb9324"
ROLE_MODULE = INFRA / "modules" / "rbac-restore-target-role.bicep"
ASSIGNMENT_MODULE = INFRA / "modules" / "rbac-target-rg.bicep"


def _strings(bicep: BicepFile, node) -> list[str]:
    if node.type == "identifier":
        node = bicep.declaration("variable_declaration", bicep.text(node)).children[-1]
    assert node.type == "array", bicep.text(node)
    return [string_value(bicep, item) or bicep.text(item) for item in node.named_children]


def _role_definition(bicep: BicepFile) -> dict:
    decl = next(d for d in bicep.declarations("resource_declaration")
                if "roleDefinitions@" in bicep.text(d.children[2]))
    return properties(bicep, properties(bicep, body(decl).obj)["properties"])


def test_restore_target_role_grants_exactly_the_documented_actions():
    assert ROLE_MODULE.is_file(), "no custom restore-target role"
    role = parse(ROLE_MODULE)
    (permission,) = _role_definition(role)["permissions"].named_children
    granted = properties(role, permission)
    assert set(_strings(role, granted["actions"])) == DOCUMENTED_RESTORE_ACTIONS | LINKED_ACCESS_ACTIONS | \
        TAG_FILTER_ACTIONS
    assert _strings(role, granted["notActions"]) == []


def test_restore_target_role_is_defined_per_target_subscription_and_assigned_on_target_groups_only():
    role = parse(ROLE_MODULE)
    assert role.target_scope == "subscription"
    assert role.text(_role_definition(role)["assignableScopes"]).split() == ["[", "subscription().id", "]"]
    main = parse(INFRA / "main.bicep")
    definitions = main.text(main.declaration("module_declaration", "restoreTargetRoles"))
    assert "for subscriptionId in targetSubscriptionIds:" in definitions
    assert "union(targetSubscriptionIdList, [])" in main.text(main.declaration("variable_declaration",
                                                                                 "targetSubscriptionIds"))
    assert "in targetResourceGroupIdList:" in main.text(main.declaration("variable_declaration",
                                                                           "targetSubscriptionIdList"))
    assignments = main.text(main.declaration("module_declaration", "targetGroupRoles"))
    assert "in targetResourceGroupIdList:" in assignments and "scope: resourceGroup(" in assignments
    assert parse(ASSIGNMENT_MODULE).target_scope == "resourceGroup"


def test_target_groups_get_the_restore_target_role_not_virtual_machine_contributor():
    text = ASSIGNMENT_MODULE.read_text()
    assert VIRTUAL_MACHINE_CONTRIBUTOR not in text
    assignment = parse(ASSIGNMENT_MODULE)
    decl = assignment.declaration("resource_declaration", "restoreTargetOnGroup")
    props = properties(assignment, properties(assignment, body(decl).obj)["properties"])
    assert assignment.text(props["roleDefinitionId"]) == (
        "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionName)")
    main = parse(INFRA / "main.bicep")
    targets = main.declaration("module_declaration", "targetGroupRoles")
    assert "restoreTargetRoles" in main.text(properties(main, body(targets).obj)["dependsOn"])


def test_vaults_keep_backup_operator():
    assert BACKUP_OPERATOR in (INFRA / "modules" / "rbac-vault.bicep").read_text()
