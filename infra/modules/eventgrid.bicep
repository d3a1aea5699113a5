// Event Grid custom topics: one for "restore this VM" events, and one for the events the app publishes.
// The first: Publishers authenticate with Entra ID (EventGrid Data
// Sender); topic keys are disabled. The subscription to the Event Grid trigger function `restore_from_event` is not
// here: creating an AzureFunction destination fails while the function does not exist, which is the case at every
// provision that precedes a deploy, so the azd postdeploy hook (infra/hooks/azd_hooks.py) creates it. Undeliverable
// events are dead-lettered to a blob container with the topic's own identity (granted here).
param topicName string
param location string
param tags object
param deadLetterStorageAccountName string
param deadLetterContainerName string
@description('Principal IDs allowed to publish to the topic (EventGrid Data Sender on the topic).')
param publisherPrincipalIds array
@description('Name of the second topic, in the CloudEvents 1.0 schema, for the events the app publishes (EVENT_GRID_TOPIC_ENDPOINT); the app identity gets EventGrid Data Sender on it.')
param notificationTopicName string
@description('Principal ID of the app identity (publishes to the notification topic).')
param appPrincipalId string

// Built-in role IDs: MicrosoftDocs/azure-docs articles/role-based-access-control/built-in-roles.md
var roles = {
  eventGridDataSender: 'd5a91429-5739-47e2-a06b-3470a27159e7'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
}

resource topic 'Microsoft.EventGrid/topics@2023-12-15-preview' = {
  // checkov:skip=CKV_AZURE_193: publishers (incident tooling, Logic Apps, other subscriptions) reach the topic over its public endpoint; local (key/SAS) auth is disabled, so every publish needs an Entra token with EventGrid Data Sender.
  name: topicName
  location: location
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    inputSchema: 'EventGridSchema'
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
    minimumTlsVersionAllowed: '1.2'
  }
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: deadLetterStorageAccountName
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' existing = {
  parent: storage
  name: 'default'
}

resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = {
  parent: blobService
  name: deadLetterContainerName
}

// Only the dead-letter container, not the whole account (which holds the task hub and the deployment package).
resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deadLetterContainer.id, topic.id, roles.storageBlobDataContributor)
  scope: deadLetterContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: topic.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource publishers 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for principalId in publisherPrincipalIds: {
  name: guid(topic.id, principalId, roles.eventGridDataSender)
  scope: topic
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.eventGridDataSender)
    principalId: principalId
  }
}]

// The events the app publishes (approval pending, docs/observability.md): CloudEvents 1.0, which is what the app
// sends (Azure/azure-rest-api-specs eventgrid data-plane 2018-01-01 EventGrid.json, PublishCloudEventEvents). Only
// the app identity may publish; subscribers (a Logic App, a Teams flow) subscribe to it. Always created (not behind a
// bool): checkov's Bicep parser reads no properties of a conditional resource. Event Grid drops an event no
// subscription matches, and bills per operation, so an unused topic costs nothing.
resource notificationTopic 'Microsoft.EventGrid/topics@2023-12-15-preview' = {
  // checkov:skip=CKV_AZURE_193: subscribers' event subscriptions and the app reach the topic over its public endpoint; local (key/SAS) auth is disabled, so every publish needs an Entra token with EventGrid Data Sender.
  name: notificationTopicName
  location: location
  tags: tags
  // Subscriptions that deliver to Service Bus, Event Hubs or a storage queue, or dead-letter, do so with this
  // identity (deliveryWithResourceIdentity) instead of keys; it holds no role until such a subscription grants one.
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    inputSchema: 'CloudEventSchemaV1_0'
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
    minimumTlsVersionAllowed: '1.2'
  }
}

resource appPublishesNotifications 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(notificationTopic.id, appPrincipalId, roles.eventGridDataSender)
  scope: notificationTopic
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.eventGridDataSender)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output topicName string = topic.name
output topicEndpoint string = topic.properties.endpoint
output topicId string = topic.id
output deadLetterContainerId string = deadLetterContainer.id
output notificationTopicEndpoint string = notificationTopic.properties.endpoint
