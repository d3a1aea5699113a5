"""Fault injection at the front door: for N matching requests, a status, a replaced response, a delay or a drop."""

from __future__ import annotations

import random
import re
import threading
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr
from pydantic.alias_generators import to_camel


class FaultResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: int = Field(ge=100, le=599)
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = None


class Fault(BaseModel):
    """`POST /_emulator/faults` body; `times` None = until deleted."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    method: str | None = None
    path_regex: str
    times: int | None = Field(None, ge=1)
    probability: float = Field(1.0, ge=0, le=1)
    seed: int | None = None
    response: FaultResponse | None = None
    delay_ms: int = Field(0, ge=0)
    drop: bool = False
    matched: int = 0
    _rng: random.Random = PrivateAttr(default_factory=random.Random)
    _pattern: re.Pattern[str] | None = PrivateAttr(default=None)

    def model_post_init(self, __context: Any) -> None:
        self._pattern = re.compile(self.path_regex)
        self._rng = random.Random(self.seed)

    def applies(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        assert self._pattern is not None
        return bool(self._pattern.search(path)) and self._rng.random() < self.probability


class FaultTable:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault that applies, counted; a fault whose `times` ran out is removed."""
        with self._lock:
            for fault in self.faults:
                if fault.applies(method, path):
                    fault.matched += 1
                    if fault.times is not None and fault.matched >= fault.times:
                        self.faults.remove(fault)
                    return fault
        return None

    def listing(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.model_dump(by_alias=True) for f in self.faults]
