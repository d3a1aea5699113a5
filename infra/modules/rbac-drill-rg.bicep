// A drill role (rbac-drill-role.bicep) on one resource group: the cleanup role on a drill target group, or the
// source reader on a group holding drilled source VMs.
targetScope = 'resourceGroup'

param principalId string
@description('The drill role definition of this subscription (a GUID; main.bicep derives it).')
param roleDefinitionName string

resource drillRoleOnGroup 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, roleDefinitionName)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionName)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
