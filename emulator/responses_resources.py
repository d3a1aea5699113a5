"""GET of the VMs and vaults the emulator knows (`VirtualMachines_Get`, `VirtualMachines_List`, `Vaults_Get`,
`Vaults_ListBySubscriptionId`): enough for region lookups and for finding the vaults of a subscription; and ARM's own
resource group (with its tags, `ResourceGroups_Get`) and list of a group's resources (`Resources_ListByResourceGroup`),
which ARM serves from its replicated metadata, so they keep answering while a region is down (see `outage.py`)."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response

from emulator import ids, serialize
from emulator.exceptions import BadRequest, NotFound
from emulator.httpctx import Ctx, json_response, page
from emulator.resources import World

# specification/resources/resource-manager/Microsoft.Resources/stable/2021-04-01/resources.json,
# Resources_ListByResourceGroup `$filter`: "The properties you can use for eq (equals) or ne (not equals) are:
# location, resourceType, name, resourceGroup, ..." and "The combinations you can use are: substringof and/or
# resourceType, plan and plan/publisher and plan/name, identity and identity/principalId". The emulator takes one
# `eq` clause on the first four and refuses every other filter (it has no plans, identities or tags to filter on).
_FILTER = re.compile(r"^\s*(location|resourceType|name|resourceGroup)\s+eq\s+'([^']*)'\s*$", re.IGNORECASE)
# The same description: "You can filter by tag names and values ... $filter=tagName eq 'tag1' and tagValue eq
# 'Value1'", and (2021-04-01 and later) "when resources are filtered by tag name and value, the original tags for
# each resource will not be returned in the results". Tag names compare case-insensitively, values exactly (MS Learn
# azure-resource-manager/management/tag-resources.md, "Limitations").
_TAG_FILTER = re.compile(r"^\s*tagName\s+eq\s+'([^']*)'\s+and\s+tagValue\s+eq\s+'([^']*)'\s*$", re.IGNORECASE)


# VirtualMachines_List (azure-rest-api-specs specification/compute/resource-manager/Microsoft.Compute/ComputeRP/
# stable/2024-07-01/virtualMachine.json): "$filter ... Allowed value is 'virtualMachineScaleSet/id' eq
# /subscriptions/{subId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/virtualMachineScaleSets/
# {vmssName}'", and "$expand ... 'instanceView' ... can only be specified if a valid $filter option is specified".
_VMSS_FILTER = re.compile(r"^\s*'?virtualMachineScaleSet/id'?\s+eq\s+'?/subscriptions/[^/]+/resourceGroups/[^/]+/"
                          r"providers/Microsoft\.Compute/virtualMachineScaleSets/[^/']+'?\s*$", re.IGNORECASE)


async def list_vms(ctx: Ctx) -> Response:
    """VirtualMachines_List: the group's VMs (`VirtualMachineListResult`: value, nextLink; x-ms-pageable), tags
    included as VirtualMachines_Get has them (example VirtualMachine_List_MaximumSet_Gen.json)."""
    p = ctx.params
    world = ctx.backend.lookups.world()
    group_key = ids.key(f"/subscriptions/{p['sub']}/resourceGroups/{p['rg']}")
    in_group = [vm for key, vm in world.vms.items() if key.startswith(group_key + "/")]
    if group_key not in world.resource_groups and not in_group:
        # A VM cannot exist outside its group, so a group holding VMs exists even if the seed did not declare it.
        raise NotFound("ResourceGroupNotFound", f"Resource group '{p['rg']}' could not be found.")
    text = ctx.query("$filter")
    if text is not None and not _VMSS_FILTER.match(text):
        # The error code is the emulator's: no public source shows Compute's for an unsupported $filter.
        raise BadRequest("InvalidParameter", f"The $filter '{text}' is not supported: the only allowed value is "
                                             "'virtualMachineScaleSet/id' eq '{scale set ID}'.")
    if ctx.query("$expand") is not None and text is None:
        raise BadRequest("InvalidParameter", "$expand can only be specified with a valid $filter option.")
    # The emulator has no scale sets: a scale set filter matches no VM.
    found = [] if text is not None else sorted(in_group, key=lambda vm: vm.id.lower())
    return json_response(page(ctx, [serialize.virtual_machine(vm) for vm in found], ctx.backend.scenario.page_size))


async def get_vault(ctx: Ctx) -> Response:
    p = ctx.params
    return json_response(serialize.vault(ctx.backend.lookups.vault(p["sub"], p["rg"], p["vault"])))


async def get_resource_group(ctx: Ctx) -> Response:
    """ResourceGroups_Get (specification/resources/resource-manager/Microsoft.Resources/stable/2021-04-01/
    resources.json, `ResourceGroup`: id, name, type, properties.provisioningState, location, managedBy, tags; example
    `examples/GetResourceGroups.json`). Served by ARM itself, like the resource list (outage.py)."""
    p = ctx.params
    group_id = f"/subscriptions/{p['sub']}/resourceGroups/{p['rg']}"
    group = ctx.backend.lookups.world().resource_groups.get(ids.key(group_id))
    if group is None:
        raise NotFound("ResourceGroupNotFound", f"Resource group '{p['rg']}' could not be found.")
    return json_response({"id": group.id, "name": ids.last_segment(group.id),
                          "type": "Microsoft.Resources/resourceGroups",
                          "properties": {"provisioningState": "Succeeded"}, "location": group.region.lower(),
                          "tags": dict(group.tags)})


async def list_group_resources(ctx: Ctx) -> Response:
    """Resources_ListByResourceGroup: `GenericResourceExpanded` entries (id, name, type, location)."""
    p = ctx.params
    world = ctx.backend.lookups.world()
    group_id = f"/subscriptions/{p['sub']}/resourceGroups/{p['rg']}"
    if ids.key(group_id) not in world.resource_groups:
        # ARM's answer for a resource group that does not exist (ResourceGroupNotFound).
        raise NotFound("ResourceGroupNotFound", f"Resource group '{p['rg']}' could not be found.")
    text = ctx.query("$filter")
    tag = _TAG_FILTER.match(text or "")
    wanted = None if tag else _parse_filter(text)
    found = [r for r in _resources(world) if ids.key(r["id"]).startswith(ids.key(group_id) + "/")
             and (wanted is None or _field(r, wanted[0]).lower() == wanted[1].lower())
             and (tag is None or _has_tag(r, tag.group(1), tag.group(2)))]
    if tag:
        found = [{k: v for k, v in r.items() if k != "tags"} for r in found]
    return json_response(page(ctx, found, ctx.backend.scenario.page_size))


def _has_tag(resource: dict[str, Any], name: str, value: str) -> bool:
    return any(k.lower() == name.lower() and v == value for k, v in (resource.get("tags") or {}).items())


def _parse_filter(text: str | None) -> tuple[str, str] | None:
    if not text:
        return None
    match = _FILTER.match(text)
    if not match:  # the error code is the emulator's: no public source shows ARM's for an unsupported filter
        raise BadRequest("InvalidFilterInQueryString",
                         f"The $filter '{text}' is not supported: use one of location, resourceType, name or "
                         "resourceGroup with 'eq'.")
    return match.group(1).lower(), match.group(2)


def _field(resource: dict[str, Any], name: str) -> str:
    if name == "resourcetype":
        return str(resource["type"])
    if name == "resourcegroup":
        return str(resource["id"]).split("/")[4]
    return str(resource[name])


def _resources(world: World) -> list[dict[str, Any]]:
    out = [_generic(v.id, "Microsoft.RecoveryServices/vaults", v.region) for v in world.vaults.values()]
    out += [{**_generic(vm.id, "Microsoft.Compute/virtualMachines", vm.region), **({"tags": dict(vm.tags)}
                                                                                  if vm.tags else {})}
            for vm in world.vms.values()]
    out += [_generic(a.id, "Microsoft.Storage/storageAccounts", a.region) for a in world.storage_accounts.values()]
    return out


def _generic(resource_id: str, kind: str, region: str) -> dict[str, Any]:
    return {"id": resource_id, "name": ids.last_segment(resource_id), "type": kind, "location": region.lower()}


async def list_vaults(ctx: Ctx) -> Response:
    """Vaults_ListBySubscriptionId (azure-rest-api-specs `specification/recoveryservices/resource-manager/
    Microsoft.RecoveryServices/stable/2024-04-01/vaults.json`): a pageable `VaultList` (`value`, `nextLink`)."""
    vaults = [serialize.vault(v) for v in ctx.backend.lookups.vaults_of(ctx.params["sub"])]
    return json_response(page(ctx, vaults, ctx.backend.scenario.page_size))
