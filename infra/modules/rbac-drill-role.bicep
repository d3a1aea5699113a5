// The custom "drill cleanup" role: what a restore drill needs on its own target resource group beyond the restore
// (rbac-restore-target-role.bicep) — read what the restore created (the VM with its instance view, disks, NICs, the
// staging account's config containers) and delete exactly those kinds, nothing else (no write, no other type).
// One definition per subscription of DRILL_TARGET_RESOURCE_GROUP_IDS; assigned only on the drill groups
// (rbac-drill-rg.bicep), so the app can delete nowhere else.
//
// Actions: MicrosoftDocs/azure-docs articles/role-based-access-control/permissions/compute.md (virtualMachines/read,
// virtualMachines/instanceView/read, virtualMachines/delete, disks/read, disks/delete), networking.md
// (networkInterfaces/read, networkInterfaces/delete) and storage.md (storageAccounts/blobServices/containers/read,
// .../containers/delete: the ARM-level BlobContainers_Get/Delete the cleanup uses for the config blobs).
// Reading the source VM's disks (to compare sizes and SKUs) is `disks/read` on the source groups: the
// drill-reader assignment gives only that action there.
targetScope = 'subscription'

@description('Role definition ID (a GUID) main.bicep derives from the environment and this subscription.')
param roleDefinitionName string
param roleNameSuffix string
@description('true: the cleanup role (reads and deletes); false: the source reader (disks/read only).')
param cleanup bool = true

var cleanupActions = [
  'Microsoft.Compute/virtualMachines/read'
  'Microsoft.Compute/virtualMachines/instanceView/read'
  'Microsoft.Compute/virtualMachines/delete'
  'Microsoft.Compute/disks/read'
  'Microsoft.Compute/disks/delete'
  'Microsoft.Network/networkInterfaces/read'
  'Microsoft.Network/networkInterfaces/delete'
  'Microsoft.Storage/storageAccounts/blobServices/containers/read'
  'Microsoft.Storage/storageAccounts/blobServices/containers/delete'
]
var readerActions = [
  'Microsoft.Compute/disks/read'
]

resource drillRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: roleDefinitionName
  properties: {
    roleName: cleanup ? 'VM restore orchestrator drill cleanup (${roleNameSuffix}, ${subscription().subscriptionId})' : 'VM restore orchestrator drill source reader (${roleNameSuffix}, ${subscription().subscriptionId})'
    description: cleanup ? 'Restore drills: read and delete what a drill restored, on the drill target groups only.' : 'Restore drills: read the source VM disks to compare restored ones.'
    type: 'CustomRole'
    assignableScopes: [
      subscription().id
    ]
    permissions: [
      {
        actions: cleanup ? cleanupActions : readerActions
        notActions: []
      }
    ]
  }
}

output id string = drillRole.id
