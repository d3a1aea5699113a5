// The custom restore-target role (rbac-restore-target-role.bicep, Microsoft's documented restore actions) on one
// target resource group (holding source VMs and/or restore targets).
targetScope = 'resourceGroup'

param principalId string
@description('The restore-target role definition of this subscription (a GUID; main.bicep derives it).')
param roleDefinitionName string

resource restoreTargetOnGroup 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, roleDefinitionName)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionName)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
