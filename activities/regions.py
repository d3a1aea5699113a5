"""Where resources live: a resource's region (through the client, when it can tell) and Azure region pairs."""

from __future__ import annotations

from azbackup.client import BackupClient
from restore.errors import RestoreError

# The secondary region of a GRS vault, where cross-region restore runs: the primary -> secondary table az CLI uses
# for every `--use-secondary-region` command (`secondary_region_map`, src/azure-cli/azure/cli/command_modules/
# backup/custom.py; Az PowerShell looks the secondary region up the same way, in `BackupUtils.regionMap`). It has the
# sovereign clouds (China, US Government, US DoD/Nat/Sec, Bleu). Not all pairs are symmetric (westus3 -> eastus,
# brazilsoutheast -> brazilsouth), so this is a map, not pairs.
SECONDARY_REGIONS: dict[str, str] = {
    "australiacentral": "australiacentral2", "australiacentral2": "australiacentral",
    "australiaeast": "australiasoutheast", "australiasoutheast": "australiaeast",
    "bleufrancecentral": "bleufrancesouth", "bleufrancesouth": "bleufrancecentral",
    "brazilsouth": "southcentralus", "brazilsoutheast": "brazilsouth",
    "canadacentral": "canadaeast", "canadaeast": "canadacentral",
    "centralindia": "southindia", "centralus": "eastus2", "centraluseuap": "eastus2euap",
    "chinaeast": "chinanorth", "chinaeast2": "chinanorth2", "chinaeast3": "chinanorth3",
    "chinanorth": "chinaeast", "chinanorth2": "chinaeast2", "chinanorth3": "chinaeast3",
    "eastasia": "southeastasia", "eastus": "westus", "eastus2": "centralus", "eastus3": "westus3",
    "eastus2euap": "centraluseuap", "francecentral": "francesouth", "francesouth": "francecentral",
    "germanycentral": "germanynortheast", "germanynorth": "germanywestcentral",
    "germanynortheast": "germanycentral", "germanywestcentral": "germanynorth",
    "japaneast": "japanwest", "japanwest": "japaneast", "jioindiacentral": "jioindiawest",
    "jioindiawest": "jioindiacentral", "koreacentral": "koreasouth", "koreasouth": "koreacentral",
    "malaysiasouth": "japanwest", "northcentralus": "southcentralus", "northeastus5": "centralus",
    "northeurope": "westeurope", "norwayeast": "norwaywest", "norwaywest": "norwayeast",
    "southafricanorth": "southafricawest", "southafricawest": "southafricanorth",
    "southcentralus": "northcentralus", "southcentralus2": "westcentralus", "southeastasia": "eastasia",
    "southeastus": "westus3", "southeastus3": "westus3", "southeastus5": "centralus", "southindia": "centralindia",
    "southwestus": "centralus", "swedencentral": "swedensouth", "swedensouth": "swedencentral",
    "switzerlandnorth": "switzerlandwest", "switzerlandwest": "switzerlandnorth",
    "taiwannorth": "taiwannorthwest", "taiwannorthwest": "taiwannorth", "uaecentral": "uaenorth",
    "uaenorth": "uaecentral", "uksouth": "ukwest", "ukwest": "uksouth", "usdodcentral": "usdodeast",
    "usdodeast": "usdodcentral", "usgovarizona": "usgovtexas", "usgoviowa": "usgovvirginia",
    "usgovtexas": "usgovarizona", "usgovvirginia": "usgovtexas", "usnateast": "usnatwest",
    "usnatwest": "usnateast", "usseceast": "ussecwest", "ussecwest": "usseceast",
    "westcentralus": "westus2", "westeurope": "northeurope", "westindia": "southindia", "westus": "eastus",
    "westus2": "westcentralus", "westus3": "eastus",
}


class NoPairedRegionError(RestoreError):
    """A cross-region restore of a vault whose region has no secondary region (no cross-region restore there)."""

    default_code = "NoPairedRegion"


def paired_region(region: str | None) -> str | None:
    """The secondary region of `region`, or None when it has none (or the region is unknown)."""
    return SECONDARY_REGIONS.get(region.lower().replace(" ", "")) if region else None


def secondary_region(region: str | None, vault_id: str) -> str:
    """The secondary region of a vault in `region`. Raises: NoPairedRegionError naming the region."""
    found = paired_region(region)
    if found is None:
        raise NoPairedRegionError(
            f"the vault {vault_id} is in region '{region or 'unknown'}', which has no paired secondary region: "
            "cross-region restore is not available there; restore in the primary region instead")
    return found


def resource_location(client: BackupClient, resource_id: str | None) -> str | None:
    """The region of a VM or vault, read from ARM; None when no ID is given."""
    return client.get_resource_location(resource_id) if resource_id else None
