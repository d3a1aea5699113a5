// OPTIONAL (main.bicep: incidentRelayUrl or incidentAadAppObjectId non-empty). An action group for Azure Monitor
// alerts posting the common alert schema, either
// - to POST /api/webhooks/incident directly as a *secure webhook* (`useAadAuth: true`): the action group sends a
//   Microsoft Entra token for the app registration `aadObjectId`/`aadIdentifierUri` of tenant `aadTenantId`, which
//   the app checks (triggers/entra.py; https://learn.microsoft.com/azure/azure-monitor/alerts/action-groups#secure-webhook),
//   the function key travels in the URL as for every function route; or
// - to a signing relay (`relayUrl`): an action group cannot compute the HMAC-SHA256 signature the webhook otherwise
//   requires, so the relay (see docs/deploy.md) signs the body with the secret from Key Vault and forwards it.
param name string
param shortName string
param tags object
@secure()
param relayUrl string = ''
@description('Function App name: the secure webhook posts to its incident webhook with its default function key.')
param functionAppName string = ''
param aadTenantId string = ''
param aadObjectId string = ''
param aadIdentifierUri string = ''

var secure = !empty(aadObjectId)

resource site 'Microsoft.Web/sites@2024-04-01' existing = if (secure) {
  name: functionAppName
}

var relayReceiver = {
  name: 'incident-relay'
  serviceUri: relayUrl
  useCommonAlertSchema: true
  useAadAuth: false
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: name
  location: 'global'
  tags: tags
  properties: {
    groupShortName: shortName
    enabled: true
    webhookReceivers: secure ? [
      {
        name: 'incident-secure-webhook'
        serviceUri: 'https://${site.properties.defaultHostName}/api/webhooks/incident?code=${listKeys('${site.id}/host/default', '2024-04-01').functionKeys.default}'
        useCommonAlertSchema: true
        useAadAuth: true
        objectId: aadObjectId
        identifierUri: aadIdentifierUri
        tenantId: aadTenantId
      }
    ] : [
      relayReceiver
    ]
  }
}

output id string = actionGroup.id
