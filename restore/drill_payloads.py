"""Inputs and values of the drill activities (`activities/drills.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from azbackup.models_common import Wire
from restore.values import BackupItem, RecoveryPointInfo


class DrillPointsInput(Wire):
    """`list_drill_points`: the item's restorable points of the allowed types, taken within `window_days` of `now`."""

    item: BackupItem
    window_days: float
    types: list[str]
    now: datetime


class DrillPointsValue(Wire):
    points: list[RecoveryPointInfo] = Field(default_factory=list)


class GroupVmsInput(Wire):
    """`list_drill_vms`: the VMs of these resource groups that carry every one of `tags`."""

    resource_groups: list[str]
    tags: dict[str, str] = Field(default_factory=dict)


class GroupVmsValue(Wire):
    vm_ids: list[str] = Field(default_factory=list)


class InspectInput(Wire):
    """`inspect_drill_restore`: the source VM, the restored disks and the new VM (if the drill made one)."""

    source_vm_id: str
    disk_ids: list[str] = Field(default_factory=list)
    vm_id: str | None = None


class DeleteInput(Wire):
    """`delete_drill_resource`: one resource, and the drill's target group it must lie in (checked again there)."""

    resource_id: str
    target_group: str


class DeleteValue(Wire):
    result: Literal["deleted", "alreadyGone"]
