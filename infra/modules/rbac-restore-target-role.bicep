// The custom "restore target" role: what Azure Backup requires of the caller on the resource groups that hold the
// source VMs and receive the restored disks or VMs, and nothing more. One definition per subscription of
// RESTORE_TARGET_RESOURCE_GROUP_IDS. Its assignable scope is that subscription (a definition grants nothing by
// itself); the only assignments are on the target resource groups (rbac-target-rg.bicep).
//
// Actions: MicrosoftDocs/azure-docs articles/backup/backup-rbac-rs-vault.md, "Minimum role requirements for Azure
// VM backup", the custom-role alternative of each restore row:
// - Restore VM, "Resource group in which VM will be deployed": resourceGroups/write, virtualMachines/write and
//   read, virtualNetworks/read, virtualNetworks/subnets/read and subnets/join/action (DomainRegistration/domains/
//   write is "required only for classic VM restore and not required for managed VMs": left out);
// - Restore VM and restore disks, "Source VM that got backed up": virtualMachines/write and read;
// - Restore managed disks, "Resource group to which managed disk(s) will be restored": resourceGroups/write.
// Plus diskEncryptionSets/read: a restore with diskEncryptionSetId creates disks linked to that disk encryption
// set, and ARM refuses such a create with LinkedAuthorizationFailed unless the caller may read the set.
// Plus resourceGroups/read: RESTORE_ON_DELETE_TAGS reads the tags of a deleted VM's resource group (ResourceGroups_Get,
// "Microsoft.Resources/subscriptions/resourceGroups/read: Gets or lists resource groups").
// Virtual Machine Contributor, used before, lacked resourceGroups/write, subnets/read and diskEncryptionSets/read
// and granted far more (storage listKeys on every account, every VM and disk action).
// A custom role's name must be unique in the tenant (role-based-access-control/custom-roles.md): the name and the
// ID carry the subscription and the environment's token (tests/infra/custom_roles.py).
targetScope = 'subscription'

@description('Role definition ID (a GUID) main.bicep derives from the environment and this subscription.')
param roleDefinitionName string
param roleNameSuffix string

var actions = [
  'Microsoft.Resources/subscriptions/resourceGroups/write'
  'Microsoft.Compute/virtualMachines/read'
  'Microsoft.Compute/virtualMachines/write'
  'Microsoft.Network/virtualNetworks/read'
  'Microsoft.Network/virtualNetworks/subnets/read'
  'Microsoft.Network/virtualNetworks/subnets/join/action'
  'Microsoft.Compute/diskEncryptionSets/read'
  'Microsoft.Resources/subscriptions/resourceGroups/read'
]

resource restoreTargetRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: roleDefinitionName
  properties: {
    roleName: 'VM restore orchestrator restore target (${roleNameSuffix}, ${subscription().subscriptionId})'
    description: 'Azure Backup VM restore: the documented caller actions on source and target resource groups.'
    type: 'CustomRole'
    assignableScopes: [
      subscription().id
    ]
    permissions: [
      {
        actions: actions
        notActions: []
      }
    ]
  }
}

output id string = restoreTargetRole.id
