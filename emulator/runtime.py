"""What one emulator process holds besides the service backend: the identity header, the fault table and the
request log (the admin API and the front door share it; neither imports the other)."""

from __future__ import annotations

from dataclasses import dataclass, field

from emulator.backend import Backend
from emulator.faults import FaultTable
from emulator.reqlog import RequestLog


@dataclass
class Runtime:
    backend: Backend
    identity_header: str = "local-dev"
    faults: FaultTable = field(default_factory=FaultTable)
    requests: RequestLog = field(default_factory=RequestLog)
