// Storage Account Contributor on one staging storage account (the `storageAccountId` of a restore request, where
// Azure Backup stages disks and writes the VM config blob).
// "Storage Account Contributor | Temporary Storage account selected as part of restore":
// MicrosoftDocs/azure-docs articles/backup/backup-rbac-rs-vault.md.
targetScope = 'resourceGroup'

param storageAccountName string
param principalId string

// Storage Account Contributor: MicrosoftDocs/azure-docs articles/role-based-access-control/built-in-roles.md
var storageAccountContributor = '17d1049b-9a84-46fb-8f53-869881c3d3ab'

resource stagingAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource contributorOnStagingAccount 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(stagingAccount.id, principalId, storageAccountContributor)
  scope: stagingAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageAccountContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
