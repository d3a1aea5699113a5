"""The resource types infra/ declares, as Azure/bicep-types-az defines them (the definitions the Bicep compiler
reads: its README, "Bicep type definitions for Azure resources").

Written down by hand from the published `types.json` each entry names (a path in Azure/bicep-types-az, read at
commit 1f896de2db966ad91e8f7d7d981e11d32e4f5d8d), in the shapes of tests/infra/type_shapes.py: at every object
infra/ writes, every property the type defines, `!` required and `~` read-only; a shape only where infra/ writes a
literal, an object or an array. Adding a resource type or api-version to infra/ means adding its entry here from
its types.json; test_resource_types.py fails until it is.
"""

from __future__ import annotations

from tests.infra.type_shapes import BOOL, INT, STR, Arr, Enum, Obj, Resource

REPOSITORY = "Azure/bicep-types-az"

TYPES: dict[str, Resource] = {
    "Microsoft.Authorization/roleAssignments@2022-04-01": Resource(
        "generated/authorization/microsoft.authorization/2022-04-01/types.json",
        Obj(
            "id~ name! type~ apiVersion~ properties! systemData~",
            name=STR,
            properties=Obj(
                (
                    "scope~ roleDefinitionId! principalId! principalType description "
                    "condition conditionVersion createdOn~ updatedOn~ createdBy~ updatedBy~ "
                    "delegatedManagedIdentityResourceId"
                ),
                principalType=STR,
            ),
        ),
    ),
    "Microsoft.Authorization/roleDefinitions@2022-04-01": Resource(
        "generated/authorization/microsoft.authorization/2022-04-01/types.json",
        Obj(
            "id~ name! type~ apiVersion~ properties",
            name=STR,
            properties=Obj(
                ("roleName description type permissions assignableScopes createdOn~ updatedOn~ createdBy~ updatedBy~"),
                description=STR,
                type=STR,
                permissions=Arr(Obj("actions notActions dataActions notDataActions", notActions=Arr(STR))),
                assignableScopes=Arr(STR),
            ),
        ),
    ),
    # Written from types.md of the same generated folder (Azure/bicep-types-az at commit
    # 64446c88398fff55c8142bdc7eaa564c610b6962; the generator writes types.md from types.json).
    "Microsoft.DurableTask/schedulers@2025-11-01": Resource(
        "generated/durabletask/microsoft.durabletask/2025-11-01/types.json",
        Obj(
            "apiVersion~ id~ location! name! properties systemData~ tags type~",
            location=STR,
            name=STR,
            properties=Obj(
                "endpoint~ ipAllowlist! provisioningState~ sku!",
                ipAllowlist=Arr(STR),
                sku=Obj("capacity name! redundancyState~", name=STR),
            ),
        ),
    ),
    "Microsoft.DurableTask/schedulers/taskHubs@2025-11-01": Resource(
        "generated/durabletask/microsoft.durabletask/2025-11-01/types.json",
        Obj("apiVersion~ id~ name! properties systemData~ type~", name=STR),
    ),
    "Microsoft.EventGrid/topics@2023-12-15-preview": Resource(
        "generated/eventgrid/microsoft.eventgrid/2023-12-15-preview/types.json",
        Obj(
            ("id~ name! type~ apiVersion~ properties sku identity kind extendedLocation systemData~ location! tags"),
            location=STR,
            name=STR,
            properties=Obj(
                (
                    "privateEndpointConnections~ provisioningState~ endpoint~ eventTypeInfo "
                    "minimumTlsVersionAllowed inputSchema inputSchemaMapping "
                    "metricResourceId~ publicNetworkAccess inboundIpRules disableLocalAuth "
                    "dataResidencyBoundary"
                ),
                minimumTlsVersionAllowed=STR,
                inputSchema=STR,
                publicNetworkAccess=STR,
                disableLocalAuth=BOOL,
            ),
            identity=Obj("type principalId tenantId userAssignedIdentities", type=STR),
        ),
    ),
    "Microsoft.Insights/actionGroups@2023-01-01": Resource(
        "generated/monitor_1/microsoft.insights/2023-01-01/types.json",
        Obj(
            "id~ name! type~ apiVersion~ properties location! tags",
            name=STR,
            properties=Obj(
                (
                    "groupShortName! enabled! emailReceivers smsReceivers webhookReceivers "
                    "itsmReceivers azureAppPushReceivers automationRunbookReceivers "
                    "voiceReceivers logicAppReceivers azureFunctionReceivers "
                    "armRoleReceivers eventHubReceivers"
                ),
                enabled=BOOL,
                webhookReceivers=Arr(
                    Obj(
                        ("name! serviceUri! useCommonAlertSchema useAadAuth objectId identifierUri tenantId"),
                        name=STR,
                        useCommonAlertSchema=BOOL,
                        useAadAuth=BOOL,
                    )
                ),
            ),
            location=STR,
        ),
    ),
    "Microsoft.Insights/components@2020-02-02": Resource(
        "generated/applicationinsights/microsoft.insights/2020-02-02/types.json",
        Obj(
            "id~ name! type~ apiVersion~ kind! etag properties location! tags",
            location=STR,
            name=STR,
            kind=STR,
            properties=Obj(
                (
                    "ApplicationId~ AppId~ Name~ Application_Type! Flow_Type Request_Source "
                    "InstrumentationKey~ CreationDate~ TenantId~ HockeyAppId "
                    "HockeyAppToken~ provisioningState~ SamplingPercentage "
                    "ConnectionString~ RetentionInDays DisableIpMasking "
                    "ImmediatePurgeDataOn30Days WorkspaceResourceId LaMigrationDate~ "
                    "PrivateLinkScopedResources~ publicNetworkAccessForIngestion "
                    "publicNetworkAccessForQuery IngestionMode DisableLocalAuth "
                    "ForceCustomerStorageForProfiler"
                ),
                Application_Type=STR,
            ),
        ),
    ),
    # Read in generated/applicationinsights/microsoft.insights/2023-06-01/types.md (the same definitions as its
    # types.json) at commit 30c7a915774d8076a1ccf57cb19be05b239fb66e: kind is `'shared' | string`.
    "Microsoft.Insights/workbooks@2023-06-01": Resource(
        "generated/applicationinsights/microsoft.insights/2023-06-01/types.json",
        Obj(
            "id~ name! type~ apiVersion~ etag identity kind location! properties systemData~ tags",
            kind=STR,
            properties=Obj(
                (
                    "category! description displayName! revision~ serializedData! sourceId storageUri tags "
                    "timeModified~ userId~ version"
                ),
                category=STR,
                displayName=STR,
                version=STR,
            ),
        ),
    ),
    "Microsoft.KeyVault/vaults/secrets@2023-07-01": Resource(
        "generated/keyvault/microsoft.keyvault/2023-07-01/types.json",
        Obj(
            "id~ name! type~ apiVersion~ tags properties! location~",
            name=STR,
            properties=Obj("value contentType attributes secretUri~ secretUriWithVersion~", contentType=STR),
        ),
    ),
    "Microsoft.KeyVault/vaults@2023-07-01": Resource(
        "generated/keyvault/microsoft.keyvault/2023-07-01/types.json",
        Obj(
            "id~ name! type~ apiVersion~ location! tags properties! systemData~",
            location=STR,
            name=STR,
            properties=Obj(
                (
                    "tenantId! sku! accessPolicies vaultUri hsmPoolResourceId~ "
                    "enabledForDeployment enabledForDiskEncryption "
                    "enabledForTemplateDeployment enableSoftDelete "
                    "softDeleteRetentionInDays enableRbacAuthorization createMode "
                    "enablePurgeProtection networkAcls provisioningState "
                    "privateEndpointConnections~ publicNetworkAccess"
                ),
                sku=Obj("family! name!", family=STR, name=Enum("standard", "premium")),
                enableSoftDelete=BOOL,
                softDeleteRetentionInDays=INT,
                enableRbacAuthorization=BOOL,
                enablePurgeProtection=BOOL,
                networkAcls=Obj("bypass defaultAction ipRules virtualNetworkRules", bypass=STR, defaultAction=STR),
                publicNetworkAccess=STR,
            ),
        ),
    ),
    "Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31": Resource(
        "generated/msi/microsoft.managedidentity/2023-01-31/types.json",
        Obj("id~ name! type~ apiVersion~ properties~ tags location! systemData~", location=STR, name=STR),
    ),
    "Microsoft.OperationalInsights/workspaces@2023-09-01": Resource(
        "generated/operationalinsights/microsoft.operationalinsights/2023-09-01/types.json",
        Obj(
            ("id~ name! type~ apiVersion~ properties identity systemData~ etag tags location!"),
            location=STR,
            name=STR,
            properties=Obj(
                (
                    "provisioningState~ customerId~ sku retentionInDays workspaceCapping "
                    "createdDate~ modifiedDate~ publicNetworkAccessForIngestion "
                    "publicNetworkAccessForQuery forceCmkForQuery "
                    "privateLinkScopedResources~ features "
                    "defaultDataCollectionRuleResourceId"
                ),
                sku=Obj("name! capacityReservationLevel lastSkuUpdate~", name=STR),
            ),
        ),
    ),
    "Microsoft.RecoveryServices/vaults@2024-04-01": Resource(
        "generated/recoveryservices/microsoft.recoveryservices/2024-04-01/types.json",
        Obj(
            ("id~ name! type~ apiVersion~ identity properties sku systemData~ location! tags etag"),
            location=STR,
            name=STR,
        ),
    ),
    "Microsoft.Resources/resourceGroups@2024-03-01": Resource(
        "generated/resources_11/microsoft.resources/2024-03-01/types.json",
        Obj("id~ name! type~ apiVersion~ properties location! managedBy tags", location=STR, name=STR),
    ),
    "Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01": Resource(
        "generated/storage/microsoft.storage/2023-05-01/types.json",
        Obj(
            "id~ name! type~ apiVersion~ properties etag~",
            name=STR,
            properties=Obj(
                (
                    "version~ deleted~ deletedTime~ remainingRetentionDays~ "
                    "defaultEncryptionScope denyEncryptionScopeOverride publicAccess "
                    "lastModifiedTime~ leaseStatus~ leaseState~ leaseDuration~ metadata "
                    "immutabilityPolicy~ legalHold~ hasLegalHold~ hasImmutabilityPolicy~ "
                    "immutableStorageWithVersioning enableNfsV3RootSquash "
                    "enableNfsV3AllSquash"
                ),
                publicAccess=Enum("Container", "Blob", "None"),
            ),
        ),
    ),
    "Microsoft.Storage/storageAccounts/blobServices@2023-05-01": Resource(
        "generated/storage/microsoft.storage/2023-05-01/types.json",
        Obj(
            "id~ name! type~ apiVersion~ properties sku~",
            name=Enum("default"),
            properties=Obj(
                (
                    "cors defaultServiceVersion deleteRetentionPolicy isVersioningEnabled "
                    "automaticSnapshotPolicyEnabled changeFeed restorePolicy "
                    "containerDeleteRetentionPolicy lastAccessTimeTrackingPolicy"
                ),
                deleteRetentionPolicy=Obj("enabled days allowPermanentDelete", enabled=BOOL, days=INT),
                containerDeleteRetentionPolicy=Obj("enabled days allowPermanentDelete", enabled=BOOL, days=INT),
            ),
        ),
    ),
    "Microsoft.Storage/storageAccounts@2023-05-01": Resource(
        "generated/storage/microsoft.storage/2023-05-01/types.json",
        Obj(
            ("id~ name! type~ apiVersion~ sku! kind! location! extendedLocation tags identity properties"),
            location=STR,
            name=STR,
            sku=Obj("name! tier~", name=STR),
            kind=STR,
            properties=Obj(
                (
                    "allowedCopyScope publicNetworkAccess sasPolicy keyPolicy customDomain "
                    "encryption networkAcls accessTier "
                    "azureFilesIdentityBasedAuthentication supportsHttpsTrafficOnly "
                    "isSftpEnabled isLocalUserEnabled enableExtendedGroups isHnsEnabled "
                    "largeFileSharesState routingPreference allowBlobPublicAccess "
                    "minimumTlsVersion allowSharedKeyAccess isNfsV3Enabled "
                    "allowCrossTenantReplication defaultToOAuthAuthentication "
                    "immutableStorageWithVersioning dnsEndpointType provisioningState~ "
                    "primaryEndpoints~ primaryLocation~ statusOfPrimary~ "
                    "lastGeoFailoverTime~ secondaryLocation~ statusOfSecondary~ "
                    "creationTime~ keyCreationTime~ secondaryEndpoints~ "
                    "geoReplicationStats~ failoverInProgress~ privateEndpointConnections~ "
                    "blobRestoreStatus~ storageAccountSkuConversionStatus~ "
                    "isSkuConversionBlocked~ accountMigrationInProgress~"
                ),
                publicNetworkAccess=STR,
                encryption=Obj(
                    ("services keySource requireInfrastructureEncryption keyvaultproperties identity"),
                    services=Obj(
                        "blob file table queue",
                        blob=Obj("enabled lastEnabledTime~ keyType", enabled=BOOL),
                        file=Obj("enabled lastEnabledTime~ keyType", enabled=BOOL),
                        table=Obj("enabled lastEnabledTime~ keyType", enabled=BOOL, keyType=STR),
                        queue=Obj("enabled lastEnabledTime~ keyType", enabled=BOOL, keyType=STR),
                    ),
                    keySource=STR,
                    requireInfrastructureEncryption=BOOL,
                ),
                networkAcls=Obj(
                    "bypass resourceAccessRules virtualNetworkRules ipRules defaultAction!",
                    bypass=STR,
                    defaultAction=Enum("Allow", "Deny"),
                ),
                accessTier=Enum("Hot", "Cool", "Premium", "Cold"),
                supportsHttpsTrafficOnly=BOOL,
                allowBlobPublicAccess=BOOL,
                minimumTlsVersion=STR,
                allowSharedKeyAccess=BOOL,
                allowCrossTenantReplication=BOOL,
                defaultToOAuthAuthentication=BOOL,
            ),
        ),
    ),
    "Microsoft.Web/serverfarms@2024-04-01": Resource(
        "generated/web/microsoft.web/2024-04-01/types.json",
        Obj(
            ("id~ name! type~ apiVersion~ properties sku extendedLocation kind location! tags"),
            location=STR,
            name=STR,
            properties=Obj(
                (
                    "workerTierName status~ subscription~ hostingEnvironmentProfile "
                    "maximumNumberOfWorkers~ numberOfWorkers~ geoRegion~ perSiteScaling "
                    "elasticScaleEnabled maximumElasticWorkerCount numberOfSites~ isSpot "
                    "spotExpirationTime freeOfferExpirationTime resourceGroup~ reserved "
                    "isXenon hyperV targetWorkerCount targetWorkerSizeId provisioningState~ "
                    "kubeEnvironmentProfile zoneRedundant"
                ),
                reserved=BOOL,
            ),
            sku=Obj("name tier size family capacity skuCapacity locations capabilities", name=STR, tier=STR),
            kind=STR,
        ),
    ),
    # A DiscriminatedObjectType on `name`; its elements `ftp` and `scm` define the same properties.
    "Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01": Resource(
        "generated/web/microsoft.web/2024-04-01/types.json",
        Obj(
            "id~ name! type~ apiVersion~ properties kind", name=Enum("ftp", "scm"), properties=Obj("allow!", allow=BOOL)
        ),
    ),
    "Microsoft.Web/sites@2024-04-01": Resource(
        "generated/web/microsoft.web/2024-04-01/types.json",
        Obj(
            ("id~ name! type~ apiVersion~ properties identity extendedLocation kind location! tags"),
            location=STR,
            name=STR,
            properties=Obj(
                (
                    "state~ hostNames~ repositorySiteName~ usageState~ enabled "
                    "enabledHostNames~ availabilityState~ hostNameSslStates serverFarmId "
                    "reserved isXenon hyperV lastModifiedTimeUtc~ dnsConfiguration "
                    "vnetRouteAllEnabled vnetImagePullEnabled vnetContentShareEnabled "
                    "vnetBackupRestoreEnabled siteConfig functionAppConfig daprConfig "
                    "workloadProfileName resourceConfig trafficManagerHostNames~ "
                    "scmSiteAlsoStopped targetSwapSlot~ hostingEnvironmentProfile "
                    "clientAffinityEnabled clientCertEnabled clientCertMode "
                    "clientCertExclusionPaths ipMode endToEndEncryptionEnabled "
                    "hostNamesDisabled customDomainVerificationId outboundIpAddresses~ "
                    "possibleOutboundIpAddresses~ containerSize dailyMemoryTimeQuota "
                    "suspendedTill~ maxNumberOfWorkers~ cloningInfo resourceGroup~ "
                    "isDefaultContainer~ defaultHostName~ slotSwapStatus~ httpsOnly "
                    "redundancyMode inProgressOperationId~ publicNetworkAccess "
                    "storageAccountRequired keyVaultReferenceIdentity "
                    "autoGeneratedDomainNameLabelScope virtualNetworkSubnetId "
                    "managedEnvironmentId sku~"
                ),
                siteConfig=Obj(
                    (
                        "numberOfWorkers defaultDocuments netFrameworkVersion phpVersion "
                        "pythonVersion nodeVersion powerShellVersion linuxFxVersion "
                        "windowsFxVersion requestTracingEnabled requestTracingExpirationTime "
                        "remoteDebuggingEnabled remoteDebuggingVersion httpLoggingEnabled "
                        "acrUseManagedIdentityCreds acrUserManagedIdentityID "
                        "logsDirectorySizeLimit detailedErrorLoggingEnabled publishingUsername "
                        "appSettings metadata connectionStrings machineKey~ handlerMappings "
                        "documentRoot scmType use32BitWorkerProcess webSocketsEnabled alwaysOn "
                        "javaVersion javaContainer javaContainerVersion appCommandLine "
                        "managedPipelineMode virtualApplications loadBalancing experiments "
                        "limits autoHealEnabled autoHealRules tracingOptions vnetName "
                        "vnetRouteAllEnabled vnetPrivatePortsCount cors push apiDefinition "
                        "apiManagementConfig autoSwapSlotName localMySqlEnabled "
                        "managedServiceIdentityId xManagedServiceIdentityId "
                        "keyVaultReferenceIdentity ipSecurityRestrictions "
                        "ipSecurityRestrictionsDefaultAction scmIpSecurityRestrictions "
                        "scmIpSecurityRestrictionsDefaultAction "
                        "scmIpSecurityRestrictionsUseMain http20Enabled minTlsVersion "
                        "minTlsCipherSuite scmMinTlsVersion ftpsState preWarmedInstanceCount "
                        "functionAppScaleLimit elasticWebAppScaleLimit healthCheckPath "
                        "functionsRuntimeScaleMonitoringEnabled websiteTimeZone "
                        "minimumElasticInstanceCount azureStorageAccounts publicNetworkAccess"
                    ),
                    remoteDebuggingEnabled=BOOL,
                    appSettings=Arr(Obj("name value")),
                    http20Enabled=BOOL,
                    minTlsVersion=STR,
                    scmMinTlsVersion=STR,
                ),
                functionAppConfig=Obj(
                    "deployment runtime scaleAndConcurrency",
                    deployment=Obj(
                        "storage",
                        storage=Obj(
                            "type value authentication",
                            type=STR,
                            authentication=Obj(
                                "type userAssignedIdentityResourceId storageAccountConnectionStringName", type=STR
                            ),
                        ),
                    ),
                    runtime=Obj("name version", name=STR, version=STR),
                    scaleAndConcurrency=Obj(
                        "alwaysReady maximumInstanceCount instanceMemoryMB triggers",
                        alwaysReady=Arr(Obj("name instanceCount", name=STR)),
                    ),
                ),
                clientCertEnabled=BOOL,
                httpsOnly=BOOL,
                publicNetworkAccess=STR,
            ),
            identity=Obj(
                "type tenantId~ principalId~ userAssignedIdentities",
                type=Enum("SystemAssigned", "UserAssigned", "SystemAssigned, UserAssigned", "None"),
                userAssignedIdentities=Obj(extra=Obj("principalId~ clientId~")),
            ),
            kind=STR,
        ),
    ),
}
