// Key Vault in RBAC mode holding the incident webhook signing secret. The app reads it through an app-setting
// Key Vault reference resolved with the user-assigned identity (keyVaultReferenceIdentity on the site).
// Purge protection keeps a deleted vault's name reserved for softDeleteRetentionInDays, so the name comes from the
// azd preprovision hook (infra/hooks/azd_hooks.py), which never reuses the name of a deleted vault.
@minLength(3)
@maxLength(24)
param name string
param location string
param tags object
param secretName string
// The app refuses an HMAC key under 32 bytes (triggers/signatures.py: RFC 2104 section 3, L = 32 for SHA-256).
@secure()
@minLength(32)
param secretValue string
@description('Principal ID of the app identity, granted Key Vault Secrets User on the one secret.')
param appPrincipalId string
@description('Optional principal (the deployer) granted Key Vault Secrets Officer to read and rotate the secret.')
param operatorPrincipalId string = ''
@description('Type of operatorPrincipalId (azd: AZURE_PRINCIPAL_TYPE); empty lets ARM look the principal up.')
@allowed(['', 'User', 'Group', 'ServicePrincipal'])
param operatorPrincipalType string = ''

// Built-in role IDs: MicrosoftDocs/azure-docs articles/role-based-access-control/built-in-roles.md
var secretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var secretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  // checkov:skip=CKV_AZURE_109: App Service resolves Key Vault references over the public endpoint unless the app has VNet integration; a deny-by-default firewall would break the INCIDENT_WEBHOOK_SECRET reference. Access stays Entra + RBAC only.
  // checkov:skip=CKV_AZURE_189: same reason as CKV_AZURE_109 (public network access is needed for Key Vault references without VNet integration).
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource secret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  // checkov:skip=CKV_AZURE_41: an expiry would make the Key Vault reference fail and the webhook refuse every alert when it lapses; rotation is a documented manual step (docs/deploy.md).
  parent: vault
  name: secretName
  properties: {
    value: secretValue
    contentType: 'text/plain'
  }
}

resource appSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(secret.id, appPrincipalId, secretsUser)
  scope: secret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUser)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource operatorSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(vault.id, operatorPrincipalId, secretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsOfficer)
    principalId: operatorPrincipalId
    // A wrong type fails with UnmatchedPrincipalType (a service principal deploying from CI is not a User).
    principalType: empty(operatorPrincipalType) ? null : operatorPrincipalType
  }
}

output name string = vault.name
// Versionless URI: the app picks up a rotated secret without a redeploy.
output secretUri string = secret.properties.secretUri
