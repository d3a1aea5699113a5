"""Parse and build the ARM resource IDs and Azure Backup names a VM restore needs.

ARM compares IDs case-insensitively, and so does Azure Backup for container and item names
(`GetBackupStatus` answers `iaasvmcontainer;iaasvmcontainerv2;testRg;testVm` for `IaasVMContainer;...`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from azbackup.errors import InvalidResourceIdError

FABRIC = "Azure"
CONTAINER_PREFIX = "IaasVMContainer"
CONTAINER_KIND = "iaasvmcontainerv2"
ITEM_PREFIX = "VM"

_SEGMENT = re.compile(r"^[^/\s?#\\]+$")
_SUBSCRIPTION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]{0,63}$")
# Resource group: letters, digits, '_', '-', '.', '(', ')'; not ending in '.' (ARM naming rules).
_RESOURCE_GROUP = re.compile(r"^[\w\-.()]{0,89}[\w\-()]$")
# Names used inside container/item names: ';' is the separator, so it can never be part of a name.
_NAME = re.compile(r"^[^/;\\\s?#]{1,260}$")


def _fail(part: str, value: str, reason: str) -> InvalidResourceIdError:
    return InvalidResourceIdError(part, value, reason)


def _check(part: str, value: str, segment: str, pattern: re.Pattern[str] = _SEGMENT) -> str:
    if not segment or not pattern.match(segment):
        raise _fail(part, value, f"{segment!r} is not a valid {part} name")
    return segment


def _segments(resource_id: str) -> list[str]:
    if not isinstance(resource_id, str) or not resource_id.startswith("/"):
        raise _fail("resource ID", str(resource_id), "must start with '/subscriptions/'")
    return resource_id.strip().rstrip("/").split("/")[1:]


def _expect(parts: list[str], index: int, keyword: str, value: str) -> str:
    """The name after `keyword` at `index`, checking the keyword case-insensitively."""
    if len(parts) <= index or parts[index].lower() != keyword.lower():
        found = parts[index] if len(parts) > index else "nothing"
        raise _fail(keyword, value, f"expected '{keyword}' at segment {index + 1}, found {found!r}")
    if len(parts) <= index + 1 or not parts[index + 1]:
        raise _fail(keyword, value, f"missing the name after '{keyword}'")
    return parts[index + 1]


def _prefix(parts: list[str], value: str) -> tuple[str, str]:
    sub = _check("subscription", value, _expect(parts, 0, "subscriptions", value), _SUBSCRIPTION)
    rg = _check("resourceGroups", value, _expect(parts, 2, "resourceGroups", value), _RESOURCE_GROUP)
    return sub, rg


def _provider(parts: list[str], value: str, namespace: str, rtype: str, length: int) -> str:
    provider = _expect(parts, 4, "providers", value)
    if provider.lower() != namespace.lower():
        raise _fail("provider", value, f"expected {namespace!r}, found {provider!r}")
    name = _check(rtype, value, _expect(parts, 6, rtype, value))
    if len(parts) != length:
        raise _fail(rtype, value, f"unexpected segments after the {rtype} name")
    return name


@dataclass(frozen=True)
class VmId:
    """A `Microsoft.Compute/virtualMachines` resource ID."""

    subscription_id: str
    resource_group: str
    name: str

    @property
    def id(self) -> str:
        return vm_id(self.subscription_id, self.resource_group, self.name)


@dataclass(frozen=True)
class VaultId:
    """A `Microsoft.RecoveryServices/vaults` resource ID."""

    subscription_id: str
    resource_group: str
    name: str

    @property
    def id(self) -> str:
        return vault_id(self.subscription_id, self.resource_group, self.name)


@dataclass(frozen=True)
class ProtectedItemId:
    """A protected item: vault, fabric, container and item name."""

    subscription_id: str
    resource_group: str
    vault_name: str
    fabric: str
    container: str
    item: str

    @property
    def vault_id(self) -> str:
        return vault_id(self.subscription_id, self.resource_group, self.vault_name)

    @property
    def id(self) -> str:
        return protected_item_id(self.vault_id, self.container, self.item, self.fabric)


@dataclass(frozen=True)
class RecoveryPointId:
    """A recovery point: its protected item and its name (a decimal string such as `348916168024334`)."""

    item: ProtectedItemId
    name: str

    @property
    def id(self) -> str:
        return recovery_point_id(self.item.id, self.name)


@dataclass(frozen=True)
class SubnetId:
    """A `Microsoft.Network/virtualNetworks/subnets` resource ID."""

    subscription_id: str
    resource_group: str
    virtual_network: str
    name: str

    @property
    def virtual_network_id(self) -> str:
        return virtual_network_id(self.subscription_id, self.resource_group, self.virtual_network)

    @property
    def id(self) -> str:
        return f"{self.virtual_network_id}/subnets/{self.name}"


def vm_id(subscription_id: str, resource_group: str, name: str) -> str:
    """The ARM ID of a virtual machine."""
    return f"{resource_group_id(subscription_id, resource_group)}/providers/Microsoft.Compute/virtualMachines/{name}"


def parse_vm_id(value: str) -> VmId:
    """Parse a VM resource ID. Raises: InvalidResourceIdError naming the wrong part."""
    parts = _segments(value)
    sub, rg = _prefix(parts, value)
    name = _provider(parts, value, "Microsoft.Compute", "virtualMachines", 8)
    _check("virtualMachines", value, name, _NAME)
    return VmId(sub, rg, name)


def vault_id(subscription_id: str, resource_group: str, name: str) -> str:
    """The ARM ID of a Recovery Services vault."""
    return f"{resource_group_id(subscription_id, resource_group)}/providers/Microsoft.RecoveryServices/vaults/{name}"


def parse_vault_id(value: str) -> VaultId:
    """Parse a vault resource ID. Raises: InvalidResourceIdError naming the wrong part."""
    parts = _segments(value)
    sub, rg = _prefix(parts, value)
    return VaultId(sub, rg, _provider(parts, value, "Microsoft.RecoveryServices", "vaults", 8))


def container_name(resource_group: str, vm_name: str) -> str:
    """The protection container name of an ARM VM: `IaasVMContainer;iaasvmcontainerv2;{rg};{vm}`."""
    return f"{CONTAINER_PREFIX};{CONTAINER_KIND};{resource_group};{vm_name}"


def item_name(resource_group: str, vm_name: str) -> str:
    """The protected item name of an ARM VM: `VM;iaasvmcontainerv2;{rg};{vm}`."""
    return f"{ITEM_PREFIX};{CONTAINER_KIND};{resource_group};{vm_name}"


def _parse_name(part: str, value: str, prefix: str) -> tuple[str, str]:
    fields = value.split(";")
    # Protected item properties carry the container name without its "IaasVMContainer;" prefix.
    if len(fields) == 4 and fields[0].lower() == prefix.lower():
        fields = fields[1:]
    if len(fields) != 3 or fields[0].lower() != CONTAINER_KIND:
        raise _fail(part, value, f"expected '{prefix};{CONTAINER_KIND};{{resourceGroup}};{{vmName}}'")
    _check(part, value, fields[1], _RESOURCE_GROUP)
    _check(part, value, fields[2], _NAME)
    return fields[1], fields[2]


def parse_container_name(value: str) -> tuple[str, str]:
    """`(resource_group, vm_name)` from a container name, any case. Raises: InvalidResourceIdError."""
    return _parse_name("container name", value, CONTAINER_PREFIX)


def parse_item_name(value: str) -> tuple[str, str]:
    """`(resource_group, vm_name)` from a protected item name, any case. Raises: InvalidResourceIdError."""
    return _parse_name("protected item name", value, ITEM_PREFIX)


def protected_item_id(vault: str, container: str, item: str, fabric: str = FABRIC) -> str:
    """The ARM ID of a protected item in `vault` (a vault ID)."""
    base = vault.rstrip("/")
    return f"{base}/backupFabrics/{fabric}/protectionContainers/{container}/protectedItems/{item}"


def _item_from_parts(parts: list[str], value: str) -> ProtectedItemId:
    sub, rg = _prefix(parts, value)
    provider = _expect(parts, 4, "providers", value)
    if provider.lower() != "microsoft.recoveryservices":
        raise _fail("provider", value, f"expected 'Microsoft.RecoveryServices', found {provider!r}")
    vault = _check("vaults", value, _expect(parts, 6, "vaults", value))
    fabric = _check("backupFabrics", value, _expect(parts, 8, "backupFabrics", value))
    container = _expect(parts, 10, "protectionContainers", value)
    item = _expect(parts, 12, "protectedItems", value)
    parse_container_name(container)
    parse_item_name(item)
    return ProtectedItemId(sub, rg, vault, fabric, container, item)


def parse_protected_item_id(value: str) -> ProtectedItemId:
    """Parse a protected item ID. Raises: InvalidResourceIdError naming the wrong part."""
    parts = _segments(value)
    result = _item_from_parts(parts, value)
    if len(parts) != 14:
        raise _fail("protectedItems", value, "unexpected segments after the protected item name")
    return result


def recovery_point_id(item_id: str, name: str) -> str:
    """The ARM ID of recovery point `name` of protected item `item_id`."""
    return f"{item_id.rstrip('/')}/recoveryPoints/{name}"


def parse_recovery_point_id(value: str) -> RecoveryPointId:
    """Parse a recovery point ID. Raises: InvalidResourceIdError naming the wrong part."""
    parts = _segments(value)
    item = _item_from_parts(parts, value)
    name = _check("recoveryPoints", value, _expect(parts, 14, "recoveryPoints", value))
    if len(parts) != 16:
        raise _fail("recoveryPoints", value, "unexpected segments after the recovery point name")
    return RecoveryPointId(item, name)


def resource_group_id(subscription_id: str, resource_group: str) -> str:
    """The ARM ID of a resource group."""
    return f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}"


def parse_resource_group_id(value: str) -> tuple[str, str]:
    """`(subscription_id, resource_group)` of a resource group ID. Raises: InvalidResourceIdError."""
    parts = _segments(value)
    sub, rg = _prefix(parts, value)
    if len(parts) != 4:
        raise _fail("resourceGroups", value, "expected '/subscriptions/{id}/resourceGroups/{name}' only")
    return sub, rg


def storage_account_id(subscription_id: str, resource_group: str, name: str) -> str:
    """The ARM ID of a storage account."""
    rg = resource_group_id(subscription_id, resource_group)
    return f"{rg}/providers/Microsoft.Storage/storageAccounts/{name}"


def parse_storage_account_id(value: str) -> tuple[str, str, str]:
    """`(subscription_id, resource_group, name)` of a storage account ID. Raises: InvalidResourceIdError."""
    parts = _segments(value)
    sub, rg = _prefix(parts, value)
    name = _provider(parts, value, "Microsoft.Storage", "storageAccounts", 8)
    _check("storageAccounts", value, name, re.compile(r"^[a-z0-9]{3,24}$"))
    return sub, rg, name


def virtual_network_id(subscription_id: str, resource_group: str, name: str) -> str:
    """The ARM ID of a virtual network."""
    return f"{resource_group_id(subscription_id, resource_group)}/providers/Microsoft.Network/virtualNetworks/{name}"


def parse_subnet_id(value: str) -> SubnetId:
    """Parse a subnet ID. Raises: InvalidResourceIdError naming the wrong part."""
    parts = _segments(value)
    sub, rg = _prefix(parts, value)
    provider = _expect(parts, 4, "providers", value)
    if provider.lower() != "microsoft.network":
        raise _fail("provider", value, f"expected 'Microsoft.Network', found {provider!r}")
    vnet = _check("virtualNetworks", value, _expect(parts, 6, "virtualNetworks", value))
    subnet = _check("subnets", value, _expect(parts, 8, "subnets", value))
    if len(parts) != 10:
        raise _fail("subnets", value, "unexpected segments after the subnet name")
    return SubnetId(sub, rg, vnet, subnet)


def subscription_of(value: str) -> str:
    """The subscription ID of any resource ID, or `value` itself when it is a bare subscription ID.

    Raises: InvalidResourceIdError.
    """
    if not value.startswith("/"):
        return _check("subscription", value, value, _SUBSCRIPTION)
    return _check("subscription", value, _expect(_segments(value), 0, "subscriptions", value), _SUBSCRIPTION)


def check_segment(part: str, value: str) -> str:
    """`value` when it is one safe path segment (a recovery point name, job ID, region); no '/', '..', '?', '#'.

    Raises: InvalidResourceIdError.
    """
    if not isinstance(value, str) or value in (".", "..") or not _SEGMENT.match(value):
        raise _fail(part, str(value), "must be one non-empty path segment")
    return value


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold(value: str) -> str:
    """ARM's case-insensitivity is ASCII only: `str.lower` would also fold e.g. KELVIN SIGN to `k`."""
    return value.translate(_ASCII_LOWER)


def same_id(left: str, right: str) -> bool:
    """True when two resource IDs (or names) denote the same resource: ARM IDs are case-insensitive (ASCII)."""
    return fold(left.strip().rstrip("/")) == fold(right.strip().rstrip("/"))


def same_prefix(value: str, prefix: str) -> bool:
    """True when `value` starts with `prefix`, ASCII case-insensitively."""
    return fold(value).startswith(fold(prefix))


def is_within_scope(resource_id: str, scope: str) -> bool:
    """True when `resource_id` is `scope` or below it, comparing whole path segments case-insensitively.

    `/subscriptions/a/resourceGroups/rg` contains `.../rg/providers/...` but not `/subscriptions/a/resourceGroups/rg2`.
    """
    scope_parts = [fold(p) for p in scope.strip().strip("/").split("/")]
    id_parts = [fold(p) for p in resource_id.strip().strip("/").split("/")]
    if not scope.strip().startswith("/") or not resource_id.strip().startswith("/"):
        return False
    if not all(scope_parts) or not all(id_parts) or any(p in (".", "..") for p in id_parts):
        return False
    return len(id_parts) >= len(scope_parts) and id_parts[: len(scope_parts)] == scope_parts
