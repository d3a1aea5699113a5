"""The ARM route table (moto's urls.py): method, path regex (case-insensitive), handler, API family."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.responses import Response

from emulator import responses as p
from emulator import responses_compute as cp
from emulator import responses_crr as c
from emulator import responses_resources as r
from emulator.httpctx import Ctx

PRIMARY_VERSIONS = frozenset({
    "2016-06-01", "2016-08-10", "2016-12-01", "2017-07-01", "2019-05-13", "2019-06-15", "2020-02-02", "2020-09-01",
    "2020-10-01", "2020-12-01", "2021-01-01", "2021-02-01", "2021-03-01", "2021-04-01", "2021-06-01", "2021-07-01",
    "2021-08-01", "2021-10-01", "2021-12-01", "2022-01-01", "2022-02-01", "2022-03-01", "2022-04-01", "2022-06-01",
    "2022-09-01", "2022-10-01", "2023-01-01", "2023-02-01", "2023-04-01", "2023-06-01", "2023-08-01", "2024-01-01",
    "2024-02-01", "2024-04-01", "2024-07-30", "2024-10-01", "2025-01-01", "2025-02-01", "2025-08-01", "2026-02-01",
})
CRR_VERSIONS = frozenset({"2018-12-20", "2021-11-15", "2023-01-15", "2023-01-15-preview"})
# Microsoft.Resources api-versions of Resources_ListByResourceGroup and ResourceGroups_Get (specification/resources/
# resource-manager/Microsoft.Resources/stable/<version>/resources.json; a recent stable subset).
RESOURCES_VERSIONS = frozenset({"2021-04-01", "2022-09-01", "2023-07-01", "2024-03-01", "2024-07-01", "2024-11-01"})
# Microsoft.Compute virtualMachines api-versions the VM GET accepts (a recent stable subset).
COMPUTE_VERSIONS = frozenset({"2023-03-01", "2023-07-01", "2023-09-01", "2024-03-01", "2024-07-01", "2024-11-01"})
# Microsoft.Compute disks (DiskRP/stable/<version>/disk.json), Microsoft.Network (stable/<version>/
# networkInterface.json) and Microsoft.Storage (stable/<version>/blob.json) api-versions: recent stable subsets.
DISK_VERSIONS = frozenset({"2023-01-02", "2023-04-02", "2023-10-02", "2024-03-02"})
NETWORK_VERSIONS = frozenset({"2023-09-01", "2023-11-01", "2024-01-01", "2024-03-01", "2024-05-01"})
STORAGE_VERSIONS = frozenset({"2023-01-01", "2023-04-01", "2023-05-01", "2024-01-01"})

SUB = r"/subscriptions/(?P<sub>[^/]+)"
LOC = SUB + r"/providers/Microsoft\.RecoveryServices/locations/(?P<region>[^/]+)"
VAULT = SUB + r"/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.RecoveryServices/vaults/(?P<vault>[^/]+)"
ITEM = VAULT + (r"/backupFabrics/(?P<fabric>[^/]+)/protectionContainers/(?P<container>[^/]+)"
                r"/protectedItems/(?P<item>[^/]+)")
RP = ITEM + r"/recoveryPoints/(?P<rp>[^/]+)"
RG = SUB + r"/resourceGroups/(?P<rg>[^/]+)"
RG_RESOURCES = RG + "/resources"
VMS = RG + r"/providers/Microsoft\.Compute/virtualMachines"
VM = VMS + r"/(?P<vm>[^/]+)"
DISK = SUB + r"/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.Compute/disks/(?P<disk>[^/]+)"
NIC = SUB + r"/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.Network/networkInterfaces/(?P<nic>[^/]+)"
CONTAINER = SUB + (r"/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.Storage/storageAccounts/(?P<account>[^/]+)"
                   r"/blobServices/default/containers/(?P<container>[^/]+)")

Handler = Callable[[Ctx], Awaitable[Response]]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    family: str  # primary | crr | both | compute | resources | disks | network | storage
    served_by: str  # the region that serves it (outage.py): vm | vault | location | global


def _r(method: str, path: str, handler: Handler, family: str = "primary", served_by: str | None = None) -> Route:
    served_by = served_by or ("vm" if family == "compute" else "global" if family == "resources" else
                              "location" if path.startswith(LOC) else "vault" if path.startswith(VAULT) else "global")
    return Route(method, re.compile(path + "/?", re.IGNORECASE), handler, family, served_by)


ROUTES: list[Route] = [
    _r("GET", VM, cp.get_vm, "compute"),
    # A group's VMs may live in several regions: no one region serves the list (ARM fans it out).
    _r("GET", VMS, r.list_vms, "compute", served_by="global"),
    _r("GET", VM + "/instanceView", cp.vm_instance_view, "compute"),
    _r("DELETE", VM, cp.delete_vm, "compute"),
    _r("GET", DISK, cp.get_disk, "disks"),
    _r("DELETE", DISK, cp.delete_disk, "disks"),
    _r("GET", NIC, cp.get_nic, "network"),
    _r("DELETE", NIC, cp.delete_nic, "network"),
    _r("GET", CONTAINER, cp.get_container, "storage"),
    _r("DELETE", CONTAINER, cp.delete_container, "storage"),
    _r("GET", RG_RESOURCES, r.list_group_resources, "resources"),
    _r("GET", RG, r.get_resource_group, "resources"),
    _r("GET", VAULT, r.get_vault),
    _r("GET", SUB + r"/providers/Microsoft\.RecoveryServices/vaults", r.list_vaults),
    _r("POST", LOC + "/backupStatus", p.backup_status),
    _r("GET", LOC + "/backupAadProperties", c.aad_properties, "crr"),
    _r("POST", LOC + "/backupCrossRegionRestore", c.trigger, "crr"),
    _r("GET", LOC + r"/backupCrrOperationsStatus/(?P<op>[^/]+)", c.operation_status, "crr"),
    _r("GET", LOC + r"/backupCrrOperationResults/(?P<op>[^/]+)", c.operation_result, "crr"),
    _r("POST", LOC + "/backupCrrJob", c.get_job, "crr"),
    _r("POST", LOC + "/backupCrrJobs", c.list_jobs, "crr"),
    _r("GET", LOC + "/backupCrrJobs", c.list_jobs, "crr"),
    _r("GET", ITEM, p.get_protected_item),
    _r("GET", ITEM + "/recoveryPoints", p.list_recovery_points, "both"),
    _r("GET", RP, p.get_recovery_point, "both"),
    _r("POST", RP + "/restore", p.trigger_restore),
    _r("POST", RP + "/accessToken", c.access_token, "crr"),
    _r("GET", ITEM + r"/operationsStatus/(?P<op>[^/]+)", p.item_operation_status),
    _r("GET", ITEM + r"/operationResults/(?P<op>[^/]+)", p.item_operation_result),
    _r("GET", VAULT + "/backupProtectedItems", p.list_protected_items, "both"),
    _r("GET", VAULT + r"/backupOperations/(?P<op>[^/]+)", p.vault_operation_status),
    _r("GET", VAULT + "/backupJobs", p.list_jobs),
    _r("GET", VAULT + r"/backupJobs/(?P<job>[^/]+)", p.get_job),
    _r("POST", VAULT + r"/backupJobs/(?P<job>[^/]+)/cancel", p.cancel_job),
    _r("GET", VAULT + r"/backupJobs/(?P<job>[^/]+)/operationResults/(?P<op>[^/]+)", p.cancel_result),
    _r("POST", VAULT + "/backupValidateOperation", p.validate),
    _r("POST", VAULT + "/backupTriggerValidateOperation", p.trigger_validate),
    _r("GET", VAULT + r"/backupValidateOperationResults/(?P<op>[^/]+)", p.validate_result),
    _r("GET", VAULT + r"/backupValidateOperationsStatuses/(?P<op>[^/]+)", p.validate_status),
]


def resolve(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route for `method path`, with its path parameters; a path that matches with another method → None."""
    for route in ROUTES:
        match = route.pattern.fullmatch(path)
        if match and route.method == method.upper():
            return route, match.groupdict()
    return None


def path_exists(path: str) -> bool:
    return any(route.pattern.fullmatch(path) for route in ROUTES)
