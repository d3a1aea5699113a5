"""The selector of a plan group: VMs found at run time, from a vault's protected items or from resource groups.

`resourceGroupIds` are read through the Compute list of each group (`VirtualMachines_List`); `tags` keeps only the
VMs that carry every tag given. Azure compares tag names without regard to case and tag values exactly
(learn.microsoft.com/azure/azure-resource-manager/management/tag-resources#limitations).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from azbackup.ids import fold
from restore.fields import ResourceGroupId, VaultId

_CONFIG = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid")
# Azure tags: at most 50 per resource, names up to 512 characters, values up to 256 (same page).
Tags = dict[Annotated[str, Field(min_length=1, max_length=512)], Annotated[str, Field(max_length=256)]]
MAX_SELECTOR_GROUPS = 50


class PlanSelector(BaseModel):
    """VMs chosen at run time: every protected VM of a vault (the CRR list when `crossRegion`), or every VM of some
    resource groups (the Compute list of each), optionally only those carrying every tag of `tags`."""

    model_config = _CONFIG

    vault_id: VaultId | None = Field(default=None, description="every protected VM of this vault")
    resource_group_ids: list[ResourceGroupId] | None = Field(
        default=None, min_length=1, max_length=MAX_SELECTOR_GROUPS, description="every VM of these resource groups")
    tags: Tags | None = Field(default=None, min_length=1, max_length=50,
                              description="with resourceGroupIds: only VMs with each of these tags (name: value)")

    @model_validator(mode="after")
    def _one_source(self) -> PlanSelector:
        if (self.vault_id is None) == (self.resource_group_ids is None):
            raise PydanticCustomError("plan_rule", "give vaultId or resourceGroupIds")
        if self.tags is not None and self.resource_group_ids is None:
            raise PydanticCustomError("plan_rule", "tags filter resourceGroupIds; a vault selector takes no tags")
        return self


def matches_tags(vm_tags: dict[str, str] | None, wanted: dict[str, str] | None) -> bool:
    """Whether a VM carries every tag of `wanted` (names in any case, values exactly)."""
    if not wanted:
        return True
    folded = {fold(name): value for name, value in (vm_tags or {}).items()}
    return all(folded.get(fold(name)) == value for name, value in wanted.items())


def selector_ids(loc: tuple[int | str, ...], selector: PlanSelector) -> dict[str, str]:
    """Body path → the vault or resource group IDs a selector names (for RESTORE_ALLOWED_SCOPES)."""
    base = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(loc))
    if selector.vault_id:
        return {f"{base}.vaultId": selector.vault_id}
    return {f"{base}.resourceGroupIds[{n}]": rg for n, rg in enumerate(selector.resource_group_ids or [])}
