"""Fixtures of the client tests: a client aimed at a local HTTP server, with a fake credential and sleep."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from azbackup.client import BackupClient
from azbackup.config import ClientConfig
from tests.unit.azbackup.client_support import FakeCredential, Sleeps


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def credential() -> FakeCredential:
    return FakeCredential()


@pytest.fixture
def client(httpserver: HTTPServer, credential: FakeCredential, sleeps: Sleeps) -> Iterator[BackupClient]:
    config = ClientConfig(arm_endpoint=httpserver.url_for("").rstrip("/"), timeout=5, max_attempts=4)
    yield BackupClient(config, credential=credential, sleep=sleeps)
    httpserver.check_assertions()  # every request the client sent matched an expectation
