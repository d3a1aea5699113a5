"""Restore on delete: an Azure Resource Manager `Microsoft.Resources.ResourceDeleteSuccess` event for a VM.

The event is the one ARM publishes to an Event Grid system topic of a subscription or resource group (schema:
Azure/azure-rest-api-specs `specification/eventgrid/data-plane/Microsoft.Resources/stable/2018-01-01/Resources.json`,
`ResourceDeleteSuccessEventData`; example `examples/event-grid-schema/resource_delete_success.json`): `subject` and
`data.resourceUri` name the deleted resource, `data.operationName` the operation (`Microsoft.Compute/
virtualMachines/delete` for a VM), `data.status` is `Succeeded`. The rest of `data` (`claims`, `authorization`,
`httpRequest`) describes the caller and is never kept: only the VM ID reaches the restore.

`RESTORE_ON_DELETE` decides: `off` ignores it (logged); `propose` starts a restore as a new VM with the same name in
the same resource group that waits for approval; `auto` starts the same restore at once. The event carries no
properties of the VM that is gone, so the network (and any other option) comes from `RESTORE_ON_DELETE_REQUEST`.
Whether a vault protects the VM is found by the restore itself (it reads the vaults' protected items): a VM no vault
protects ends `cancelled` with `VmNotProtected`, nothing started in Azure.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from azbackup import ids
from restore.instance_ids import Source, instance_id_for
from restore.request import Approval
from restore.settings import RestoreOnDelete, Settings
from triggers import telemetry
from triggers.intake import RejectedError, admit
from triggers.starter import IdempotencyConflictError, start_restore

log = telemetry.get_logger(__name__)

DELETE_EVENT_TYPE = "Microsoft.Resources.ResourceDeleteSuccess"
VM_DELETE_OPERATION = "microsoft.compute/virtualmachines/delete"


def deleted_vm_id(data: Any) -> tuple[str | None, str]:
    """The deleted VM's ID, or None and why the event is not a VM delete."""
    if not isinstance(data, dict):
        return None, "event data is not an object"
    if str(data.get("operationName", "")).lower() != VM_DELETE_OPERATION:
        return None, "not a virtual machine delete"
    if str(data.get("status", "Succeeded")).lower() != "succeeded":
        return None, "the delete did not succeed"
    try:
        return ids.parse_vm_id(str(data.get("resourceUri", ""))).id, ""
    except ValueError:  # InvalidResourceIdError
        return None, "resourceUri is not a virtual machine ID"


def delete_request(vm_id: str, event_id: str, settings: Settings) -> dict[str, Any]:
    """The restore a VM delete asks for: a new VM of the same name in the same resource group, options from
    `RESTORE_ON_DELETE_REQUEST`, pending approval with `propose`."""
    vm = ids.parse_vm_id(vm_id)
    data: dict[str, Any] = {"mode": "newVm", "targetVmName": vm.name,
                            "targetResourceGroupId": ids.resource_group_id(vm.subscription_id, vm.resource_group),
                            **settings.restore_on_delete_request,
                            "vmId": vm.id, "reason": f"restore on delete (event {event_id})"}
    data.pop("protectedItemId", None)
    if settings.restore_on_delete is RestoreOnDelete.PROPOSE:
        approval = Approval(required=True, timeout=settings.approval_timeout)
        data["approval"] = approval.model_dump(mode="json", by_alias=True, exclude_none=True)
    return data


def delete_instance_id(topic: str, event_id: str) -> str:
    """The instance ID of the restore a delete event (and every redelivery of it) starts."""
    return instance_id_for(Source.DELETE, topic.lower(), event_id)


async def handle_delete(event_id: str, topic: str, data: Any, settings: Settings, client: Any) -> str | None:
    """The restore serving the delete event, or None when it is ignored (logged, acknowledged)."""
    facts = {"event_id": event_id, "event_type": DELETE_EVENT_TYPE}
    if settings.restore_on_delete is RestoreOnDelete.OFF:
        log.info("restore.delete.ignored", extra={**facts, "reason": "RESTORE_ON_DELETE is off"})
        return None
    vm_id, why = deleted_vm_id(data)
    if vm_id is None:
        log.info("restore.delete.ignored", extra={**facts, "reason": why})
        return None
    instance_id = delete_instance_id(topic, event_id)
    with telemetry.restore_context(instance_id):
        try:
            request = admit(delete_request(vm_id, event_id, settings), settings, prefix="data")
        except RejectedError as rejected:
            problems = [f"{p.field}: {p.reason}" for p in rejected.problems]
            reason = "outside the allowed scopes" if rejected.status == 403 else "RESTORE_ON_DELETE_REQUEST invalid"
            log.warning("restore.delete.ignored", extra={**facts, "reason": reason, "problems": problems})
            return None
        try:
            result = await start_restore(client, request, source=Source.DELETE, instance_id=instance_id,
                                         idempotency_key=f"{topic}#{event_id}", now=datetime.now(UTC))
        except IdempotencyConflictError:
            log.warning("restore.delete.ignored", extra={**facts, "reason": "event ID reused for another VM"})
            return None
        log.info("restore.delete.accepted", extra={**facts, "restore_created": result.created,
                                                   "mode": settings.restore_on_delete.value})
        return result.instance_id
