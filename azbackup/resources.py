"""The resources a restore creates, by type: the api-version each is read and deleted with, and their IDs.

api-versions (azure-rest-api-specs `specification/...`): virtual machines `compute/.../ComputeRP/stable/2024-07-01/
virtualMachine.json`, managed disks `compute/.../DiskRP/stable/2024-03-02/disk.json`, NICs `network/.../stable/
2024-05-01/networkInterface.json`, blob containers `storage/.../stable/2023-05-01/blob.json` (BlobContainers_Delete:
the ARM-level delete of a staging container and its config and template blobs).
"""

from __future__ import annotations

import re

from azbackup.errors import InvalidResourceIdError

_KINDS: dict[str, tuple[re.Pattern[str], str]] = {
    "virtualMachine": (re.compile(r"/providers/Microsoft\.Compute/virtualMachines/[^/]+\Z", re.I), "2024-07-01"),
    "disk": (re.compile(r"/providers/Microsoft\.Compute/disks/[^/]+\Z", re.I), "2024-03-02"),
    "networkInterface": (re.compile(r"/providers/Microsoft\.Network/networkInterfaces/[^/]+\Z", re.I), "2024-05-01"),
    "blobContainer": (re.compile(r"/providers/Microsoft\.Storage/storageAccounts/[a-z0-9]{3,24}/blobServices/default"
                                 r"/containers/[^/]+\Z", re.I), "2023-05-01"),
}
_GROUP = re.compile(r"\A/subscriptions/[^/]+/resourceGroups/[^/]+/providers/", re.I)
_BLOB_URI = re.compile(r"\Ahttps://([a-z0-9]{3,24})\.blob\.[^/]+/([a-z0-9-]{3,63})/[^?#]+\Z")


def kind_of(resource_id: str) -> str:
    """`virtualMachine`, `disk`, `networkInterface` or `blobContainer`. Raises: InvalidResourceIdError."""
    if _GROUP.match(resource_id):
        for kind, (pattern, _) in _KINDS.items():
            if pattern.search(resource_id):
                return kind
    raise InvalidResourceIdError("resource type", resource_id[:300], "not a VM, disk, NIC or blob container ID")


def api_version_of(resource_id: str) -> str:
    """Raises: InvalidResourceIdError."""
    return _KINDS[kind_of(resource_id)][1]


def container_of_blob(blob_uri: str, storage_account_id: str) -> str | None:
    """The ARM ID of the container that holds `blob_uri`, when the blob is in `storage_account_id`; else None."""
    match = _BLOB_URI.match(blob_uri)
    account = storage_account_id.rstrip("/").rsplit("/", 1)[-1].lower()
    if not match or match.group(1) != account:
        return None
    return f"{storage_account_id.rstrip('/')}/blobServices/default/containers/{match.group(2)}"
