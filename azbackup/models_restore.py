"""Restore and validate request wire models (`IaasVMRestoreRequest` and friends)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from azbackup.models_common import ArmModel, CaseInsensitiveEnum, lenient


class RecoveryType(CaseInsensitiveEnum):
    """What a restore produces: disks, a new VM (`AlternateLocation`) or replaced disks (`OriginalLocation`)."""

    INVALID = "Invalid"
    ORIGINAL_LOCATION = "OriginalLocation"
    ALTERNATE_LOCATION = "AlternateLocation"
    RESTORE_DISKS = "RestoreDisks"
    OFFLINE = "Offline"


class RehydrationPriority(CaseInsensitiveEnum):
    """Archive rehydration priority."""

    STANDARD = "Standard"
    HIGH = "High"


LenientRecoveryType = Annotated[RecoveryType | str, *lenient(RecoveryType)]
LenientRehydrationPriority = Annotated[RehydrationPriority | str, *lenient(RehydrationPriority)]


class EncryptionDetails(ArmModel):
    """`encryptionDetails` of a restore request."""

    encryption_enabled: bool | None = None
    kek_url: str | None = None
    secret_key_url: str | None = None
    kek_vault_id: str | None = None
    secret_key_vault_id: str | None = None


class IdentityInfo(ArmModel):
    """Managed identity the restore uses to write into the target."""

    is_system_assigned_identity: bool | None = None
    managed_identity_resource_id: str | None = None


class IdentityBasedRestoreDetails(ArmModel):
    """Staging storage account addressed through the vault's managed identity."""

    object_type: str | None = None
    target_storage_account_id: str | None = None


class RecoveryPointRehydrationInfo(ArmModel):
    """How long a rehydrated archive point stays (ISO-8601, e.g. `P7D`) and how fast to rehydrate."""

    rehydration_retention_duration: str | None = None
    rehydration_priority: LenientRehydrationPriority | None = None


class IaasVmRestoreRequest(ArmModel):
    """`IaasVMRestoreRequest` (and, with `recoveryPointRehydrationInfo`, `IaasVMRestoreWithRehydrationRequest`)."""

    object_type: str = "IaasVMRestoreRequest"
    recovery_point_id: str | None = None
    recovery_type: LenientRecoveryType | None = None
    source_resource_id: str | None = None
    target_virtual_machine_id: str | None = None
    target_resource_group_id: str | None = None
    storage_account_id: str | None = None
    virtual_network_id: str | None = None
    subnet_id: str | None = None
    target_domain_name_id: str | None = None
    region: str | None = None
    affinity_group: str | None = None
    create_new_cloud_service: bool | None = None
    original_storage_account_option: bool | None = None
    encryption_details: EncryptionDetails | None = None
    restore_disk_lun_list: list[int] | None = None
    restore_with_managed_disks: bool | None = None
    disk_encryption_set_id: str | None = None
    zones: list[str] | None = None
    identity_info: IdentityInfo | None = None
    identity_based_restore_details: IdentityBasedRestoreDetails | None = None
    extended_location: dict[str, Any] | None = None
    secured_vm_details: dict[str, Any] | None = Field(default=None, alias="securedVMDetails")
    target_disk_network_access_settings: dict[str, Any] | None = None
    resource_guard_operation_requests: list[str] | None = None
    recovery_point_rehydration_info: RecoveryPointRehydrationInfo | None = None


class IaasVmRestoreWithRehydrationRequest(IaasVmRestoreRequest):
    """A restore from an archive-tier point that rehydrates it first."""

    object_type: str = "IaasVMRestoreWithRehydrationRequest"


class RestoreRequestResource(ArmModel):
    """Body of `Restores_Trigger`: `{"properties": <restore request>}`."""

    properties: IaasVmRestoreRequest


class ValidateIaasVmRestoreOperationRequest(ArmModel):
    """`properties` of a validate request."""

    object_type: str = "ValidateIaasVMRestoreOperationRequest"
    restore_request: IaasVmRestoreRequest


class ValidateOperationRequest(ArmModel):
    """Body of `Operation_Validate` / `ValidateOperation_Trigger`: the recovery point ID and the restore request."""

    id: str | None = None
    properties: ValidateIaasVmRestoreOperationRequest


class ValidationResult(ArmModel):
    """One problem a validation found (`code`, `message`, `recommendations`)."""

    code: str | None = None
    message: str | None = None
    recommendations: list[str] | None = None


class ValidateOperationResponse(ArmModel):
    """`validateOperationResponse` block."""

    validation_results: list[ValidationResult] | None = None


class ValidateOperationsResponse(ArmModel):
    """Response of a validation; no results means the restore request is valid."""

    validate_operation_response: ValidateOperationResponse | None = None

    @property
    def results(self) -> list[ValidationResult]:
        block = self.validate_operation_response
        return list(block.validation_results or []) if block else []


class BackupStatusRequest(ArmModel):
    """Body of `BackupStatus_Get`."""

    resource_type: Literal["VM"] | str = "VM"
    resource_id: str
    po_logical_name: str | None = None
