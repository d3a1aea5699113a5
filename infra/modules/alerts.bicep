// OPTIONAL (main.bicep: incidentRelayUrl non-empty). An action group for Azure Monitor alerts that posts the
// common alert schema to a signing relay. An action group webhook cannot compute the HMAC-SHA256 signature that
// POST /api/webhooks/incident requires, so it must not call the app directly: the relay (see docs/deploy.md)
// signs the body with the secret from Key Vault and forwards it.
param name string
param shortName string
param tags object
@secure()
param relayUrl string

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: name
  location: 'global'
  tags: tags
  properties: {
    groupShortName: shortName
    enabled: true
    webhookReceivers: [
      {
        name: 'incident-relay'
        serviceUri: relayUrl
        useCommonAlertSchema: true
        useAadAuth: false
      }
    ]
  }
}

output id string = actionGroup.id
