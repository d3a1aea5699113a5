// Log Analytics workspace + workspace-based Application Insights. With local (instrumentation key) auth off, the
// host and the Python exporter (azure-monitor-opentelemetry-exporter reads APPLICATIONINSIGHTS_AUTHENTICATION_STRING
// and uses ManagedIdentityCredential with its ClientId) send telemetry with the identity, which needs Monitoring
// Metrics Publisher below.
param logAnalyticsName string
param appInsightsName string
param location string
param tags object
param retentionInDays int
@description('Principal ID of the app identity, granted Monitoring Metrics Publisher on Application Insights.')
param appPrincipalId string
param disableLocalAuth bool

// Built-in role IDs: MicrosoftDocs/azure-docs articles/role-based-access-control/built-in-roles.md
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    retentionInDays: retentionInDays
    sku: {
      name: 'PerGB2018'
    }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: disableLocalAuth
  }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, appPrincipalId, monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output appInsightsName string = appInsights.name
output connectionString string = appInsights.properties.ConnectionString
output workspaceId string = workspace.id
