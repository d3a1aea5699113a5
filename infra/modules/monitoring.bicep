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

// The restore workbook (Azure Monitor > Workbooks, or the Application Insights resource's Workbooks blade): KQL over
// the custom events the app emits (docs/observability.md; tests/infra/test_workbook.py checks every event and
// dimension it reads against the code). Workbook names must be GUIDs; kind 'shared' is the only valid kind
// (Azure/bicep-types-az generated/applicationinsights/microsoft.insights/2023-06-01/types.md).
resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(appInsights.id, 'vm-restore-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'VM restores'
    category: 'workbook'
    sourceId: appInsights.id
    version: 'Notebook/1.0'
    serializedData: loadTextContent('../workbook/restores.workbook.json')
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
output workbookId string = workbook.id
