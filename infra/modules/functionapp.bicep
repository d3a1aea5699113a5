// Flex Consumption plan + Python 3.11 Function App. Runs as the user-assigned identity; HTTPS only, TLS 1.2+,
// basic-auth publishing (FTP and SCM) off. App settings come from main.bicep (one object, one place).
// Flex Consumption rejects or ignores many site properties and app settings ("Flex Consumption plan deprecations",
// MicrosoftDocs/azure-docs articles/azure-functions/functions-app-settings.md); tests/infra/flex_rules.py checks
// this file against that list.
param planName string
param appName string
param location string
@description('Tags of the plan and the site.')
param tags object
@description('azd service name: only the site carries the azd-service-name tag (azd deploys to the one resource tagged with it).')
param serviceName string
param identityId string
param deploymentBlobContainerUrl string
param maximumInstanceCount int
@allowed([512, 2048, 4096])
param instanceMemoryMB int
@description('App settings (name -> value).')
param appSettings object
@minValue(0)
@description('Always-ready instances of the Durable Functions scale group (orchestrator, activity and entity triggers).')
param durableAlwaysReadyInstanceCount int

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
  // checkov:skip=CKV_AZURE_78: Flex Consumption has no FTP and ARM rejects siteConfig.ftpsState on it ("properties.ftpsState | FTPS not supported", Flex Consumption plan deprecations); FTP and SCM basic-auth publishing are switched off below.
  // checkov:skip=CKV_AZURE_222: the HTTP API, the incident webhook and Event Grid delivery are the product's front doors and are called from outside any VNet; every route needs a function key (or the Event Grid system key) and the webhook also an HMAC signature.
  // checkov:skip=CKV_AZURE_17: callers (Event Grid, Logic Apps, incident tools) do not present client certificates; requests are authenticated with function keys and HMAC signatures.
  // checkov:skip=CKV_AZURE_212: instance counts are managed by the Flex Consumption scaler, not by a fixed minimum.
  // checkov:skip=CKV_AZURE_213: Flex Consumption scales to zero; an App Service health-check probe does not apply. The app exposes its own status routes.
  name: appName
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
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
      http20Enabled: true
      remoteDebuggingEnabled: false
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
        // "Set the always ready instance count for the durable group to 1" when hosting Durable Functions on Flex
        // Consumption (MicrosoftDocs/azure-docs articles/azure-functions/durable/
        // durable-functions-azure-storage-provider.md, "Flex Consumption Plan"): without it the first orchestration
        // after an idle period waits for a cold start. docs/deploy.md has the cost.
        alwaysReady: [
          {
            name: 'durable'
            instanceCount: durableAlwaysReadyInstanceCount
          }
        ]
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
