"""Backup status, protected item and cross-region restore (CRR) wire models."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from azbackup.models_common import ArmModel, ArmResource
from azbackup.models_restore import IaasVmRestoreRequest


class BackupStatus(ArmModel):
    """Response of `BackupStatus_Get`: whether a VM is protected, and by which vault and item."""

    protection_status: str | None = None
    vault_id: str | None = None
    fabric_name: str | None = None
    container_name: str | None = None
    protected_item_name: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    policy_name: str | None = None
    registration_status: str | None = None

    @property
    def is_protected(self) -> bool:
        return (self.protection_status or "").lower() in ("protected", "protecting") and bool(self.vault_id)


class ProtectedItemProperties(ArmModel):
    """`AzureIaaSComputeVMProtectedItem` properties (the fields a restore needs)."""

    protected_item_type: str | None = None
    backup_management_type: str | None = None
    workload_type: str | None = None
    container_name: str | None = None
    friendly_name: str | None = None
    source_resource_id: str | None = None
    virtual_machine_id: str | None = None
    policy_id: str | None = None
    protection_state: str | None = None
    protection_status: str | None = None
    health_status: str | None = None
    last_recovery_point: datetime | None = None
    last_backup_time: datetime | None = None


class ProtectedItem(ArmResource):
    """A protected item (`ProtectedItemResource`)."""

    location: str | None = None
    properties: ProtectedItemProperties = Field(default_factory=ProtectedItemProperties)


class ProtectedItemList(ArmModel):
    """One page of `BackupProtectedItems_List` / `BackupProtectedItemsCrr_List`."""

    value: list[ProtectedItem] = Field(default_factory=list)
    next_link: str | None = None


class AadPropertiesDetails(ArmModel):
    """`properties` of `AADPropertiesResource`: the secondary region's AAD audience for CRR tokens."""

    audience: str | None = None
    authority: str | None = None
    service_principal_client_id: str | None = None
    service_principal_object_id: str | None = None
    tenant_id: str | None = None


class AadProperties(ArmModel):
    """`AADPropertiesResource`: returned by `AadProperties_Get`, sent as-is to `RecoveryPoints_GetAccessToken`."""

    id: str | None = None
    name: str | None = None
    type: str | None = None
    properties: AadPropertiesDetails = Field(default_factory=AadPropertiesDetails)


class CrrAccessToken(ArmModel):
    """A CRR access token (`WorkloadCrrAccessToken`). A secret: never log it, never put it in durable state."""

    object_type: str | None = None
    access_token_string: str | None = Field(default=None, repr=False)
    subscription_id: str | None = None
    resource_group_name: str | None = None
    resource_name: str | None = None
    resource_id: str | None = None
    recovery_point_id: str | None = None
    # Not an ISO date in the service's answer ("10/3/2019 1:35:19 AM"), so it stays a string.
    recovery_point_time: str | None = None
    container_name: str | None = None
    container_type: str | None = None
    backup_management_type: str | None = None
    datasource_type: str | None = None
    datasource_name: str | None = None
    datasource_id: str | None = None
    datasource_container_name: str | None = None
    coordinator_service_stamp_id: str | None = None
    coordinator_service_stamp_uri: str | None = None
    protection_service_stamp_id: str | None = None
    protection_service_stamp_uri: str | None = None
    token_extended_information: str | None = Field(default=None, repr=False)
    rp_tier_information: dict[str, str] | None = None

    def __repr__(self) -> str:
        # Extra (unknown) fields could hold token material too: show only identifying fields.
        return f"CrrAccessToken(object_type={self.object_type!r}, recovery_point_id={self.recovery_point_id!r})"

    __str__ = __repr__


class CrrAccessTokenResource(ArmResource):
    """Response of `RecoveryPoints_GetAccessToken`: `{id, name, type, properties: CrrAccessToken}`."""

    properties: CrrAccessToken = Field(default_factory=CrrAccessToken)

    def __repr__(self) -> str:
        return f"CrrAccessTokenResource(id={self.id!r}, properties={self.properties!r})"

    __str__ = __repr__


class CrossRegionRestoreRequest(ArmModel):
    """Body of `CrossRegionRestore_Trigger` (no `properties` wrapper)."""

    cross_region_restore_access_details: CrrAccessToken
    restore_request: IaasVmRestoreRequest

    def __repr__(self) -> str:
        return f"CrossRegionRestoreRequest(restore_request={self.restore_request!r})"

    __str__ = __repr__


class CrrJobRequest(ArmModel):
    """Body of `BackupCrrJobDetails_Get` / `BackupCrrJobs_List`."""

    resource_id: str | None = None
    job_name: str | None = None
