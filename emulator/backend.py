"""The backend: one service state and the rule objects composed over it; raises emulator errors, knows nothing of
HTTP (moto's models.py). Handlers call the rule objects and serialise what they return."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from emulator import ids
from emulator.clock import Clock
from emulator.compute import ComputeRules
from emulator.crr import CrossRegion
from emulator.demo_seed import demo_seed
from emulator.jobs import JobRules
from emulator.lookups import Lookups
from emulator.outage import RegionOutage
from emulator.restores import Restores
from emulator.scenario import Scenario
from emulator.schedule import ScheduledBackups
from emulator.seed import load_seed
from emulator.state import ServiceState
from emulator.tokens import TokenStore

log = logging.getLogger(__name__)


class Backend:
    """State for every subscription the seed names, driven by one service clock."""

    def __init__(self, clock: Clock, seed: dict[str, Any] | None = None, state: ServiceState | None = None) -> None:
        """`state`: a saved state to continue (`--state-file`); default: a fresh one from `seed`."""
        self.clock = clock
        self.seed = seed if seed is not None else demo_seed()
        self.state = state if state is not None else ServiceState.from_seed(self.seed, clock.now())
        self.lookups = Lookups(self.state, clock)
        self.jobs = JobRules(self.state, clock, self.lookups)
        self.outage = RegionOutage(self.state)
        self.restores = Restores(self.state, clock, self.lookups, self.outage)
        self.crr = CrossRegion(self.state, clock, self.lookups, self.restores, self.outage)
        self.backups = ScheduledBackups(self.state, clock)
        self.compute = ComputeRules(self.state)

    @property
    def tokens(self) -> TokenStore:
        return self.state.tokens

    @property
    def scenario(self) -> Scenario:
        return self.state.scenario

    def now(self) -> datetime:
        return self.clock.now()

    def reset(self, clear_arm_tokens: bool = False) -> None:
        """Reload the seed (times relative to now); ARM tokens survive unless `clear_arm_tokens`."""
        tokens = self.state.tokens
        tokens.clear_crr()
        if clear_arm_tokens:
            tokens.arm.clear()
        self.state.replace_with(ServiceState.from_seed(self.seed, self.clock.now(), tokens))

    def add_seed(self, doc: dict[str, Any]) -> None:
        """Register more resources (same format as a seed file) without touching what exists."""
        _, jobs = load_seed(doc, self.clock.now(), self.state.world)
        for job in jobs:
            self.state.add_job(job)

    def delete_vm(self, vm_id: str) -> None:
        """Delete a VM as `VirtualMachines_Delete` would: its disks stay (detached), its backup item and recovery
        points stay in the vault. Emits nothing (tests post the Event Grid event themselves).

        Raises: KeyError for an unknown VM.
        """
        world = self.state.world
        vm = world.vms.pop(ids.key(vm_id))
        for disk in vm.disks():
            disk.vm_id = None

    def set_scenario(self, patch: dict[str, Any]) -> Scenario:
        """Raises: pydantic.ValidationError for unknown knobs or bad values, ValueError for an unknown region."""
        scenario = self.state.scenario.merged(patch)
        pairs = self.state.world.region_pairs
        unknown = [r for r in scenario.region_outage if r not in set(pairs) | set(pairs.values())]
        if unknown:
            raise ValueError(f"regionOutage: unknown region(s) {unknown}; known: {sorted(set(pairs))}")
        self.state.scenario = scenario
        return scenario

    def tick(self) -> None:
        self.jobs.tick()
        self.backups.tick()
