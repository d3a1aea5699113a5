// OPT-IN ONLY (main.bicep: enableSubscriptionScopeLookups, default false). A custom role at subscription scope
// with exactly the location-level Azure Backup actions that cannot be granted on a vault or resource group,
// because their ARM paths are /subscriptions/{id}/providers/Microsoft.RecoveryServices/locations/{region}/...:
// - backupStatus: find a VM's vault and protected item from the VM ID alone;
// - the cross-region restore (CRR) actions Microsoft lists for "Cross region restore | Subscription of the
//   Recovery Services vault": MicrosoftDocs/azure-docs articles/backup/backup-rbac-rs-vault.md.
// Nothing else (no compute, network or storage rights) is granted at this scope.
targetScope = 'subscription'

param principalId string
param roleNameSuffix string

var actions = [
  'Microsoft.RecoveryServices/locations/backupStatus/action'
  'Microsoft.RecoveryServices/locations/backupAadProperties/read'
  'Microsoft.RecoveryServices/locations/backupCrrJobs/action'
  'Microsoft.RecoveryServices/locations/backupCrrJob/action'
  'Microsoft.RecoveryServices/locations/backupCrossRegionRestore/action'
  'Microsoft.RecoveryServices/locations/backupCrrOperationResults/read'
  'Microsoft.RecoveryServices/locations/backupCrrOperationsStatus/read'
]

resource lookupRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, 'vm-restore-location-lookups', roleNameSuffix)
  properties: {
    // Custom role names are unique per tenant (role-based-access-control/custom-roles.md): one definition per vault
    // subscription, so the name carries the subscription as well as the environment's token.
    roleName: 'VM restore orchestrator location lookups (${roleNameSuffix}, ${subscription().subscriptionId})'
    description: 'Azure Backup backupStatus and cross-region restore actions that exist only at subscription scope.'
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

resource lookupAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, principalId, lookupRole.id)
  properties: {
    roleDefinitionId: lookupRole.id
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
