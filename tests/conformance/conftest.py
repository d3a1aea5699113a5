"""A driver per test: the local host and the model side by side, stopped after the test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conformance.driver import Driver, Fake

Factory = Callable[..., Driver]


@pytest.fixture()
def drive(tmp_path: Path) -> Iterator[Factory]:
    made: list[Driver] = []

    def make(app: str, fake: Callable[[], Fake], held: set[str] | None = None) -> Driver:
        driver = Driver(app, tmp_path / f"run{len(made)}", fake, held)
        made.append(driver)
        return driver

    yield make
    for driver in made:
        driver.close()
