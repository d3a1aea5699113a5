// Flex Consumption plan + Python 3.11 Function App. Runs as the user-assigned identity; HTTPS only, TLS 1.2+,
// FTP and basic-auth publishing off. App settings come from main.bicep (one object, one place).
param planName string
param appName string
param location string
param tags object
param identityId string
param deploymentBlobContainerUrl string
param maximumInstanceCount int
@allowed([512, 2048, 4096])
param instanceMemoryMB int
@description('App settings (name -> value).')
param appSettings object

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  // checkov:skip=CKV_AZURE_225: zone redundancy on Flex Consumption is a per-region opt-in with an always-ready cost; the orchestration state is in zone-redundant storage, so a zone loss delays restores instead of losing them.
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  // checkov:skip=CKV_AZURE_222: the HTTP API, the incident webhook and Event Grid delivery are the product's front doors and are called from outside any VNet; every route needs a function key (or the Event Grid system key) and the webhook also an HMAC signature.
  // checkov:skip=CKV_AZURE_17: callers (Event Grid, Logic Apps, incident tools) do not present client certificates; requests are authenticated with function keys and HMAC signatures.
  // checkov:skip=CKV_AZURE_212: instance counts are managed by the Flex Consumption scaler, not by a fixed minimum.
  // checkov:skip=CKV_AZURE_213: Flex Consumption scales to zero; an App Service health-check probe does not apply. The app exposes its own status routes.
  name: appName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    publicNetworkAccess: 'Enabled'
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      remoteDebuggingEnabled: false
      cors: {
        allowedOrigins: []
      }
      appSettings: [for setting in items(appSettings): {
        name: setting.key
        value: setting.value
      }]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentBlobContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
  }
}

// Publishing with a username/password (FTP, SCM basic auth) is off; azd deploys with Entra ID.
resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'scm'
  properties: {
    allow: false
  }
}

output id string = app.id
output name string = app.name
output defaultHostName string = app.properties.defaultHostName
