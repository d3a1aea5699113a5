"""The one service state every rule object works on: resources, jobs, operations, tokens and the scenario.

Rule objects (`lookups`, `jobs`, `restores`, `crr`, `outage`) hold a reference to it and never copy it; a reset
replaces its contents in place, so they keep seeing the current state. `persistence.py` writes and reads it whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from emulator.lifecycle import Job, Operation
from emulator.resources import World
from emulator.scenario import Scenario
from emulator.seed import load_seed
from emulator.tokens import TokenStore


@dataclass
class ServiceState:
    world: World = field(default_factory=World)
    jobs: dict[str, Job] = field(default_factory=dict)  # key: job name, lower case
    operations: dict[str, Operation] = field(default_factory=dict)  # key: operation ID, lower case
    tokens: TokenStore = field(default_factory=TokenStore)
    scenario: Scenario = field(default_factory=Scenario)

    @classmethod
    def from_seed(cls, seed: dict[str, Any], now: datetime, tokens: TokenStore | None = None) -> ServiceState:
        """Raises: KeyError, ValueError or StopIteration for a seed that names what it does not define."""
        world, jobs = load_seed(seed, now)
        return cls(world, {job.name.lower(): job for job in jobs}, {}, tokens or TokenStore(), Scenario())

    def replace_with(self, other: ServiceState) -> None:
        """Take `other`'s contents, keeping this object (the rule objects hold a reference to it)."""
        self.world, self.jobs, self.operations = other.world, other.jobs, other.operations
        self.tokens, self.scenario = other.tokens, other.scenario

    def add_job(self, job: Job) -> None:
        self.jobs[job.name.lower()] = job

    def add_operation(self, op: Operation) -> None:
        self.operations[op.id.lower()] = op
