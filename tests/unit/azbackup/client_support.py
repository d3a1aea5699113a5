"""Shared pieces of the client tests: IDs, a fake credential, a recorded sleep, a sample recovery point."""

from __future__ import annotations

import base64
import json
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

    def __init__(self, fail: bool = False, honours_tenant: bool = True) -> None:
        self.scopes: list[str] = []
        self.tenants: list[str | None] = []
        self.fail = fail
        # False: like a managed identity, which ignores `tenant_id` and answers for its home tenant
        self.honours_tenant = honours_tenant

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.extend(scopes)
        tenant = kwargs.get("tenant_id")
        self.tenants.append(tenant)
        if self.fail:
            raise ClientAuthenticationError(f"no identity; last token was {TOKEN}")
        if tenant and self.honours_tenant:
            return AccessToken(tenant_token(tenant), 4_102_444_800)
        return AccessToken(TOKEN, 4_102_444_800)


def tenant_token(tenant: str) -> str:
    """An unsigned JWT whose `tid` claim names `tenant`."""
    claims = base64.urlsafe_b64encode(json.dumps({"tid": tenant}).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJub25lIn0.{claims}.c2lnbmF0dXJl"


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
