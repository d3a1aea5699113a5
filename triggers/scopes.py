"""RESTORE_ALLOWED_SCOPES: the source and every target of a restore must lie inside an allowed scope."""

from __future__ import annotations

from collections.abc import Iterable

from azbackup.ids import is_within_scope
from restore.request import RestoreRequest
from triggers.problems import FieldProblem, field_path


def is_allowed(resource_id: str, scopes: Iterable[str]) -> bool:
    """True when `resource_id` is inside one of `scopes` (subscription or resource group prefixes)."""
    return any(is_within_scope(resource_id, scope) for scope in scopes)


def checked_ids(request: RestoreRequest) -> dict[str, str]:
    """camelCase field → resource ID for the source and every target the request names."""
    ids: dict[str, str] = {}
    if request.vm_id:
        ids["vmId"] = request.vm_id
    if request.protected_item_id:
        ids["protectedItemId"] = request.protected_item_id
    ids.update(request.target_ids())  # targetSubscriptionId needs no check: targets inside it are checked
    return ids


def scope_problems(request: RestoreRequest, scopes: Iterable[str], prefix: str = "") -> list[FieldProblem]:
    """One problem per source/target ID outside every allowed scope (an empty scope list allows nothing)."""
    allowed = tuple(scopes)
    return [FieldProblem(field=field_path((name,), prefix), reason="outside RESTORE_ALLOWED_SCOPES")
            for name, resource_id in checked_ids(request).items() if not is_allowed(resource_id, allowed)]
