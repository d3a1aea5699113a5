"""RESTORE_ALLOWED_SCOPES (pure): the source and everything a restore writes must lie inside an allowed scope.

Two checks share these rules. The front doors check the IDs a request names (`request_scope_problems`, 403 before
anything starts). `restore_vm` checks again once the backup item is resolved (`restore_scope_problems`), because a
request by `protectedItemId` only names the vault: the VM that `replaceDisks` overwrites is known after the item is
read. A start that skips the HTTP front door (the durable client, the local host's durable API) meets the second.
An empty scope list allows nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from azbackup.ids import is_within_scope
from restore.body import target_vm_id
from restore.request import RestoreMode, RestoreRequest
from restore.values import BackupItem


def is_allowed(resource_id: str, scopes: Iterable[str]) -> bool:
    """True when `resource_id` is inside one of `scopes` (subscription, resource group or resource prefixes)."""
    return any(is_within_scope(resource_id, scope) for scope in scopes)


def request_ids(request: RestoreRequest) -> dict[str, str]:
    """camelCase field → resource ID for the source and every target the request names."""
    ids: dict[str, str] = {}
    if request.vm_id:
        ids["vmId"] = request.vm_id
    if request.protected_item_id:
        ids["protectedItemId"] = request.protected_item_id
    if request.vault_id:  # the vault named with a `vmId` (cross-region restores while the primary region is down)
        ids["vaultId"] = request.vault_id
    ids.update(request.target_ids())  # targetSubscriptionId needs no check: targets inside it are checked
    return ids


def request_scope_problems(request: RestoreRequest, scopes: Iterable[str]) -> list[str]:
    """The camelCase fields whose resource ID lies outside every allowed scope."""
    allowed = tuple(scopes)
    return [name for name, resource_id in request_ids(request).items() if not is_allowed(resource_id, allowed)]


def written_ids(request: RestoreRequest, item: BackupItem) -> dict[str, str]:
    """What the restore reads from and writes to, by what it is: known only once the item is resolved."""
    ids = {"source": item.protected_item_id if request.protected_item_id else (request.vm_id or "")}
    if request.mode == RestoreMode.REPLACE_DISKS:
        ids["replaced VM"] = item.vm_id or ""  # no VM known: nothing to check against, so refused (fail closed)
    new_vm = target_vm_id(request)
    if new_vm:
        ids["new VM"] = new_vm
    ids.update(request.target_ids())
    return ids


def restore_scope_problems(request: RestoreRequest, item: BackupItem, scopes: Iterable[str]) -> list[str]:
    """`"<what> <resource ID>"` for every resource the restore reads or writes outside the allowed scopes."""
    allowed = tuple(scopes)
    return [f"{what} {resource_id or '(unknown)'}" for what, resource_id in written_ids(request, item).items()
            if not resource_id or not is_allowed(resource_id, allowed)]
