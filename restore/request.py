"""The product's public restore request: one validated model for every front door (see docs/api.md).

Field errors keep their own location; cross-field rules are checked on the raw input as well, so one
`ValidationError` names every bad field at once. The strict callback URL rule (HTTPS, no private or
loopback host) applies when the caller passes `context={"allow_insecure_callback": bool}`, as the front doors
do (with `CALLBACK_ALLOW_INSECURE`, http and internal hosts pass but link-local and metadata addresses never do); a
context-free validation (an orchestrator re-reading its input) checks only the URL's shape.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    StrictBool,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import InitErrorDetails, PydanticCustomError

from azbackup.ids import same_prefix
from azbackup.models_restore import RehydrationPriority
from restore.fields import (
    VM_NAME,
    DiskEncryptionSetId,
    IdentityId,
    ProtectedItemId,
    RecoveryPointRef,
    ResourceGroupId,
    ResourceGuardRequestId,
    StorageAccountId,
    SubnetId,
    SubscriptionId,
    VaultId,
    VmId,
    VnetId,
    Zone,
)
from restore.hosts import host_problem

# Azure VM backup keeps yearly points up to 99 years (https://learn.microsoft.com/azure/backup/backup-support-matrix-iaas
# "Retention limits"); a longer maxAge means nothing and an absurd one overflows date arithmetic.
MAX_AGE = timedelta(days=99 * 366)


class RecoveryPointPolicy(StrEnum):
    """How to choose a recovery point when no explicit `recoveryPointId` is given."""

    LATEST = "latest"
    LATEST_APP_CONSISTENT = "latestAppConsistent"
    LATEST_CRASH_CONSISTENT = "latestCrashConsistent"
    LATEST_FILE_SYSTEM_CONSISTENT = "latestFileSystemConsistent"


class RestoreMode(StrEnum):
    """What the restore produces."""

    RESTORE_DISKS = "restoreDisks"
    REPLACE_DISKS = "replaceDisks"
    NEW_VM = "newVm"


# Fields that name a target resource (checked against RESTORE_ALLOWED_SCOPES and targetSubscriptionId).
TARGET_ID_FIELDS: tuple[str, ...] = (
    "storage_account_id", "target_resource_group_id", "target_vnet_id", "target_subnet_id",
    "disk_encryption_set_id", "restore_identity_id",
)
_NEW_VM_ONLY = ("target_vm_name", "target_vnet_id", "target_subnet_id")
_NEW_VM_REQUIRED = ("target_vm_name", "target_resource_group_id", "target_vnet_id", "target_subnet_id")


class Rehydration(BaseModel):
    """How to rehydrate an archive-tier recovery point before restoring it."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid")

    priority: RehydrationPriority = RehydrationPriority.STANDARD
    duration_days: int = Field(default=15, ge=10, le=30, description="days the rehydrated point stays readable")


MAX_APPROVAL_TIMEOUT = timedelta(days=1)  # one durable timer; every timer stays under 1 day (restore/payloads.py)


