"""Cross-region restore rules (the passive stamp): AAD properties, access tokens bound to a recovery point, the
CRR trigger, and the vault's items as the secondary region sees them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from emulator.clock import Clock
from emulator.exceptions import BadRequest
from emulator.filters import ProtectedItemQuery
from emulator.lifecycle import Operation
from emulator.lookups import Lookups
from emulator.outage import RegionOutage
from emulator.resources import REGION_CODES, ProtectedItem, RecoveryPoint, Vault
from emulator.restores import Restores
from emulator.state import ServiceState
from emulator.tokens import CrrToken
from emulator.validation import check_restore

ItemView = tuple[ProtectedItem, list[RecoveryPoint]]  # an item and the recovery points one region knows


def audience(region: str) -> str:
    return f"https://RecoveryServices/IaasCoord/aadmgmt/{REGION_CODES.get(region.lower(), region.lower()[:4])}"


@dataclass(frozen=True)
class AadProperties:
    subscription: str
    audience: str
    service_principal_object_id: str
    tenant_id: str


@dataclass(frozen=True)
class CrrGrant:
    """An issued CRR access token with what it is bound to."""

    vault: Vault
    item: ProtectedItem
    point: RecoveryPoint
    token: CrrToken


class CrossRegion:
    def __init__(self, state: ServiceState, clock: Clock, lookups: Lookups, restores: Restores,
                 outage: RegionOutage) -> None:
        self.state = state
        self.clock = clock
        self.lookups = lookups
        self.restores = restores
        self.outage = outage

    def aad_properties(self, subscription: str, region: str) -> AadProperties:
        """Raises: BadRequest (BMSUserErrorInvalidRegion) for a region the pair table does not know."""
        pairs = self.state.world.region_pairs
        if region.lower() not in set(pairs) | set(pairs.values()):
            raise BadRequest("BMSUserErrorInvalidRegion", f"'{region}' is not a supported Azure region.")
        return AadProperties(subscription, audience(region), str(uuid.uuid5(uuid.NAMESPACE_URL, region.lower())),
                             self.lookups.tenant_of(subscription))

    def require_enabled(self, vault: Vault) -> str:
        """The vault's secondary region. Raises: BadRequest when cross-region restore is off on the vault."""
        # CRR "is an opt-in feature for any GRS vault" (MicrosoftDocs/azure-docs articles/backup/
        # guidance-best-practices.md): without it the secondary region serves nothing of the vault. No public
        # source gives the service's error code; BMSUserErrorCrossRegionRestoreNotEnabled is the emulator's.
        if not vault.cross_region_restore or not vault.secondary_region:
            raise BadRequest("BMSUserErrorCrossRegionRestoreNotEnabled",
                             f"Cross region restore is not enabled on vault '{vault.name}'.")
        return vault.secondary_region

    def access_token(self, vault: Vault, item: ProtectedItem, rp_name: str, aad_audience: str | None) -> CrrGrant:
        """Raises: BadRequest (CRR off, AAD properties of another region), NotFound (point not replicated)."""
        secondary = self.require_enabled(vault)
        if aad_audience != audience(secondary):
            raise BadRequest("UserErrorInvalidAadProperties",
                             "The AAD properties do not belong to the secondary region of the vault. Get them with "
                             f"backupAadProperties for '{secondary}'.")
        rp = self.lookups.point(item, rp_name, crr=True)
        token = self.state.tokens.issue_crr(item.id, rp.name, self.clock.now(), self.state.scenario.crr_token_lifetime)
        return CrrGrant(vault, item, rp, token)

    def trigger(self, region: str, details: dict[str, Any], request: Any) -> Operation:
        """Raises: BadRequest for a missing/expired/foreign/reused token or an invalid restore request."""
        if not isinstance(request, dict):
            raise BadRequest("BMSUserErrorInvalidInput", "restoreRequest is required.")
        self.outage.check_restore_targets(request)
        now, tokens = self.clock.now(), self.state.tokens
        value = details.get("accessTokenString")
        token = tokens.crr.get(value or "")
        item = self.lookups.item_by_id(token.item_id) if token else None
        # Check (without consuming) the token first, so a refused restore leaves it usable.
        tokens.redeem_crr(value, item.id if item else None, request.get("recoveryPointId"), now, consume=False)
        assert item is not None and token is not None
        vault = self.lookups.vault_by_id(item.vault_id)
        if (vault.secondary_region or "").lower() != region.lower():
            raise BadRequest("UserErrorCrrRegionMismatch",
                             f"Cross region restore of this item runs in '{vault.secondary_region}', not '{region}'.")
        rp = self.lookups.point(item, token.recovery_point, crr=True)
        problems = check_restore(self.state.world, item, rp, request, region, crr=True)
        if problems:
            raise BadRequest(problems[0].code, problems[0].message)
        self.restores.refuse_if_busy(item)
        tokens.redeem_crr(value, item.id, request.get("recoveryPointId"), now)
        return self.restores.start(item, rp, request, region, crr=True)

    def protected_items(self, vault: Vault, query: ProtectedItemQuery) -> list[ItemView]:
        """BackupProtectedItemsCrr_List: the vault's items as its secondary region knows them, each with the
        recovery points already copied there. Raises: BadRequest when cross-region restore is off on the vault."""
        self.require_enabled(vault)
        return [(item, self.lookups.points(item, None, None, crr=True))
                for item in self.lookups.items_of(vault) if query.matches(item)]

    def reports_job_id(self) -> bool:
        """Whether the CRR operation status names its job (scenario `crrJobIdInOperation`)."""
        return self.state.scenario.crr_job_id_in_operation
