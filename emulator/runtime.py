"""What one emulator process holds besides the service backend: the identity header, the fault table, the request
log, the Event Grid events and the optional state file (the admin API and the front door share it; neither imports
the other)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from emulator.backend import Backend
from emulator.clock import Anchor
from emulator.eventgrid import EventSink
from emulator.faults import FaultTable
from emulator.persistence import StateFile
from emulator.reqlog import RequestLog

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    backend: Backend
    identity_header: str = "local-dev"
    faults: FaultTable = field(default_factory=FaultTable)
    requests: RequestLog = field(default_factory=RequestLog)
    events: EventSink = field(default_factory=EventSink)  # the Event Grid topic's accepted events (eventgrid.py)
    state_file: StateFile | None = None

    def persist(self) -> None:
        """Write the state file if the state changed (called after every request); a no-op without one."""
        if self.state_file is None:
            return
        anchor: Anchor | None = getattr(self.backend.clock, "anchor", None)
        self.backend.tick()
        if self.state_file.save(self.backend.state, anchor):
            log.debug("state.saved", extra={"path": str(self.state_file.path)})