class Approval(BaseModel):
    """A human approval the restore waits for before it triggers anything in Azure."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid")

    required: bool = Field(default=True, description="wait for `approve` before triggering")
    timeout: timedelta = Field(default=timedelta(hours=2), description="ISO-8601 duration, PT1M to P1D; then the "
                                                                       "restore ends cancelled")
    approvers: list[Annotated[str, Field(min_length=1, max_length=256)]] | None = Field(
        default=None, min_length=1, max_length=50, description="only these names may approve or reject")

    @field_validator("timeout")
    @classmethod
    def _timeout(cls, value: timedelta) -> timedelta:
        if not timedelta(minutes=1) <= value <= MAX_APPROVAL_TIMEOUT:
            raise ValueError("must be an ISO-8601 duration from PT1M to P1D")
        return value


class RestoreRequest(BaseModel):
    """What to restore, from which recovery point, and where to."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid")

    vm_id: VmId | None = Field(default=None, description="source VM resource ID (or give protectedItemId)")
    protected_item_id: ProtectedItemId | None = Field(default=None, description="backup item ID (or give vmId)")
    vault_id: VaultId | None = Field(
        default=None, description="vault that protects vmId: the item is then found in the vault, not through "
                                  "the VM's region (needed for crossRegion while the primary region is down)")
    recovery_point_id: RecoveryPointRef | None = Field(
        default=None, description="explicit recovery point (name or full ID); excludes recoveryPointPolicy")
    recovery_point_policy: RecoveryPointPolicy | None = Field(
        default=None, description="how to choose the point; `latest` when neither this nor recoveryPointId is given")
    before: AwareDatetime | None = Field(default=None, description="only points taken before this time")
    max_age: timedelta | None = Field(default=None, description="only points younger than this ISO-8601 duration")
    cross_region: StrictBool = Field(default=False, description="restore in the vault's secondary region")
    mode: RestoreMode = Field(default=RestoreMode.RESTORE_DISKS, description="what the restore produces")
    storage_account_id: StorageAccountId | None = Field(default=None, description="staging storage account")
    target_resource_group_id: ResourceGroupId | None = Field(default=None, description="resource group for disks/VM")
    disk_luns: list[Annotated[int, Field(ge=0, le=63)]] | None = Field(
        default=None, min_length=1, max_length=64, description="restore only these data disk LUNs")
    os_disk_only: StrictBool = Field(default=False, description="restore only the OS disk")
    target_vm_name: str | None = Field(default=None, description="name of the new VM (mode newVm)")
    target_vnet_id: VnetId | None = Field(default=None, description="virtual network of the new VM (mode newVm)")
    target_subnet_id: SubnetId | None = Field(default=None, description="subnet of the new VM, inside targetVnetId")
    target_subscription_id: SubscriptionId | None = Field(
        default=None, description="subscription to restore into (cross-subscription restore)")
    zones: list[Zone] | None = Field(default=None, min_length=1, max_length=1, description="availability zone")
    disk_encryption_set_id: DiskEncryptionSetId | None = Field(default=None, description="DES for restored disks")
    restore_identity_id: IdentityId | None = Field(
        default=None, description="user-assigned identity for managed-identity restore")
    rehydration: Rehydration | None = Field(default=None, description="archive rehydration options")
    restore_with_managed_disks: StrictBool | None = Field(
        default=None, description="restore a VM with unmanaged disks as managed disks")
    resource_guard_operation_requests: list[ResourceGuardRequestId] | None = Field(
        default=None, min_length=1, max_length=10, description="Resource Guard operation request IDs (MUA vaults)")
    callback_url: str | None = Field(default=None, max_length=2048, description="HTTPS URL notified once at the end")
    reason: str | None = Field(default=None, max_length=1000, description="free text kept in the result")
    approval: Approval | None = Field(default=None, description="wait for a human approval before triggering")

    @field_validator("target_vm_name")
    @classmethod
    def _vm_name(cls, value: str | None) -> str | None:
        if value is not None and not VM_NAME.match(value):
            raise ValueError("1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
        return value

    @field_validator("disk_luns")
    @classmethod
    def _unique_luns(cls, value: list[int] | None) -> list[int] | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError("LUNs must be unique")
        return value

    @field_validator("max_age")
    @classmethod
    def _positive_age(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value <= timedelta(0):
            raise ValueError("must be a positive ISO-8601 duration, e.g. P7D")
        if value is not None and value > MAX_AGE:
            raise ValueError(f"must be at most P{MAX_AGE.days}D (the longest Azure Backup retention)")
        return value


    @field_validator("callback_url")
    @classmethod
    def _callback(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            context = info.context if isinstance(info.context, dict) else None
            strict = None if context is None else not context.get("allow_insecure_callback", False)
            problem = callback_url_problem(value, strict=strict)
            if problem:
                raise ValueError(problem)
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _all_rules(cls, data: Any, handler: ModelWrapValidatorHandler[RestoreRequest]) -> RestoreRequest:
        if not isinstance(data, dict):
            return handler(data)
        data = _with_default_policy(data)
        try:
            model = handler(data)
        except ValidationError as exc:  # report the rules too, read from the raw input, so one answer names all
            raw = [_init_error(cls, field, reason, data) for field, reason in cross_field_problems(data)]
            raise ValidationError.from_exception_data(cls.__name__, [*_reraise_details(exc), *raw]) from None
        # A request that passed field validation is judged on its validated values (strict booleans, parsed IDs).
        wire = model.to_wire()
        errors = [_init_error(cls, field, reason, wire) for field, reason in cross_field_problems(wire)]
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        return model

    @property
    def source_id(self) -> str:
        """The VM or protected item the restore reads from."""
        return self.vm_id or self.protected_item_id or ""

    def target_ids(self) -> dict[str, str]:
        """Target resource IDs by camelCase field name (only those given)."""
        return {to_camel(name): value for name in TARGET_ID_FIELDS if (value := getattr(self, name))}

    def to_wire(self) -> dict[str, Any]:
        """The JSON-able camelCase form (orchestration input, API bodies); `None` fields left out."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def callback_url_problem(url: str, strict: bool | None) -> str | None:
    """Why `url` cannot be a callback URL, or None.

    `strict`: HTTPS to a globally routable host; False (CALLBACK_ALLOW_INSECURE): http and loopback/private hosts
    too, but never link-local or metadata addresses; None: the URL's shape only (an orchestrator re-reading input).
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018  # raises ValueError for a port that is not a number in range
    except ValueError:
        return "not a valid URL"
    if parts.scheme not in ("http", "https") or not host:
        return "must be an absolute http(s) URL"
    if parts.username or parts.password:
        return "must not carry credentials"
    if strict is None:
        return None
    if strict and parts.scheme != "https":
        return "must use https"
    return host_problem(host, allow_internal=not strict)


def _get(data: dict[str, Any], name: str) -> Any:
    """A raw input value by field name or camelCase alias."""
    camel = to_camel(name)
    return data[camel] if camel in data else data.get(name)


def _with_default_policy(data: dict[str, Any]) -> dict[str, Any]:
    if _get(data, "recovery_point_id") is None and _get(data, "recovery_point_policy") is None:
        return {**data, "recoveryPointPolicy": RecoveryPointPolicy.LATEST.value}
    return data


def cross_field_problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, reason) for every rule that spans fields, read from raw input (either spelling)."""
    problems = _source_problems(data) + _point_problems(data) + _mode_problems(data) + _target_problems(data)
    if _get(data, "disk_luns") and _get(data, "os_disk_only") is True:
        problems.append(("os_disk_only", "give diskLuns or osDiskOnly, not both"))
    return problems


def _source_problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    vm, item = _get(data, "vm_id"), _get(data, "protected_item_id")
    if vm is None and item is None:
        return [("vm_id", "one of vmId or protectedItemId is required")]
    if vm is not None and item is not None:
        return [("protected_item_id", "give vmId or protectedItemId, not both")]
    if item is not None and _get(data, "vault_id") is not None:
        return [("vault_id", "give vaultId with vmId; protectedItemId already names its vault")]
    return []


def _point_problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    if _get(data, "recovery_point_id") is None:
        return []
    problems = []
    point, item = _get(data, "recovery_point_id"), _get(data, "protected_item_id")
    if isinstance(point, str) and "/" in point and isinstance(item, str) \
            and not same_prefix(point, item.rstrip("/") + "/recoveryPoints/"):
        problems.append(("recovery_point_id", "must be a recovery point of protectedItemId"))
    if _get(data, "recovery_point_policy") is not None:
        problems.append(("recovery_point_policy", "give recoveryPointId or recoveryPointPolicy, not both"))
    for name in ("before", "max_age"):
        if _get(data, name) is not None:
            problems.append((name, f"{to_camel(name)} applies to recoveryPointPolicy, not to recoveryPointId"))
    return problems


def _mode_problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    mode = _get(data, "mode") or RestoreMode.RESTORE_DISKS.value
    if mode not in set(RestoreMode):
        return []  # the field error says why
    problems: list[tuple[str, str]] = []
    if mode == RestoreMode.NEW_VM:
        problems += [(n, "required when mode is newVm") for n in _NEW_VM_REQUIRED if _get(data, n) is None]
    else:
        problems += [(n, "only for mode newVm") for n in _NEW_VM_ONLY if _get(data, n) is not None]
    # Every restore stages through a storage account: every official restore example and DOC-R's requests send
    # `storageAccountId` (or `identityBasedRestoreDetails.targetStorageAccountId`), and az CLI's `restore_disks`
    # takes `storage_account` with no default (src/azure-cli/azure/cli/command_modules/backup/custom.py).
    if _get(data, "storage_account_id") is None:
        problems.append(("storage_account_id", "required: every restore stages through a storage account (in the "
                                               "secondary region for crossRegion)"))
    if _get(data, "cross_region") is True:
        problems += _cross_region_problems(data)
    if mode == RestoreMode.REPLACE_DISKS:
        if _get(data, "cross_region") is True:
            problems.append(("cross_region", "replaceDisks is not supported for cross-region restore"))
        for name in ("target_resource_group_id", "target_subscription_id", "zones"):
            if _get(data, name) is not None:
                problems.append((name, "not used by replaceDisks, which restores into the original VM"))
    return problems


def _cross_region_problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    """az CLI refuses both (src/azure-cli/azure/cli/command_modules/backup/_validators.py `validate_crr`)."""
    problems: list[tuple[str, str]] = []
    if _get(data, "target_resource_group_id") is None and (_get(data, "mode") or "restoreDisks") != "replaceDisks":
        problems.append(("target_resource_group_id", "required for crossRegion: a resource group in the secondary "
                                                     "region"))
    if _get(data, "rehydration") is not None:
        problems.append(("rehydration", "not supported for crossRegion: archive-tier points cannot be restored from "
                                        "the secondary region"))
    return problems


def _target_problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    vnet, subnet = _get(data, "target_vnet_id"), _get(data, "target_subnet_id")
    if isinstance(vnet, str) and isinstance(subnet, str) and not same_prefix(subnet, vnet + "/subnets/"):
        problems.append(("target_subnet_id", "must be a subnet of targetVnetId"))
    subscription = _get(data, "target_subscription_id")
    if isinstance(subscription, str):
        for name in ("target_resource_group_id", "target_vnet_id", "target_subnet_id", "disk_encryption_set_id"):
            value = _get(data, name)
            if isinstance(value, str) and not same_prefix(value, subscription + "/"):
                problems.append((name, "must be in targetSubscriptionId"))
    return problems


def _init_error(cls: type[BaseModel], name: str, reason: str, data: dict[str, Any]) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError("restore_rule", reason), loc=(to_camel(name),),
                            input=_get(data, name))


def _reraise_details(exc: ValidationError) -> list[InitErrorDetails]:
    return [InitErrorDetails(type=PydanticCustomError(str(err["type"]), str(err["msg"])),
                             loc=tuple(err["loc"]), input=err.get("input")) for err in exc.errors()]
