"""The small OData `$filter` dialect Azure Backup accepts: `a eq 'x' and b eq 'y'`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from emulator import ids
from emulator.clock import parse_time
from emulator.exceptions import BadRequest
from emulator.lifecycle import Job
from emulator.resources import ProtectedItem

_CLAUSE = re.compile(r"^\s*(\w+)\s+eq\s+(?:'([^']*)'|(\S+))\s*$", re.IGNORECASE)

RECOVERY_POINT_FIELDS = {"startdate", "enddate", "restorepointquerytype", "extendedinfo", "movereadyrponly",
                         "includesoftdeletedrp", "restorepointstate", "pitrquerytype"}
JOB_FIELDS = {"starttime", "endtime", "operation", "status", "backupmanagementtype", "jobid"}


def parse_filter(text: str | None, allowed: set[str]) -> dict[str, str]:
    """`{lowercase field: value}`. Raises: BadRequest for syntax errors and unknown fields."""
    if not text:
        return {}
    out: dict[str, str] = {}
    for clause in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
        match = _CLAUSE.match(clause)
        if not match:
            raise BadRequest("InvalidFilter", f"The filter clause '{clause}' is not supported.")
        name = match.group(1).lower()
        if name not in allowed:
            raise BadRequest("InvalidFilter", f"The property '{match.group(1)}' is not supported in $filter.")
        out[name] = match.group(2) if match.group(2) is not None else match.group(3)
    return out


def filter_time(filters: dict[str, str], name: str) -> datetime | None:
    if name not in filters:
        return None
    try:
        return parse_time(filters[name])
    except ValueError as exc:
        raise BadRequest("InvalidFilter", f"'{filters[name]}' is not a valid time for {name}.") from exc


@dataclass(frozen=True)
class JobQuery:
    """`$filter` of BackupJobs_List / BackupCrrJobs_List (`PS` JobQueryObject); `start`..`end` bound the start."""

    start: datetime | None = None
    end: datetime | None = None
    operation: str | None = None
    status: str | None = None
    job_id: str | None = None
    backup_management_type: str | None = None

    @classmethod
    def parse(cls, text: str | None) -> JobQuery:
        """Raises: BadRequest (InvalidFilter)."""
        f = parse_filter(text, JOB_FIELDS)
        return cls(filter_time(f, "starttime"), filter_time(f, "endtime"), f.get("operation"), f.get("status"),
                   f.get("jobid"), f.get("backupmanagementtype"))

    def matches(self, job: Job) -> bool:
        return ((self.start is None or job.start >= self.start) and (self.end is None or job.start <= self.end)
                and _same(self.operation, job.operation) and _same(self.status, str(job.status))
                and _same(self.job_id, job.name) and _same(self.backup_management_type, "AzureIaasVM"))


def _same(wanted: str | None, value: str) -> bool:
    return wanted is None or wanted.lower() == value.lower()


# `ProtectedItemQueryObject` (the `x-ms-odata` of BackupProtectedItems_List and BackupProtectedItemsCrr_List): the
# fields its generated models carry (azure-mgmt-recoveryservicesbackup `ProtectedItemQueryObject`).
PROTECTED_ITEM_FIELDS = {"healthstate", "backupmanagementtype", "itemtype", "policyname", "containername",
                         "backupenginename", "friendlyname", "fabricname", "backupsetname"}


@dataclass(frozen=True)
class ProtectedItemQuery:
    """`$filter` of the protected item lists, e.g. `backupManagementType eq 'AzureIaasVM' and itemType eq 'VM'`
    (the example's filter, and what az CLI `backup item list` sends)."""

    fields: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, text: str | None) -> ProtectedItemQuery:
        """Raises: BadRequest (InvalidFilter)."""
        return cls(tuple(sorted(parse_filter(text, PROTECTED_ITEM_FIELDS).items())))

    def matches(self, item: ProtectedItem) -> bool:
        # Azure VM items have no backup engine or backup set, so a filter on either matches none of them.
        known = {"backupmanagementtype": ["AzureIaasVM"], "itemtype": ["VM"], "policyname": [item.policy_name],
                 "containername": [item.container_name, ids.short_container(item.container_name)],
                 "friendlyname": [item.vm_name], "fabricname": ["Azure"], "healthstate": ["Passed"]}
        return all(any(_same(value, v) for v in known.get(name, [])) for name, value in self.fields)
