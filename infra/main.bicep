// VM restore orchestrator on Azure Functions Flex Consumption (Python 3.11, Durable Functions).
// `azd up` deploys this file; docs/deploy.md explains every parameter and the RBAC it grants.
// Nothing is granted at subscription scope unless enableSubscriptionScopeLookups is true.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names and tags every resource.')
param environmentName string

@minLength(1)
@description('Region for every resource (a region that offers Flex Consumption).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group to create; default rg-<environmentName>.')
param resourceGroupName string = ''

@description('Comma-separated Recovery Services vault resource IDs the app may restore from (Backup Operator on each).')
param vaultIds string = ''

@description('Comma-separated resource group IDs holding source VMs and restore targets (the custom restore-target role on each).')
param targetResourceGroupIds string = ''

@description('Comma-separated staging storage account IDs used as storageAccountId in restore requests (Storage Account Contributor on each). Each must sit in one of targetResourceGroupIds.')
param stagingStorageAccountIds string = ''

@description('Comma-separated resource group IDs that restore drills restore into (docs/drills.md): the drill cleanup role (read and delete of VMs, disks, NICs, blob containers) on each, nowhere else. Each must also be in targetResourceGroupIds (the restores land there).')
param drillTargetResourceGroupIds string = ''

@description('Opt-in: a subscription-scope custom role (Azure Backup backupStatus + cross-region restore actions only) in every subscription of vaultIds. Needed to restore from a VM ID alone or cross-region.')
param enableSubscriptionScopeLookups bool = false

@secure()
@description('HMAC-SHA256 secret for POST /api/webhooks/incident, stored in Key Vault (azd: the vault\'s current secret).')
param incidentWebhookSecret string

@secure()
@description('The secret for a new vault (azd: 64 characters from the preprovision hook); wins over incidentWebhookSecret when set.')
param newIncidentWebhookSecret string = ''

@minLength(3)
@maxLength(24)
@description('Key Vault name. azd: chosen by the preprovision hook, never the name of a deleted (purge-protected) vault.')
param keyVaultName string

@description('Optional principal (azd: the deployer) given Key Vault Secrets Officer to read and rotate the webhook secret.')
param principalId string = ''

@description('Type of principalId; azd sets AZURE_PRINCIPAL_TYPE (ServicePrincipal in CI). Empty lets ARM look it up.')
@allowed(['', 'User', 'Group', 'ServicePrincipal'])
param principalType string = ''

@description('Comma-separated principal IDs allowed to publish restore events to the Event Grid topic.')
param eventPublisherPrincipalIds string = ''

@secure()
@description('Optional: URL of an HMAC-signing relay for Azure Monitor alerts; creates an action group posting to it.')
param incidentRelayUrl string = ''

@description('Optional: object ID of the app registration an Azure Monitor secure webhook gets its Entra token for; with incidentAadIdentifierUri, creates an action group calling the incident webhook directly (no relay).')
param incidentAadAppObjectId string = ''

@description('Application ID URI of that app registration (api://...): the token audience the action group asks for.')
param incidentAadIdentifierUri string = ''

@description('INCIDENT_AAD_AUDIENCE: accepted token audiences; empty means incidentAadIdentifierUri.')
param incidentAadAudience string = ''

@description('INCIDENT_AAD_AUTHORITY: the Entra authority host of the tenant\'s keys and issuer.')
param incidentAadAuthority string = 'https://login.microsoftonline.com'

@description('Durable Functions task hub name (host.json uses %TASK_HUB_NAME%).')
param taskHubName string = 'vmrestore'

// Microsoft recommends the Durable Task Scheduler for high orchestration throughput (MicrosoftDocs/azure-docs
// articles/azure-functions/durable/durable-task-scheduler/durable-task-scheduler.md); Flex Consumption supports it
// and Azure Storage (DURABLE-NOTES §9). Azure Storage stays the default.
@description('Durable Functions backend: AzureStorage (the host storage account) or DurableTaskScheduler (a Microsoft.DurableTask scheduler and task hub, identity-based).')
@allowed([
  'AzureStorage'
  'DurableTaskScheduler'
])
param durableBackend string = 'AzureStorage'

@description('Event type the Event Grid trigger accepts and the subscription filters on.')
param eventGridRestoreEventType string = 'Contoso.Restore.Requested'

