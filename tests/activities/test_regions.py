"""The secondary region of a vault: az CLI's pair table, sovereign clouds included; no pair is a clear error."""

from __future__ import annotations

import pytest

from activities.regions import NoPairedRegionError, paired_region, secondary_region

VAULT = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.RecoveryServices/" \
        "vaults/v"


@pytest.mark.parametrize(("primary", "secondary"), [
    ("westeurope", "northeurope"), ("West Europe", "northeurope"), ("westus3", "eastus"),
    ("brazilsoutheast", "brazilsouth"), ("swedencentral", "swedensouth"), ("norwayeast", "norwaywest"),
    ("switzerlandnorth", "switzerlandwest"), ("uaenorth", "uaecentral"), ("southafricanorth", "southafricawest"),
    ("chinanorth3", "chinaeast3"), ("usgovvirginia", "usgovtexas"), ("usdodeast", "usdodcentral"),
    ("usnateast", "usnatwest"), ("usseceast", "ussecwest"), ("bleufrancecentral", "bleufrancesouth"),
])
def test_the_pair_table_covers_public_and_sovereign_regions(primary: str, secondary: str) -> None:
    assert paired_region(primary) == secondary
    assert secondary_region(primary, VAULT) == secondary


@pytest.mark.parametrize("region", ["qatarcentral", "polandcentral", None])
def test_a_region_without_a_pair_is_a_clear_terminal_error(region: str | None) -> None:
    with pytest.raises(NoPairedRegionError) as caught:
        secondary_region(region, VAULT)
    info = caught.value.to_info()
    assert info.code == "NoPairedRegion" and not info.transient
    assert f"'{region or 'unknown'}'" in info.message and "has no paired secondary region" in info.message
