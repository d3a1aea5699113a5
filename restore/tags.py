"""`RESTORE_ON_DELETE_TAGS`: which deleted VMs a delete event restores, by the tags of the VM's resource group.

A deleted VM's own tags are gone with it (the `ResourceDeleteSuccess` event carries none: Azure/azure-rest-api-specs
`specification/eventgrid/data-plane/Microsoft.Resources/stable/2018-01-01/Resources.json`,
`ResourceDeleteSuccessEventData`), and the vault's protected item does not copy them (its `tags` are the backup
item's own, `ProtectedItemResource` in `bms.json`). The resource group survives the delete and keeps its tags
(`ResourceGroups_Get`, `specification/resources/resource-manager/Microsoft.Resources/stable/2021-04-01/
resources.json`, `ResourceGroup.tags`), so the filter reads those. Tag names compare case-insensitively, values
case-sensitively, as ARM treats them (Learn azure-resource-manager/management/tag-resources, "Limitations").
"""

from __future__ import annotations

# name -> required value, or None: the tag must be present with any value.
TagFilter = dict[str, str | None]


def parse_tag_filter(text: str) -> TagFilter:
    """`name=value,name2` → `{name: value, name2: None}`; "" → no filter.

    Raises: ValueError naming the entry that is not `name` or `name=value` (ARM's limits: a name of 1 to 512 characters
    without `<>%&\\?/`, a value of at most 256).
    """
    wanted: TagFilter = {}
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue
        name, sep, value = (part.strip() for part in entry.partition("="))
        if not name or len(name) > 512 or any(c in name for c in '<>%&\\?/') or len(value) > 256:
            raise ValueError(f"entry {len(wanted) + 1} is not name or name=value (ARM tag rules)")
        wanted[name] = value if sep else None
    return wanted


def tag_filter_problems(wanted: TagFilter, tags: dict[str, str]) -> list[str]:
    """What the resource group's `tags` lack of `wanted` (empty: it matches)."""
    by_name = {name.lower(): value for name, value in tags.items()}
    problems = []
    for name, value in wanted.items():
        found = by_name.get(name.lower())
        if found is None:
            problems.append(f"no tag {name!r}")
        elif value is not None and found != value:
            problems.append(f"tag {name!r} is not {value!r}")
    return problems
