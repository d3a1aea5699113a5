"""Cross-region restore: AAD properties, access tokens bound to a recovery point, CRR trigger and CRR jobs."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from emulator import ids
from emulator.clock import iso
from emulator.exceptions import BadRequest
from emulator.lifecycle import Operation
from emulator.resources import REGION_CODES
from emulator.validation import check_restore

if TYPE_CHECKING:
    from emulator.backend import Backend
    from emulator.resources import ProtectedItem, Vault


def audience(region: str) -> str:
    return f"https://RecoveryServices/IaasCoord/aadmgmt/{REGION_CODES.get(region.lower(), region.lower()[:4])}"


class CrrMixin:
    def aad_properties(self: Backend, subscription: str, region: str) -> dict[str, Any]:
        known = set(self.world.region_pairs) | set(self.world.region_pairs.values())
        if region.lower() not in known:
            raise BadRequest("BMSUserErrorInvalidRegion", f"'{region}' is not a supported Azure region.")
        sub = self.world.subscriptions.get(subscription.lower())
        tenant = sub.tenant_id if sub else "72f988bf-86f1-41af-91ab-2d7cd011db47"
        return {"id": f"/subscriptions/{subscription}",
                "properties": {"audience": audience(region),
                               "servicePrincipalObjectId": str(uuid.uuid5(uuid.NAMESPACE_URL, region.lower())),
                               "tenantId": tenant}}

    def crr_access_token(self: Backend, vault: Vault, item: ProtectedItem, rp_name: str,
                         body: dict[str, Any]) -> dict[str, Any]:
        if not vault.cross_region_restore or not vault.secondary_region:
            raise BadRequest("BMSUserErrorCrossRegionRestoreNotEnabled",
                             f"Cross region restore is not enabled on vault '{vault.name}'.")
        props = body.get("properties") or {}
        if props.get("audience") != audience(vault.secondary_region):
            raise BadRequest("UserErrorInvalidAadProperties",
                             "The AAD properties do not belong to the secondary region of the vault. Get them with "
                             f"backupAadProperties for '{vault.secondary_region}'.")
        rp = self.get_point(item, rp_name, crr=True)
        now = self.clock.now()
        token = self.tokens.issue_crr(item.id, rp.name, now, self.scenario.crr_token_lifetime)
        return {"id": f"{item.id}/recoveryPoints/{rp.name}", "name": rp.name,
                "type": "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems/"
                        "recoveryPoints",
                "properties": self._token_properties(vault, item, rp.name, token.token)}

    def _token_properties(self: Backend, vault: Vault, item: ProtectedItem, rp_name: str,
                          token: str) -> dict[str, Any]:
        rp = item.points[rp_name]
        short = ids.short_container(item.container_name)
        return {"objectType": "WorkloadCrrAccessToken", "accessTokenString": token,
                "backupManagementType": "AzureIaasVM", "containerName": short, "containerType": "IaasVMContainer",
                "coordinatorServiceStampUri": f"https://{vault.secondary_region}-coord1.backup.windowsazure.com",
                "datasourceContainerName": short, "datasourceId": item.protected_item_data_id,
                "datasourceName": item.vm_name, "datasourceType": "VM",
                "protectionServiceStampId": str(uuid.uuid5(uuid.NAMESPACE_URL, vault.region)),
                "protectionServiceStampUri": f"https://{vault.region}-prot1.backup.windowsazure.com",
                "recoveryPointId": rp.name, "recoveryPointTime": f"{rp.time:%m/%d/%Y %I:%M:%S %p}".lstrip("0"),
                "resourceGroupName": vault.resource_group, "resourceId": item.protected_item_data_id,
                "resourceName": vault.name, "subscriptionId": vault.subscription,
                "rpTierInformation": dict(rp.tiers), "rpIsManagedVirtualMachine": True,
                "rpOriginalSAOption": False, "rpVMSizeDescription": rp.vm_size, "bMSActiveRegion": vault.region,
                "protectableObjectUniqueName": item.item_name.lower(),
                "tokenExtendedInformation": f"<IaaSVMRecoveryPointMetadataBase><RecoveryPointConsistencyType>"
                                            f"{rp.type}</RecoveryPointConsistencyType><RecoveryPointTime>"
                                            f"{iso(rp.time)}</RecoveryPointTime></IaaSVMRecoveryPointMetadataBase>"}

    def trigger_crr(self: Backend, subscription: str, region: str, body: dict[str, Any]) -> Operation:
        """Raises: BadRequest for a missing/expired/foreign/reused token or an invalid restore request."""
        details = body.get("crossRegionRestoreAccessDetails") or {}
        request = body.get("restoreRequest")
        if not isinstance(request, dict):
            raise BadRequest("BMSUserErrorInvalidInput", "restoreRequest is required.")
        now = self.clock.now()
        value = details.get("accessTokenString")
        token = self.tokens.crr.get(value or "")
        item = self.world.items.get(self._item_key(token.item_id)) if token else None
        # Check (without consuming) the token first, so a refused restore leaves it usable.
        self.tokens.redeem_crr(value, item.id if item else None, request.get("recoveryPointId"), now, consume=False)
        assert item is not None and token is not None
        vault = self.world.vaults[ids.key(item.vault_id)]
        if (vault.secondary_region or "").lower() != region.lower():
            raise BadRequest("UserErrorCrrRegionMismatch",
                             f"Cross region restore of this item runs in '{vault.secondary_region}', not '{region}'.")
        rp = self.get_point(item, token.recovery_point, crr=True)
        problems = check_restore(self.world, item, rp, request, region)
        if problems:
            raise BadRequest(problems[0].code, problems[0].message)
        self.refuse_if_busy(item)
        self.tokens.redeem_crr(value, item.id, request.get("recoveryPointId"), now)
        return self.start_restore(item, rp, request, region, crr=True)

    def _item_key(self: Backend, item_id: str) -> tuple[str, str]:
        return next((k for k, it in self.world.items.items() if it.id.lower() == item_id.lower()), ("", ""))

    def crr_jobs(self: Backend, region: str, resource_id: str) -> list[Any]:
        self.tick()
        wanted = ids.key(resource_id or "")
        return [job for job in self.jobs.values()
                if job.region and job.region.lower() == region.lower()
                and (not wanted or wanted in (ids.key(job.vm_id or ""), ids.key(self._vault_of(job))))]

    def _vault_of(self: Backend, job: Any) -> str:
        item = self.world.item_for_vm(job.vm_id or "")
        return item.vault_id if item else ""
