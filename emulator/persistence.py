"""`--state-file`: the whole service state (resources incl. created ones, jobs, operations, ARM and CRR tokens,
scenario, clock anchor) as one JSON snapshot, written atomically after every change and read at start."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from emulator import ids
from emulator.clock import Anchor
from emulator.files import replace_atomically
from emulator.lifecycle import Job, Operation
from emulator.resources import (
    BlobContainer,
    Disk,
    NetworkInterface,
    ProtectedItem,
    ResourceGroup,
    StorageAccount,
    Subnet,
    Subscription,
    Vault,
    VirtualMachine,
    World,
)
from emulator.scenario import Scenario
from emulator.state import ServiceState
from emulator.tokens import ArmToken, CrrToken, TokenStore

log = logging.getLogger(__name__)

VERSION = 1


class StateFileError(Exception):
    """The state file exists but cannot be used (unreadable, not a snapshot, another version)."""


@dataclass
class _World:
    region_pairs: dict[str, str]
    subscriptions: list[Subscription]
    resource_groups: list[ResourceGroup]
    vms: list[VirtualMachine]
    disks: list[Disk]
    storage_accounts: list[StorageAccount]
    vnets: dict[str, str]
    subnets: list[Subnet]
    vaults: list[Vault]
    items: list[ProtectedItem]
    nics: list[NetworkInterface] = field(default_factory=list)
    containers: list[BlobContainer] = field(default_factory=list)


@dataclass
class _Tokens:
    key: str  # hex of the HMAC key that signs ARM tokens, so tokens issued before a restart still verify
    arm: list[ArmToken] = field(default_factory=list)
    crr: list[CrrToken] = field(default_factory=list)


@dataclass
class _Snapshot:
    version: int
    clock: dict[str, float] | None
    world: _World
    jobs: list[Job]
    operations: list[Operation]
    tokens: _Tokens
    scenario: dict[str, Any]


_ADAPTER = TypeAdapter(_Snapshot)


def dump(state: ServiceState, anchor: Anchor | None) -> bytes:
    w = state.world
    world = _World(dict(w.region_pairs), list(w.subscriptions.values()), list(w.resource_groups.values()),
                   list(w.vms.values()), list(w.disks.values()), list(w.storage_accounts.values()), dict(w.vnets),
                   list(w.subnets.values()), list(w.vaults.values()), list(w.items.values()),
                   list(w.nics.values()), list(w.containers.values()))
    tokens = _Tokens(state.tokens.key.hex(), list(state.tokens.arm.values()), list(state.tokens.crr.values()))
    snapshot = _Snapshot(VERSION, anchor.to_json() if anchor else None, world, list(state.jobs.values()),
                         list(state.operations.values()), tokens, state.scenario.model_dump(mode="json"))
    return _ADAPTER.dump_json(snapshot)


def load(data: bytes) -> tuple[ServiceState, Anchor | None]:
    """Raises: StateFileError for data that is not a snapshot of this version."""
    try:
        version = json.loads(data).get("version")
    except (ValueError, AttributeError) as exc:
        raise StateFileError(f"not a JSON object: {exc}") from exc
    if version != VERSION:
        raise StateFileError(f"snapshot version {version!r}; this emulator reads version {VERSION}")
    try:
        snap = _ADAPTER.validate_json(data)
        scenario = Scenario.model_validate(snap.scenario)
        anchor = Anchor.from_json(snap.clock) if snap.clock else None
    except (ValidationError, ValueError) as exc:
        raise StateFileError(str(exc)) from exc
    tokens = TokenStore(bytes.fromhex(snap.tokens.key))
    tokens.arm = {t.token: t for t in snap.tokens.arm}
    tokens.crr = {t.token: t for t in snap.tokens.crr}
    state = ServiceState(_world(snap.world), {j.name.lower(): j for j in snap.jobs},
                         {op.id.lower(): op for op in snap.operations}, tokens, scenario)
    return state, anchor


def _world(s: _World) -> World:
    world = World(region_pairs=s.region_pairs, vnets=s.vnets)
    world.subscriptions = {sub.id.lower(): sub for sub in s.subscriptions}
    world.resource_groups = {ids.key(rg.id): rg for rg in s.resource_groups}
    world.disks = {ids.key(d.id): d for d in s.disks}
    world.storage_accounts = {ids.key(sa.id): sa for sa in s.storage_accounts}
    world.subnets = {ids.key(sn.id): sn for sn in s.subnets}
    world.vaults = {ids.key(v.id): v for v in s.vaults}
    world.items = {(ids.key(it.vault_id), it.short_key): it for it in s.items}
    world.nics = {ids.key(n.id): n for n in s.nics}
    world.containers = {ids.key(c.id): c for c in s.containers}
    for vm in s.vms:
        # A VM's disks are the same objects as the world's (restores detach and attach them): link them again.
        vm.os_disk = _shared(world, vm.os_disk) if vm.os_disk else None
        vm.data_disks = [_shared(world, d) for d in vm.data_disks]
        world.vms[ids.key(vm.id)] = vm
    return world


def _shared(world: World, disk: Disk) -> Disk:
    return world.disks.setdefault(ids.key(disk.id), disk)


class StateFile:
    """Reads the snapshot at start and rewrites it (temporary file + rename) whenever the state changed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._written: bytes | None = None

    def read(self) -> tuple[ServiceState, Anchor | None] | None:
        """The saved state, or None when there is no file yet. Raises: StateFileError."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateFileError(f"{self.path}: {exc}") from exc
        state = load(data)
        self._written = data
        return state

    def save(self, state: ServiceState, anchor: Anchor | None) -> bool:
        """Write the snapshot if it differs from the last one written; True when it wrote."""
        data = dump(state, anchor)
        if data == self._written:
            return False
        replace_atomically(self.path, data)
        self._written = data
        return True
