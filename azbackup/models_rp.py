"""Recovery point wire models (`RecoveryPointResource` with `IaasVMRecoveryPoint` properties)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from azbackup.models_common import ArmModel, ArmResource, CaseInsensitiveEnum, lenient


class RecoveryPointTierType(CaseInsensitiveEnum):
    """Where a copy lives; ordinals match the numeric codes older API versions send (1 = InstantRP)."""

    INVALID = "Invalid"
    INSTANT_RP = "InstantRP"
    HARDENED_RP = "HardenedRP"
    ARCHIVED_RP = "ArchivedRP"


class RecoveryPointTierStatus(CaseInsensitiveEnum):
    """State of one tier; ordinals match the numeric codes (1 = Valid)."""

    INVALID = "Invalid"
    VALID = "Valid"
    DISABLED = "Disabled"
    DELETED = "Deleted"
    REHYDRATED = "Rehydrated"


LenientRecoveryPointTierStatus = Annotated[RecoveryPointTierStatus | str, *lenient(RecoveryPointTierStatus)]
LenientRecoveryPointTierType = Annotated[RecoveryPointTierType | str, *lenient(RecoveryPointTierType)]


class RecoveryPointTier(ArmModel):
    """One entry of `recoveryPointTierDetails`."""

    type: LenientRecoveryPointTierType = RecoveryPointTierType.INVALID
    status: LenientRecoveryPointTierStatus = RecoveryPointTierStatus.INVALID
    extended_info: dict[str, Any] | None = None

    @property
    def is_usable(self) -> bool:
        """A tier a restore can read from without rehydration."""
        return self.status in (RecoveryPointTierStatus.VALID, RecoveryPointTierStatus.REHYDRATED)


class RecoveryPointProperties(ArmModel):
    """`IaasVMRecoveryPoint` properties (the fields a restore decision needs; the rest are kept as extras)."""

    object_type: str | None = None
    recovery_point_type: str | None = None
    recovery_point_time: datetime | None = None
    recovery_point_tier_details: list[RecoveryPointTier] | None = None
    zones: list[str] | None = None
    is_managed_virtual_machine: bool | None = None
    is_source_vm_encrypted: bool | None = Field(default=None, alias="isSourceVMEncrypted")
    source_vm_storage_type: str | None = Field(default=None, alias="sourceVMStorageType")
    virtual_machine_size: str | None = None
    original_storage_account_option: bool | None = None
    os_type: str | None = None
    security_type: str | None = None
    recovery_point_disk_configuration: dict[str, Any] | None = None
    recovery_point_move_readiness_info: dict[str, Any] | None = None


class RecoveryPoint(ArmResource):
    """A recovery point; `name` is its ID within the item (a decimal string)."""

    properties: RecoveryPointProperties = Field(default_factory=RecoveryPointProperties)

    @property
    def time(self) -> datetime | None:
        return self.properties.recovery_point_time

    @property
    def tiers(self) -> list[RecoveryPointTier]:
        return list(self.properties.recovery_point_tier_details or [])

    @property
    def is_archive_only(self) -> bool:
        """True when only the archive tier holds data that has not been rehydrated (a restore needs rehydration)."""
        usable = [t for t in self.tiers if t.status == RecoveryPointTierStatus.VALID]
        rehydrated = any(t.status == RecoveryPointTierStatus.REHYDRATED for t in self.tiers)
        return not rehydrated and bool(usable) and all(t.type == RecoveryPointTierType.ARCHIVED_RP for t in usable)


class RecoveryPointList(ArmModel):
    """One page of `RecoveryPoints_List`."""

    value: list[RecoveryPoint] = Field(default_factory=list)
    next_link: str | None = None