param restoreTimeoutHours string = '48'
param validateBeforeRestore string = 'true'
param incidentDefaultRequest string = '{}'
param logLevel string = 'INFO'
@description('Tenant of a Resource Guard protecting the vaults (multi-user authorization); empty when none.')
param resourceGuardTenantId string = ''
@description('Public base URL of this repository (e.g. https://github.com/<owner>/<repo>/blob/main): problem `type` URIs point at its docs/api.md anchors; empty: about:blank.')
param docsBaseUrl string = ''

@description('Restore on delete: off | propose (a restore that waits for approval) | auto. Anything but off also subscribes the app to the subscription\'s Microsoft.Resources.ResourceDeleteSuccess events (azd postdeploy hook).')
@allowed(['off', 'propose', 'auto'])
param restoreOnDelete string = 'off'
@description('JSON restore options of delete-started restores (the network to recreate the VM in, storageAccountId, ...).')
param restoreOnDeleteRequest string = '{}'
@description('Restore on delete only in resource groups with these tags: comma-separated name=value or name (any value); empty: every group.')
param restoreOnDeleteTags string = ''
@description('true: replaceDisks and every alert- or delete-started restore waits for approval.')
param approvalRequired string = 'false'
@description('How long a restore the policy makes wait for approval waits (ISO-8601 duration, PT1M to P1D).')
param approvalTimeout string = 'PT2H'
@description('Restore drills: a JSON document {"drills": [...]} (docs/drills.md); empty = no drills.')
param drills string = ''

@description('CloudEvents type of the approval-pending event the app publishes.')
param eventGridApprovalEventType string = 'Contoso.Restore.ApprovalPending'

@description('Extra or overriding app settings (name -> string value), applied last.')
param appSettingOverrides object = {}

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@minValue(0)
@description('Always-ready instances for the Durable Functions group (Microsoft recommends 1 on Flex Consumption).')
param durableAlwaysReadyInstanceCount int = 1

@description('Disable Application Insights local (instrumentation key) auth; telemetry then needs the identity (Entra).')
param disableAppInsightsLocalAuth bool = true

param logRetentionInDays int = 30

param eventMaxDeliveryAttempts int = 10
param eventTimeToLiveInMinutes int = 1440

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = 'func-${resourceToken}'
var deploymentContainerName = 'app-package-${resourceToken}'
var deadLetterContainerName = 'eventgrid-deadletter'
var incidentSecretName = 'incident-webhook-secret'
// environment().resourceManager ends with '/'; ARM_ENDPOINT has no trailing slash.
var resourceManager = environment().resourceManager
var armEndpoint = endsWith(resourceManager, '/') ? substring(resourceManager, 0, length(resourceManager) - 1) : resourceManager
// Lists arrive as comma-separated strings (azd env values; the same format as RESTORE_ALLOWED_SCOPES). Azure
// resource IDs never contain spaces, so stripping them makes "a, b" and "a,b" equal.
var vaultIdList = empty(vaultIds) ? [] : split(replace(vaultIds, ' ', ''), ',')
var targetResourceGroupIdList = empty(targetResourceGroupIds) ? [] : split(replace(targetResourceGroupIds, ' ', ''), ',')
var drillResourceGroupIdList = empty(drillTargetResourceGroupIds) ? [] : split(replace(drillTargetResourceGroupIds, ' ', ''), ',')
var stagingStorageAccountIdList = empty(stagingStorageAccountIds) ? [] : split(replace(stagingStorageAccountIds, ' ', ''), ',')
var eventPublisherPrincipalIdList = empty(eventPublisherPrincipalIds) ? [] : split(replace(eventPublisherPrincipalIds, ' ', ''), ',')
// The app refuses any source or target outside these prefixes: the same vaults and resource groups RBAC covers.
var useScheduler = durableBackend == 'DurableTaskScheduler'
var restoreAllowedScopes = join(concat(vaultIdList, targetResourceGroupIdList), ',')
var vaultSubscriptionIdList = [for id in vaultIdList: split(id, '/')[2]]
// union() with an empty array drops duplicates: one custom role per subscription.
var vaultSubscriptionIds = union(vaultSubscriptionIdList, [])
// Subscription IDs are GUIDs that ARM compares case-insensitively; lower-cased they key the restore-target role
// definitions (one per subscription, its ID derived the same way where the role is assigned).
// (No lambdas such as map() and no for-expression inside a call: checkov's Bicep parser cannot read them.)
var targetSubscriptionIdList = [for id in targetResourceGroupIdList: toLower(split(id, '/')[2])]
var targetSubscriptionIds = union(targetSubscriptionIdList, [])
var drillSubscriptionIdList = [for id in drillResourceGroupIdList: toLower(split(id, '/')[2])]
// The source reader goes where drilled VMs may live (every target group) when there is any drill group at all.
var drillSourceSubscriptionIds = empty(drillResourceGroupIdList) ? [] : targetSubscriptionIds
var drillSourceGroupIdList = empty(drillResourceGroupIdList) ? [] : targetResourceGroupIdList

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    appInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
    retentionInDays: logRetentionInDays
    appPrincipalId: identity.outputs.principalId
    disableLocalAuth: disableAppInsightsLocalAuth
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    deadLetterContainerName: deadLetterContainerName
    appPrincipalId: identity.outputs.principalId
  }
}

