// The one user-assigned managed identity the Function App uses for everything: AzureWebJobsStorage, the
// deployment container, Key Vault references, Application Insights (Entra auth) and the ARM calls to Azure Backup.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
