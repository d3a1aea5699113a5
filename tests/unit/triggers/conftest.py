"""Fixtures for every front-door unit test."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def verbose_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every log call really builds its record, so a bad `extra` key fails here and not in production."""
    with caplog.at_level(logging.DEBUG):
        yield
