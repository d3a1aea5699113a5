"""Static resources the Backup service knows about: regions, resource groups, VMs, disks, networks, storage, vaults,
protected items and recovery points. Mutable dataclasses; the backend owns them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from emulator import ids

REGION_PAIRS: dict[str, str] = {
    "eastus": "westus", "westus": "eastus", "eastus2": "centralus", "centralus": "eastus2",
    "northcentralus": "southcentralus", "southcentralus": "northcentralus", "westus2": "westcentralus",
    "westcentralus": "westus2", "westus3": "eastus", "westeurope": "northeurope", "northeurope": "westeurope",
    "uksouth": "ukwest", "ukwest": "uksouth", "southeastasia": "eastasia", "eastasia": "southeastasia",
    "japaneast": "japanwest", "japanwest": "japaneast", "australiaeast": "australiasoutheast",
    "australiasoutheast": "australiaeast", "centralindia": "southindia", "southindia": "centralindia",
    "canadacentral": "canadaeast", "canadaeast": "canadacentral", "francecentral": "francesouth",
    "francesouth": "francecentral", "germanywestcentral": "germanynorth", "germanynorth": "germanywestcentral",
    "eastus2euap": "centraluseuap", "centraluseuap": "eastus2euap",
}

# Short region codes used in the CRR AAD audience (`https://RecoveryServices/IaasCoord/aadmgmt/{code}`).
REGION_CODES: dict[str, str] = {"southeastasia": "sea", "eastasia": "ea", "westeurope": "we", "northeurope": "ne",
                                "eastus": "eus", "westus": "wus", "eastus2": "eus2", "centralus": "cus"}


@dataclass
class Disk:
    id: str
    name: str
    lun: int | None  # None: OS disk
    size_gb: int = 128
    sku: str = "Premium_LRS"
    region: str = ""
    vm_id: str | None = None
    created_by_job: str | None = None


@dataclass
class VirtualMachine:
    id: str
    name: str
    resource_group: str
    subscription: str
    region: str
    size: str = "Standard_D2s_v3"
    zone: str | None = None
    os_type: str = "Linux"
    encrypted: bool = False
    os_disk: Disk | None = None
    data_disks: list[Disk] = field(default_factory=list)
    created_by_job: str | None = None
    nic_ids: list[str] = field(default_factory=list)
    provisioning_state: str = "Succeeded"  # Succeeded | Failed (a restored VM staged to fail, see compute.py)
    power_state: str = "running"  # the `PowerState/...` code of the instance view
    tags: dict[str, str] = field(default_factory=dict)

    def disks(self) -> list[Disk]:
        return ([self.os_disk] if self.os_disk else []) + self.data_disks

    def luns(self) -> list[int]:
        return sorted(d.lun for d in self.data_disks if d.lun is not None)


@dataclass
class NetworkInterface:
    id: str
    region: str
    subnet_id: str | None = None
    vm_id: str | None = None
    created_by_job: str | None = None


@dataclass
class BlobContainer:
    """A container in a storage account (ARM ID `{account}/blobServices/default/containers/{name}`) and its blobs."""

    id: str
    account_id: str
    blobs: list[str] = field(default_factory=list)
    created_by_job: str | None = None


@dataclass
class StorageAccount:
    id: str
    region: str
    sku: str = "Standard_LRS"
    kind: str = "StorageV2"


@dataclass
class Subnet:
    id: str
    vnet_id: str
    region: str


@dataclass
class ResourceGroup:
    id: str
    region: str
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class Vault:
    id: str
    name: str
    resource_group: str
    subscription: str
    region: str
    cross_region_restore: bool = False
    secondary_region: str | None = None


@dataclass
class RecoveryPoint:
    name: str
    time: datetime
    type: str = "AppConsistent"  # AppConsistent | CrashConsistent | FileSystemConsistent
    tiers: list[tuple[str, str]] = field(default_factory=lambda: [("InstantRP", "Valid"), ("HardenedRP", "Valid")])
    zones: list[str] = field(default_factory=list)
    luns: list[int] = field(default_factory=list)
    vm_size: str = "Standard_D2s_v3"
    os_type: str = "Linux"
    encrypted: bool = False
    rehydrated_until: datetime | None = None

    @property
    def is_archive_only(self) -> bool:
        usable = {t for t, status in self.tiers if status in ("Valid", "Rehydrated")}
        return usable == {"ArchivedRP"} and self.rehydrated_until is None

    def in_secondary(self, now: datetime, lag_seconds: float) -> bool:
        """A secondary-region copy exists once the replication lag has passed (vault-tier points only)."""
        has_vault_copy = any(t in ("HardenedRP", "ArchivedRP") and s != "Deleted" for t, s in self.tiers)
        return has_vault_copy and self.time + timedelta(seconds=lag_seconds) <= now


@dataclass
class ProtectedItem:
    vault_id: str
    vm_id: str
    vm_name: str
    vm_resource_group: str
    policy_name: str = "DefaultPolicy"
    protected_item_data_id: str = "17592186044416"
    points: dict[str, RecoveryPoint] = field(default_factory=dict)

    @property
    def container_name(self) -> str:
        return ids.container_name(self.vm_resource_group, self.vm_name)

    @property
    def item_name(self) -> str:
        return ids.item_name(self.vm_resource_group, self.vm_name)

    @property
    def id(self) -> str:
        container = f"{self.vault_id}/backupFabrics/Azure/protectionContainers/{self.container_name}"
        return f"{container}/protectedItems/{self.item_name}"

    @property
    def short_key(self) -> str:
        return ids.short_container(self.container_name)

    def sorted_points(self) -> list[RecoveryPoint]:
        return sorted(self.points.values(), key=lambda rp: rp.time, reverse=True)


@dataclass
class Subscription:
    id: str
    tenant_id: str = "72f988bf-86f1-41af-91ab-2d7cd011db47"


@dataclass
class World:
    """Every resource, keyed by `ids.key(id)`."""

    region_pairs: dict[str, str] = field(default_factory=lambda: dict(REGION_PAIRS))
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    resource_groups: dict[str, ResourceGroup] = field(default_factory=dict)
    vms: dict[str, VirtualMachine] = field(default_factory=dict)
    disks: dict[str, Disk] = field(default_factory=dict)
    storage_accounts: dict[str, StorageAccount] = field(default_factory=dict)
    vnets: dict[str, str] = field(default_factory=dict)  # key -> region
    subnets: dict[str, Subnet] = field(default_factory=dict)
    vaults: dict[str, Vault] = field(default_factory=dict)
    items: dict[tuple[str, str], ProtectedItem] = field(default_factory=dict)  # (vault key, short container)
    nics: dict[str, NetworkInterface] = field(default_factory=dict)
    containers: dict[str, BlobContainer] = field(default_factory=dict)

    def item_for_vm(self, vm_id: str) -> ProtectedItem | None:
        wanted = ids.key(vm_id)
        return next((it for it in self.items.values() if ids.key(it.vm_id) == wanted), None)

    def find_item(self, vault_id: str, container: str, item: str) -> ProtectedItem | None:
        short = ids.short_container(container)
        if ids.short_container(item) != short:
            return None
        return self.items.get((ids.key(vault_id), short))

    def add_vm(self, vm: VirtualMachine) -> None:
        self.vms[ids.key(vm.id)] = vm
        for disk in vm.disks():
            disk.vm_id = vm.id
            self.disks[ids.key(disk.id)] = disk