var webhookSecret = empty(newIncidentWebhookSecret) ? incidentWebhookSecret : newIncidentWebhookSecret

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: keyVaultName
    location: location
    tags: tags
    secretName: incidentSecretName
    secretValue: webhookSecret
    appPrincipalId: identity.outputs.principalId
    operatorPrincipalId: principalId
    operatorPrincipalType: principalType
  }
}

module durableTask 'modules/durabletask.bicep' = if (useScheduler) {
  name: 'durabletask'
  scope: rg
  params: {
    name: 'dts-${resourceToken}'
    location: location
    tags: tags
    taskHubName: taskHubName
    appPrincipalId: identity.outputs.principalId
  }
}

// With the scheduler: host.json's storageProvider switched by app settings, which override host.json values
// ("AzureFunctionsJobHost__path__to__setting", MicrosoftDocs/azure-docs articles/azure-functions/functions-host-json.md
// "Override host.json values"); the values are the ones the scheduler's docs put in host.json (type azureManaged,
// connectionStringName DURABLE_TASK_SCHEDULER_CONNECTION_STRING; the connection string names the user-assigned
// identity: durable-task-scheduler-identity.md).
var durableTaskSchedulerSettings = useScheduler ? {
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__type: 'azureManaged'
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName: 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING'
  DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=${durableTask.outputs.endpoint};Authentication=ManagedIdentity;ClientID=${identity.outputs.clientId}'
} : {}

// Every setting the code's settings table reads, plus what the Functions host, Durable Functions and the Azure
// SDKs read (tests/infra/code_settings.py). Documented in README.md and local.settings.example.json; tests/infra
// cross-checks all three. Nothing Flex Consumption deprecates (tests/infra/flex_rules.py).
var appSettings = union({
  // Host storage (and the Durable task hub) through the identity: no connection string, no key. One URI per
  // service, taken from the account's endpoints, so the cloud's storage suffix is right in sovereign clouds as
  // ARM_ENDPOINT is (an account name alone makes the host assume *.core.windows.net). The Durable Functions Azure
  // Storage provider needs the queue and table URIs (Azure-Samples/functions-quickstart-python-http-azd
  // infra/main.bicep: "Required for Durable Functions").
  AzureWebJobsStorage__blobServiceUri: storage.outputs.blobEndpoint
  AzureWebJobsStorage__queueServiceUri: storage.outputs.queueEndpoint
  AzureWebJobsStorage__tableServiceUri: storage.outputs.tableEndpoint
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.outputs.clientId
  TASK_HUB_NAME: taskHubName
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.clientId};Authorization=AAD'
  ARM_ENDPOINT: armEndpoint
  BACKUP_API_VERSION: '2026-02-01'
  CRR_API_VERSION: '2023-01-15'
  AZURE_CLIENT_ID: identity.outputs.clientId
  ARM_TIMEOUT_SECONDS: '30'
  ARM_MAX_ATTEMPTS: '4'
  RETRY_AFTER_DEFAULT_SECONDS: '30'
  RETRY_AFTER_MAX_SECONDS: '600'
  JOB_POLL_INTERVAL_SECONDS: '60'
  JOB_POLL_MODE: 'adaptive'
  JOB_POLL_MAX_INTERVAL_SECONDS: '900'
  PLAN_ARM_READS_PER_MINUTE: '600'
  RESTORE_TIMEOUT_HOURS: restoreTimeoutHours
  VALIDATE_BEFORE_RESTORE: validateBeforeRestore
  RESTORE_ALLOWED_SCOPES: restoreAllowedScopes
  INCIDENT_WEBHOOK_SECRET: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.secretUri})'
  INCIDENT_DEFAULT_REQUEST: incidentDefaultRequest
  INCIDENT_AAD_TENANT_ID: incidentAadTenantId
  INCIDENT_AAD_AUDIENCE: incidentAadAudienceValue
  INCIDENT_AAD_AUTHORITY: incidentAadAuthority
  EVENTGRID_RESTORE_EVENT_TYPE: eventGridRestoreEventType
  CALLBACK_ALLOW_INSECURE: 'false'
  LOG_LEVEL: logLevel
  RESOURCE_GUARD_TENANT_ID: resourceGuardTenantId
  DOCS_BASE_URL: docsBaseUrl
  RESTORE_ON_DELETE: restoreOnDelete
  RESTORE_ON_DELETE_REQUEST: restoreOnDeleteRequest
  RESTORE_ON_DELETE_TAGS: restoreOnDeleteTags
  APPROVAL_REQUIRED: approvalRequired
  APPROVAL_TIMEOUT: approvalTimeout
  EVENT_GRID_TOPIC_ENDPOINT: eventGrid.outputs.notificationTopicEndpoint
  EVENT_GRID_APPROVAL_EVENT_TYPE: eventGridApprovalEventType
  DRILLS: drills
  DRILLS_FILE: ''
  // A failed drill run's event goes to the same topic (EVENT_GRID_TOPIC_ENDPOINT) as the approval event.
  DRILL_FAILED_EVENT_TYPE: 'Contoso.Restore.DrillFailed'
}, durableTaskSchedulerSettings, appSettingOverrides)

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  params: {
    planName: 'plan-${resourceToken}'
    appName: functionAppName
    location: location
    tags: tags
    serviceName: 'api'
    identityId: identity.outputs.id
    deploymentBlobContainerUrl: '${storage.outputs.blobEndpoint}${deploymentContainerName}'
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    appSettings: appSettings
    durableAlwaysReadyInstanceCount: durableAlwaysReadyInstanceCount
  }
}

