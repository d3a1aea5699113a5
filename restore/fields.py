"""Field types of the public restore request: resource ID shapes, recovery point references, zones."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field

# One template per resource ID kind; `{token}`s become patterns, the rest matches literally (case-insensitively).
_RG_PREFIX = "/subscriptions/{guid}/resourceGroups/{rg}"
_ID_EXAMPLES: dict[str, str] = {
    "subscription": "/subscriptions/{guid}",
    "resourceGroup": _RG_PREFIX,
    "vm": _RG_PREFIX + "/providers/Microsoft.Compute/virtualMachines/{name}",
    "vault": _RG_PREFIX + "/providers/Microsoft.RecoveryServices/vaults/{vault}",
    "protectedItem": _RG_PREFIX + "/providers/Microsoft.RecoveryServices/vaults/{vault}/backupFabrics/{fabric}"
    "/protectionContainers/{container}/protectedItems/{item}",
    "storageAccount": _RG_PREFIX + "/providers/Microsoft.Storage/storageAccounts/{account}",
    "vnet": _RG_PREFIX + "/providers/Microsoft.Network/virtualNetworks/{name}",
    "subnet": _RG_PREFIX + "/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{name}",
    "diskEncryptionSet": _RG_PREFIX + "/providers/Microsoft.Compute/diskEncryptionSets/{name}",
    "userAssignedIdentity": _RG_PREFIX + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}",
    "resourceGuardRequest": _RG_PREFIX
    + "/providers/Microsoft.DataProtection/resourceGuards/{guard}/{operation}/{name}",
}
_TOKENS = {"guid": r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "rg": r"[-\w._()]{1,90}",
           "account": r"[a-z0-9]{3,24}"}
_NAME = r"[^/\\?#\s]+"


def _shape(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    # The literal parts match ASCII case-insensitively only (`(?a:...)`): ARM folds ASCII case, and a Unicode fold
    # would let KELVIN SIGN pass for `k` in `virtualNetworks`. Names keep their Unicode letters.
    regex = "".join((f"(?a:{re.escape(p)})" if p else "") if i % 2 == 0 else _TOKENS.get(p, _NAME)
                    for i, p in enumerate(parts))
    return re.compile(regex + r"\Z", re.IGNORECASE)


_PATTERNS = {kind: _shape(template) for kind, template in _ID_EXAMPLES.items()}
_RP_NAME = re.compile(r"[A-Za-z0-9_.-]{1,128}\Z")
VM_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}[A-Za-z0-9_]\Z|[A-Za-z0-9]\Z")


def _has_hidden_characters(value: str) -> bool:
    """Control (Cc), format (Cf: bidi overrides/isolates, zero-width) and separator characters other than space."""
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value)


def _id_checker(kind: str) -> AfterValidator:
    pattern = _PATTERNS[kind]

    def check(value: str) -> str:
        if _has_hidden_characters(value):
            raise ValueError("must not contain control, format or text-direction characters")
        if not pattern.match(value):
            raise ValueError(f"not a {kind} resource ID; expected {_ID_EXAMPLES[kind]}")
        return value

    return AfterValidator(check)


def _check_recovery_point(value: str) -> str:
    if _has_hidden_characters(value):
        raise ValueError("must not contain control, format or text-direction characters")
    if "/" in value:
        if not re.search(r"/protectedItems/[^/]+/recoveryPoints/[^/]+\Z", value, re.IGNORECASE):
            raise ValueError("expected a recovery point name or an ID ending in "
                             "/protectedItems/{item}/recoveryPoints/{name}")
    elif not _RP_NAME.match(value):
        raise ValueError("recovery point name may contain only letters, digits, '.', '_' and '-'")
    return value


SubscriptionId = Annotated[str, _id_checker("subscription")]
VmId = Annotated[str, _id_checker("vm")]
ProtectedItemId = Annotated[str, _id_checker("protectedItem")]
VaultId = Annotated[str, _id_checker("vault")]
ResourceGroupId = Annotated[str, _id_checker("resourceGroup")]
StorageAccountId = Annotated[str, _id_checker("storageAccount")]
VnetId = Annotated[str, _id_checker("vnet")]
SubnetId = Annotated[str, _id_checker("subnet")]
DiskEncryptionSetId = Annotated[str, _id_checker("diskEncryptionSet")]
IdentityId = Annotated[str, _id_checker("userAssignedIdentity")]
RecoveryPointRef = Annotated[str, AfterValidator(_check_recovery_point)]
Zone = Annotated[str, Field(pattern=r"^[123]$")]
ResourceGuardRequestId = Annotated[str, _id_checker("resourceGuardRequest")]

