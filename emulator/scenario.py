"""Per-scenario knobs (durations in service seconds, Retry-After values, outcomes); PUT merges, reset restores."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from emulator.progress import ProgressProfile, ProgressReport


class JobOutcome(StrEnum):
    COMPLETED = "Completed"
    COMPLETED_WITH_WARNINGS = "CompletedWithWarnings"
    FAILED = "Failed"


class OperationOutcome(StrEnum):
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"


class ValidationMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str
    message: str
    recommendations: list[str] = Field(default_factory=list)


class Scenario(BaseModel):
    """Every knob documented in docs/emulator.md ("Scenario")."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid",
                              validate_assignment=True)

    operation_seconds: float = Field(180.0, ge=0)
    job_seconds: float = Field(2400.0, ge=0)
    retry_after_seconds: int = Field(60, ge=0)
    validate_seconds: float = Field(20.0, ge=0)
    validate_retry_after_seconds: int = Field(10, ge=0)
    cancel_seconds: float = Field(60.0, ge=0)
    job_result: JobOutcome = JobOutcome.COMPLETED
    operation_result: OperationOutcome = OperationOutcome.SUCCEEDED
    # The service names the job in the CRR operation status, as in the primary one: az CLI reads
    # `operation_status.properties.job_id` right after the CRR operation (custom_help.py `track_backup_crr_job`) and
    # the schema carries it (RecoveryServicesBackupCrr/stable/2023-01-15/bms.json `OperationStatusJobExtendedInfo`).
    # The official example shows none; `false` stages that.
    crr_job_id_in_operation: bool = True
    replication_lag_seconds: float = Field(43200.0, ge=0)
    token_lifetime_seconds: float = Field(86400.0, gt=0)
    crr_token_lifetime_seconds: float | None = Field(None, gt=0)
    validation_errors: list[ValidationMessage] = Field(default_factory=list)
    page_size: int = Field(200, ge=1)
    progress_profile: ProgressProfile = ProgressProfile.LINEAR
    eta_error_pct: float = Field(0.0, ge=-100, le=1000)
    eta_seed: int = 0
    region_outage: list[str] = Field(default_factory=list)
    region_outage_seed: int = 0
    # Restores whose result fails a drill's validation, by source VM name (restore_effects.py): the new VM stays
    # stopped, its provisioning fails, or the restored disks come back `restored_disk_size_delta_gb` larger.
    restored_vm_stopped: list[str] = Field(default_factory=list)
    restored_vm_provisioning_failed: list[str] = Field(default_factory=list)
    restored_disk_size_differs: list[str] = Field(default_factory=list)
    restored_disk_size_delta_gb: int = Field(64, ge=1)

    @field_validator("restored_vm_stopped", "restored_vm_provisioning_failed", "restored_disk_size_differs")
    @classmethod
    def _lower_case_names(cls, names: list[str]) -> list[str]:
        # VM names compare case-insensitively in ARM.
        return sorted({n.strip().lower() for n in names if n.strip()})

    @field_validator("region_outage")
    @classmethod
    def _lower_case_regions(cls, regions: list[str]) -> list[str]:
        # Azure region names compare case-insensitively ("westeurope" = "WestEurope"); keep one spelling.
        return sorted({r.strip().lower() for r in regions if r.strip()})

    def progress_report(self, ordinal: int) -> ProgressReport:
        """How the `ordinal`-th restore job since the last reset reports progress and remaining time."""
        return ProgressReport(self.progress_profile, self.eta_error_pct, self.eta_seed, ordinal)

    @property
    def crr_token_lifetime(self) -> float:
        return self.crr_token_lifetime_seconds or self.token_lifetime_seconds

    def merged(self, patch: dict[str, object]) -> Scenario:
        """A copy with `patch` (camelCase or snake_case keys) applied and validated."""
        data = self.model_dump(by_alias=True)
        fields = {name: info.alias or name for name, info in Scenario.model_fields.items()}
        for key, value in patch.items():
            data[fields.get(key, key)] = value
        return Scenario.model_validate(data)