module eventGrid 'modules/eventgrid.bicep' = {
  name: 'eventgrid'
  scope: rg
  params: {
    topicName: 'evgt-${resourceToken}'
    location: location
    tags: tags
    deadLetterStorageAccountName: storage.outputs.name
    deadLetterContainerName: deadLetterContainerName
    publisherPrincipalIds: eventPublisherPrincipalIdList
    notificationTopicName: 'evgt-notify-${resourceToken}'
    appPrincipalId: identity.outputs.principalId
  }
}

// The secure webhook's tokens come from the deployment's tenant: the app registration lives there.
var incidentAadTenantId = empty(incidentAadAppObjectId) ? '' : tenant().tenantId
var incidentAadAudienceValue = empty(incidentAadAppObjectId) ? '' : (empty(incidentAadAudience) ? incidentAadIdentifierUri : incidentAadAudience)

module alerts 'modules/alerts.bicep' = if (!empty(incidentRelayUrl) || !empty(incidentAadAppObjectId)) {
  name: 'alerts'
  scope: rg
  params: {
    name: 'ag-${resourceToken}'
    shortName: 'vmrestore'
    tags: tags
    relayUrl: incidentRelayUrl
    functionAppName: functionApp.outputs.name
    aadTenantId: incidentAadTenantId
    aadObjectId: incidentAadAppObjectId
    aadIdentifierUri: incidentAadIdentifierUri
  }
}

// Least-privilege restore RBAC: each assignment sits on a vault, a resource group or a storage account.
module vaultRoles 'modules/rbac-vault.bicep' = [for (vaultId, i) in vaultIdList: {
  name: 'rbac-vault-${i}'
  scope: resourceGroup(split(vaultId, '/')[2], split(vaultId, '/')[4])
  params: {
    vaultName: last(split(vaultId, '/'))
    principalId: identity.outputs.principalId
  }
}]

// The custom restore-target role (Microsoft's documented restore actions), one definition per subscription of the
// target groups; it grants nothing until assigned, and it is assigned on the target groups only.
module restoreTargetRoles 'modules/rbac-restore-target-role.bicep' = [for subscriptionId in targetSubscriptionIds: {
  name: 'rbac-target-role-${take(uniqueString(subscriptionId), 8)}'
  scope: subscription(subscriptionId)
  params: {
    roleDefinitionName: guid('vm-restore-target', resourceToken, subscriptionId)
    roleNameSuffix: resourceToken
  }
}]

module targetGroupRoles 'modules/rbac-target-rg.bicep' = [for (groupId, i) in targetResourceGroupIdList: {
  name: 'rbac-target-${i}'
  scope: resourceGroup(split(groupId, '/')[2], split(groupId, '/')[4])
  dependsOn: [
    restoreTargetRoles
  ]
  params: {
    principalId: identity.outputs.principalId
    roleDefinitionName: guid('vm-restore-target', resourceToken, toLower(split(groupId, '/')[2]))
  }
}]

