"""A region outage the emulator can stage (scenario `regionOutage`): which region a request needs, and how the
request fails when that region is down.

Which region a request needs. ARM is global, but it proxies every request for a resource to the resource
provider's endpoint in the resource's region: "ARM will proxy the request to the appropriate region based on the
resource's location" (Azure/azure-resource-manager-rpc `v1.0/Addendum.md`, "Regional Endpoints"), so
  * a VM GET needs the VM's region (Microsoft.Compute), a vault GET and every primary-region Backup call on a vault
    path (items, recovery points, restore, operation status, jobs, cancel, validate) need the vault's region;
  * `locations/{region}/...` calls need that region: `backupStatus` (the VM's region) and the CRR calls, which go
    to the secondary region;
  * the CRR ("passive stamp", `RecoveryServicesBackupCrr/stable/2023-01-15/bms.json`) calls on vault paths (CRR
    recovery points, access token, protected items) are served by the vault's secondary region: that is what the
    CRR api-version selects, and what lets a cross-region restore run while the primary region is down
    (MicrosoftDocs/azure-docs `articles/backup/backup-create-rs-vault.md`, "Set Cross Region Restore": CRR lets
    you "restore the VM or its disk if there's a disaster in the primary region");
  * a restore writes into the target resource group and reads the staging account, VNet and source VM: "all
    control plane operations are routed through the resource group's location" and "if the resource group's
    region is temporarily unavailable, you can't update resources in the resource group"
    (learn.microsoft.com/azure/azure-resource-manager/management/overview#resource-groups); so a restore or
    validation naming any of them in a region that is down fails too.
Reads ARM serves from its own replicated metadata keep working. ARM's control plane is spread over regions and
keeps its own data replicated (learn.microsoft.com/azure/azure-resource-manager/management/overview, section
"Resiliency of Azure Resource Manager", paraphrased), and the generic resource lists (`Resources_ListByResourceGroup`,
`GET .../resourceGroups/{rg}/resources`, specification/resources/resource-manager/Microsoft.Resources/stable/
2021-04-01/resources.json) are answered by ARM from that data, not by a provider. The emulator serves that one list
(id, name, type, location of vaults, VMs and storage accounts): it is how a client learns a vault's region, and so its
secondary region, while the primary is down. No Backup, Compute or vault GET is served from ARM's cache: each is
proxied to the provider (RPC `v1.0/resource-api-reference.md`, "Get a specific resource").

How it fails. No public source shows ARM's body for a regional endpoint that does not answer. What the contract
says a client meets is: a 5xx from the server ("Return a 5xx status code indicating a server failure (e.g. 500
InternalServerError; 503 Service Unavailable)"), a socket-level failure ("network drop; no listening socket"; both
RPC `Addendum.md`, "Retrying REST Calls"), or, when the provider does not answer within 60 s, "a 504 (timeout)
error code" (RPC `common-api-details.md`, "Client Request Timeout"), whose ARM body is `GatewayTimeout` "The gateway
did not receive a response from 'Microsoft.Compute' within the specified time period." (as ARM reports it, e.g. in
the Azure Stack troubleshooting notes). The emulator draws one of the three per request from a generator seeded
with `regionOutageSeed`, so a run is reproducible.
"""

from __future__ import annotations

import random
from typing import Any

from emulator import ids
from emulator.exceptions import RegionUnavailable
from emulator.resources import World
from emulator.scenario import Scenario
from emulator.state import ServiceState

RECOVERY_SERVICES = "Microsoft.RecoveryServices"
COMPUTE = "Microsoft.Compute"
FAILURES = ("ServiceUnavailable", "GatewayTimeout", "Drop")


class RegionOutage:
    def __init__(self, state: ServiceState) -> None:
        self.state = state
        self._rng = random.Random(0)
        self._rng_for: Scenario | None = None

    def down(self) -> list[str]:
        return self.state.scenario.region_outage

    def region_of(self, served_by: str, params: dict[str, str], crr: bool) -> str | None:
        """The region that serves a request to a route (`urls.Route.served_by`); None when the resource is unknown
        (ARM has no location to route to: the provider answers 404 from any region)."""
        world = self.state.world
        if served_by == "global":
            # ARM answers from its own replicated metadata (module docstring), and a subscription-wide list is
            # fanned out by ARM: no one region serves it.
            return None
        if served_by == "location":
            return params["region"].lower()
        if served_by == "vm":
            vm = world.vms.get(ids.key(ids.vm_id(params["sub"], params["rg"], params["vm"])))
            return vm.region.lower() if vm else None
        vault = world.vaults.get(ids.key(ids.vault_id(params["sub"], params["rg"], params["vault"])))
        if vault is None:
            return None
        if crr:
            return (vault.secondary_region or world.region_pairs.get(vault.region.lower()) or vault.region).lower()
        return vault.region.lower()

    def check(self, region: str | None, provider: str = RECOVERY_SERVICES) -> None:
        """Raises: RegionUnavailable when `region` is down."""
        if region and region.lower() in self.down():
            raise RegionUnavailable(region.lower(), provider)

    def check_restore_targets(self, request: dict[str, Any]) -> None:
        """The resources a restore request names must be reachable. Raises: RegionUnavailable."""
        if self.down():
            for region, provider in _target_regions(self.state.world, request):
                self.check(region, provider)

    def draw(self) -> str:
        """How this failing request fails: one of FAILURES, from a generator seeded with `regionOutageSeed` that
        starts again whenever the scenario is set (PUT or reset), so the same scenario gives the same sequence."""
        scenario = self.state.scenario
        if self._rng_for is not scenario:
            self._rng, self._rng_for = random.Random(scenario.region_outage_seed), scenario
        return self._rng.choice(FAILURES)


def _target_regions(world: World, request: dict[str, Any]) -> list[tuple[str | None, str]]:
    """(region, provider) of the staging account, target groups, VNet, subnet and (replace disks) the source VM."""
    identity = request.get("identityBasedRestoreDetails") or {}
    account = world.storage_accounts.get(ids.key(str(request.get("storageAccountId")
                                                     or identity.get("targetStorageAccountId") or "")))
    found: list[tuple[str | None, str]] = [(account.region if account else None, "Microsoft.Storage")]
    for group_id in (request.get("targetResourceGroupId"), ids.rg_of(str(request.get("targetVirtualMachineId") or ""))):
        group = world.resource_groups.get(ids.key(str(group_id or "")))
        found.append((group.region if group else None, "Microsoft.Resources"))
    found.append((world.vnets.get(ids.key(str(request.get("virtualNetworkId") or ""))), "Microsoft.Network"))
    subnet = world.subnets.get(ids.key(str(request.get("subnetId") or "")))
    found.append((subnet.region if subnet else None, "Microsoft.Network"))
    if request.get("recoveryType") == "OriginalLocation":
        vm = world.vms.get(ids.key(str(request.get("sourceResourceId") or "")))
        found.append((vm.region if vm else None, COMPUTE))
    return found
