// The Durable Task Scheduler backend (main.bicep `durableBackend = 'DurableTaskScheduler'`): a scheduler, the app's
// task hub in it, and the app identity's data-plane role on that task hub. The scheduler accepts identity-based
// connections only (MicrosoftDocs/azure-docs articles/azure-functions/durable/durable-task-scheduler/
// durable-task-scheduler-identity.md: "only supports either user-assigned or system-assigned managed identity").
param name string
param location string
param tags object
@description('Task hub name (the same TASK_HUB_NAME host.json names as hubName).')
param taskHubName string
@description('Principal ID of the app identity.')
param appPrincipalId string
@allowed([
  'Consumption'
  'Dedicated'
])
param skuName string = 'Consumption'

// Built-in role IDs: MicrosoftDocs/azure-docs articles/role-based-access-control/built-in-roles.md (Integration,
// "Durable Task Data Contributor": "most Durable Functions apps require" it, durable-task-scheduler-identity.md).
var durableTaskDataContributor = '0ad04412-c4d5-4796-b79c-f76d14c8d402'

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    // Required by the type. The app reaches the scheduler over its public endpoint (Flex Consumption without VNet
    // integration, like its storage); every data-plane call needs the identity's Entra token and role.
    ipAllowlist: [
      '0.0.0.0/0'
    ]
    sku: {
      name: skuName
    }
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2025-11-01' = {
  parent: scheduler
  name: taskHubName
}

// On the task hub only (the docs' narrower scope): the app sees no other hub of the scheduler.
resource dataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(taskHub.id, appPrincipalId, durableTaskDataContributor)
  scope: taskHub
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', durableTaskDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output endpoint string = scheduler.properties.endpoint
output taskHubName string = taskHub.name