// Restore drills: the cleanup role (read and delete of what a drill restores) on the drill groups only; the source
// reader (disks/read, to compare restored disks with the source's) on the groups that hold source VMs.
module drillCleanupRoles 'modules/rbac-drill-role.bicep' = [for subscriptionId in union(drillSubscriptionIdList, []): {
  name: 'rbac-drill-role-${take(uniqueString(subscriptionId), 8)}'
  scope: subscription(subscriptionId)
  params: {
    roleDefinitionName: guid('vm-restore-drill-cleanup', resourceToken, subscriptionId)
    roleNameSuffix: resourceToken
    cleanup: true
  }
}]

module drillReaderRoles 'modules/rbac-drill-role.bicep' = [for subscriptionId in drillSourceSubscriptionIds: {
  name: 'rbac-drill-reader-${take(uniqueString(subscriptionId), 8)}'
  scope: subscription(subscriptionId)
  params: {
    roleDefinitionName: guid('vm-restore-drill-reader', resourceToken, subscriptionId)
    roleNameSuffix: resourceToken
    cleanup: false
  }
}]

module drillGroupRoles 'modules/rbac-drill-rg.bicep' = [for (groupId, i) in drillResourceGroupIdList: {
  name: 'rbac-drill-${i}'
  scope: resourceGroup(split(groupId, '/')[2], split(groupId, '/')[4])
  dependsOn: [
    drillCleanupRoles
  ]
  params: {
    principalId: identity.outputs.principalId
    roleDefinitionName: guid('vm-restore-drill-cleanup', resourceToken, toLower(split(groupId, '/')[2]))
  }
}]

module drillSourceRoles 'modules/rbac-drill-rg.bicep' = [for (groupId, i) in drillSourceGroupIdList: {
  name: 'rbac-drill-source-${i}'
  scope: resourceGroup(split(groupId, '/')[2], split(groupId, '/')[4])
  dependsOn: [
    drillReaderRoles
  ]
  params: {
    principalId: identity.outputs.principalId
    roleDefinitionName: guid('vm-restore-drill-reader', resourceToken, toLower(split(groupId, '/')[2]))
  }
}]

module stagingStorageRoles 'modules/rbac-staging-storage.bicep' = [for (accountId, i) in stagingStorageAccountIdList: {
  name: 'rbac-staging-${i}'
  scope: resourceGroup(split(accountId, '/')[2], split(accountId, '/')[4])
  params: {
    storageAccountName: last(split(accountId, '/'))
    principalId: identity.outputs.principalId
  }
}]

module subscriptionLookups 'modules/rbac-subscription.bicep' = [for subscriptionId in vaultSubscriptionIds: if (enableSubscriptionScopeLookups) {
  name: 'rbac-lookups-${take(uniqueString(subscriptionId), 8)}'
  scope: subscription(subscriptionId)
  params: {
    principalId: identity.outputs.principalId
    roleNameSuffix: resourceToken
  }
}]

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_HOSTNAME string = functionApp.outputs.defaultHostName
output AZURE_FUNCTION_APP_ID string = functionApp.outputs.id
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_CLIENT_ID string = identity.outputs.clientId
output EVENTGRID_TOPIC_NAME string = eventGrid.outputs.topicName
output EVENTGRID_TOPIC_ENDPOINT string = eventGrid.outputs.topicEndpoint
// Read by the azd postdeploy hook, which creates the subscription to restore_from_event once the code is deployed.
output EVENTGRID_TOPIC_ID string = eventGrid.outputs.topicId
output EVENT_GRID_TOPIC_ENDPOINT string = eventGrid.outputs.notificationTopicEndpoint
output EVENTGRID_DEADLETTER_CONTAINER_ID string = eventGrid.outputs.deadLetterContainerId
output EVENTGRID_RESTORE_EVENT_TYPE string = eventGridRestoreEventType
output EVENTGRID_MAX_DELIVERY_ATTEMPTS int = eventMaxDeliveryAttempts
output EVENTGRID_EVENT_TTL_MINUTES int = eventTimeToLiveInMinutes
output RESTORE_ALLOWED_SCOPES string = restoreAllowedScopes
// Read by the postdeploy hook: with restore on delete, it subscribes restore_from_event to the VM deletes of these
// resource groups (the ones holding the source VMs).
output RESTORE_ON_DELETE string = restoreOnDelete
output RESTORE_ON_DELETE_SCOPES string = join(targetResourceGroupIdList, ',')
