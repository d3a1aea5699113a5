"""When a restore must wait for a human approval: the request's own `approval`, or the `APPROVAL_REQUIRED` policy."""

from __future__ import annotations

from restore.contract import Source
from restore.request import Approval, RestoreMode, RestoreRequest
from restore.settings import Settings

# Restores the policy treats as unattended or destructive: started by an alert (incident webhook) or a delete event.
UNATTENDED_SOURCES = frozenset({Source.INCIDENT, Source.DELETE})


def needs_approval_by_policy(request: RestoreRequest, source: Source, settings: Settings) -> bool:
    """`APPROVAL_REQUIRED`: replaceDisks (overwrites the VM's disks) and every alert- or delete-started restore."""
    return settings.approval_required and (request.mode is RestoreMode.REPLACE_DISKS or source in UNATTENDED_SOURCES)


def with_policy(request: RestoreRequest, source: Source, settings: Settings) -> RestoreRequest:
    """The request, with `approval.required` set when the policy asks for it (its timeout and approvers kept)."""
    if request.approval is not None and request.approval.required:
        return request
    if not needs_approval_by_policy(request, source, settings):
        return request
    current = request.approval
    approval = Approval(required=True, timeout=current.timeout if current else settings.approval_timeout,
                        approvers=current.approvers if current else None)
    return request.model_copy(update={"approval": approval})
