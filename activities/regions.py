"""Where resources live: a resource's region (through the client, when it can tell) and Azure region pairs."""

from __future__ import annotations

from azbackup.client import BackupClient

# Azure paired regions (learn.microsoft.com/azure/reliability/cross-region-replication-azure): the secondary
# region of a GRS vault, where cross-region restore runs.
REGION_PAIRS: dict[str, str] = {
    "eastus": "westus", "westus": "eastus", "eastus2": "centralus", "centralus": "eastus2",
    "northcentralus": "southcentralus", "southcentralus": "northcentralus", "westus2": "westcentralus",
    "westcentralus": "westus2", "westus3": "eastus", "westeurope": "northeurope", "northeurope": "westeurope",
    "uksouth": "ukwest", "ukwest": "uksouth", "southeastasia": "eastasia", "eastasia": "southeastasia",
    "japaneast": "japanwest", "japanwest": "japaneast", "australiaeast": "australiasoutheast",
    "australiasoutheast": "australiaeast", "centralindia": "southindia", "southindia": "centralindia",
    "canadacentral": "canadaeast", "canadaeast": "canadacentral", "francecentral": "francesouth",
    "francesouth": "francecentral", "germanywestcentral": "germanynorth", "germanynorth": "germanywestcentral",
    "swedencentral": "swedensouth", "swedensouth": "swedencentral", "koreacentral": "koreasouth",
    "koreasouth": "koreacentral", "brazilsouth": "southcentralus",
}


def paired_region(region: str | None) -> str | None:
    return REGION_PAIRS.get(region.lower()) if region else None


def resource_location(client: BackupClient, resource_id: str | None) -> str | None:
    """The region of a VM or vault, read from ARM; None when no ID is given."""
    return client.get_resource_location(resource_id) if resource_id else None
