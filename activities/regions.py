"""Where resources live: a resource's region (through the client, when it can tell) and Azure region pairs."""

from __future__ import annotations

from typing import Any

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


def resource_location(client: Any, resource_id: str | None) -> str | None:
    """The region of `resource_id`, when the client can read it (`get_resource_location`), else None."""
    reader = getattr(client, "get_resource_location", None)
    if reader is None or not resource_id:
        return None
    location = reader(resource_id)
    return str(location).lower().replace(" ", "") if location else None
