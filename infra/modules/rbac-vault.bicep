// Backup Operator on one Recovery Services vault: list/read protected items and recovery points, validate and
// trigger restores, follow operations and jobs, cancel jobs. It cannot delete backups or change policies.
// "Restore VM | Backup Operator | Recovery Services vault":
// MicrosoftDocs/azure-docs articles/backup/backup-rbac-rs-vault.md (Minimum role requirements for Azure VM backup).
targetScope = 'resourceGroup'

param vaultName string
param principalId string

// Backup Operator: MicrosoftDocs/azure-docs articles/role-based-access-control/built-in-roles.md
var backupOperator = '00c29273-979b-4161-815c-10b084fb9324'

resource vault 'Microsoft.RecoveryServices/vaults@2024-04-01' existing = {
  name: vaultName
}

resource backupOperatorOnVault 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, backupOperator)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', backupOperator)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
