"""Resource ID helpers: case-insensitive keys and the Azure Backup container/item naming scheme."""

from __future__ import annotations

import re

_VM_RE = re.compile(
    r"^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.Compute/virtualMachines/([^/]+)$",
    re.IGNORECASE)


def key(resource_id: str) -> str:
    """Dictionary key for an ARM ID: ARM IDs compare case-insensitively, trailing slashes ignored."""
    return resource_id.rstrip("/").lower()


def vm_id(subscription: str, resource_group: str, name: str) -> str:
    return f"{rg_id(subscription, resource_group)}/providers/Microsoft.Compute/virtualMachines/{name}"


def parse_vm_id(resource_id: str) -> tuple[str, str, str] | None:
    match = _VM_RE.match(resource_id.rstrip("/"))
    return (match.group(1), match.group(2), match.group(3)) if match else None


def rg_id(subscription: str, resource_group: str) -> str:
    return f"/subscriptions/{subscription}/resourceGroups/{resource_group}"


def vault_id(subscription: str, resource_group: str, name: str) -> str:
    return f"{rg_id(subscription, resource_group)}/providers/Microsoft.RecoveryServices/vaults/{name}"


def storage_id(subscription: str, resource_group: str, name: str) -> str:
    return f"{rg_id(subscription, resource_group)}/providers/Microsoft.Storage/storageAccounts/{name}"


def vnet_id(subscription: str, resource_group: str, name: str) -> str:
    return f"{rg_id(subscription, resource_group)}/providers/Microsoft.Network/virtualNetworks/{name}"


def disk_id(subscription: str, resource_group: str, name: str) -> str:
    return f"{rg_id(subscription, resource_group)}/providers/Microsoft.Compute/disks/{name}"


def container_name(resource_group: str, vm: str) -> str:
    return f"IaasVMContainer;iaasvmcontainerv2;{resource_group};{vm}"


def item_name(resource_group: str, vm: str) -> str:
    return f"VM;iaasvmcontainerv2;{resource_group};{vm}"


def short_container(name: str) -> str:
    """Normalise `IaasVMContainer;iaasvmcontainerv2;rg;vm`, `iaasvmcontainerv2;rg;vm`, `VM;iaasvmcontainerv2;rg;vm`."""
    parts = name.lower().split(";")
    while parts and parts[0] in ("iaasvmcontainer", "vm"):
        parts = parts[1:]
    return ";".join(parts)


def rg_of(resource_id: str) -> str | None:
    """`/subscriptions/{s}/resourceGroups/{rg}` prefix of any ID, or None."""
    match = re.match(r"^(/subscriptions/[^/]+/resourceGroups/[^/]+)", resource_id, re.IGNORECASE)
    return match.group(1) if match else None


def sub_of(resource_id: str) -> str | None:
    match = re.match(r"^/subscriptions/([^/]+)", resource_id, re.IGNORECASE)
    return match.group(1) if match else None


def last_segment(resource_id: str) -> str:
    return resource_id.rstrip("/").rsplit("/", 1)[-1]


_VAULT_RE = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.RecoveryServices/vaults/[^/]+$", re.IGNORECASE)


def is_vault_id(resource_id: str) -> bool:
    return bool(_VAULT_RE.match(resource_id.rstrip("/")))
