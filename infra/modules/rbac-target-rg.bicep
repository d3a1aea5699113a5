// Virtual Machine Contributor on one target resource group (holding source VMs and/or restore targets).
// Microsoft documents "Virtual Machine Contributor | Source VM that got backed up" for every VM restore, and
// "Contributor | Resource group in which VM will be deployed" (or a custom role with virtualMachines/write,
// virtualNetworks/read, subnets/join/action, ...) for create-VM and restore-disks:
// MicrosoftDocs/azure-docs articles/backup/backup-rbac-rs-vault.md. Virtual Machine Contributor holds those VM,
// managed-disk, NIC and subnet-join actions without Contributor's rights over every other resource type.
targetScope = 'resourceGroup'

param principalId string

// Virtual Machine Contributor: MicrosoftDocs/azure-docs articles/role-based-access-control/built-in-roles.md
var virtualMachineContributor = '9980e02c-c2be-4d73-94e8-173b1dc7cf3c'

resource vmContributorOnTargetGroup 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, virtualMachineContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', virtualMachineContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
