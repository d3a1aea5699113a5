"""Shared pieces of the client tests: IDs, a fake credential, a recorded sleep, a sample recovery point."""

from __future__ import annotations

from typing import Any

from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError

from azbackup import ids
from azbackup.models_rp import RecoveryPoint

TOKEN = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl"
SUB = "00000000-0000-0000-0000-000000000000"
VAULT = ids.vault_id(SUB, "rg1", "vault1")
ITEM = ids.protected_item_id(VAULT, ids.container_name("rg1", "vm1"), ids.item_name("rg1", "vm1"))
VM = ids.vm_id(SUB, "rg1", "vm1")
ITEM_PATH = ITEM  # the request path equals the ID


class FakeCredential:
    """Stands in for an azure-identity credential; records the scopes asked for."""

    def __init__(self, fail: bool = False) -> None:
        self.scopes: list[str] = []
        self.tenants: list[str | None] = []
        self.fail = fail

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.extend(scopes)
        self.tenants.append(kwargs.get("tenant_id"))
        if self.fail:
            raise ClientAuthenticationError(f"no identity; last token was {TOKEN}")
        return AccessToken(TOKEN, 4_102_444_800)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)



def rp_body(name: str) -> dict[str, Any]:
    return {
        "id": ids.recovery_point_id(ITEM, name),
        "name": name,
        "properties": {
            "objectType": "IaasVMRecoveryPoint",
            "recoveryPointTime": "2024-01-01T00:00:00Z",
            "recoveryPointType": "AppConsistent",
            "recoveryPointTierDetails": [{"type": 1, "status": 1}],
        },
    }


def point(tiers: list[dict[str, object]]) -> RecoveryPoint:
    """A recovery point with these tier details (and a 7-digit fraction in its time, as the service sends)."""
    return RecoveryPoint.model_validate(
        {
            "id": "/x/recoveryPoints/1",
            "name": "1",
            "properties": {"recoveryPointTime": "2024-05-01T10:00:00.1234567Z", "recoveryPointTierDetails": tiers},
        }
    )
