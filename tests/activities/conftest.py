"""One emulator process for the activity tests; each test gets a reset emulator and a client aimed at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from activities.client import backup_client
from restore import settings
from tests.support.procs import Proc, app_env, running, start_emulator


@pytest.fixture(scope="module")
def emulator() -> Iterator[Proc]:
    with running(start_emulator(time_scale=600.0)) as proc:
        yield proc


class Emulator:
    """The emulator's control API, as the tests use it."""

    def __init__(self, url: str) -> None:
        self.url = url

    def get(self, path: str) -> Any:
        response = requests.get(f"{self.url}/_emulator/{path}", timeout=10)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: Any) -> Any:
        response = requests.post(f"{self.url}/_emulator/{path}", json=body, timeout=10)
        response.raise_for_status()
        return response.json() if response.content else None

    def requests(self) -> list[dict[str, Any]]:
        return list(self.get("requests")["requests"])

    def vm(self, name: str) -> dict[str, Any]:
        return next(vm for vm in self.get("inventory")["vms"] if vm["name"] == name)


@pytest.fixture
def emu(emulator: Proc, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    for name, value in app_env(emulator.url, RETRY_AFTER_DEFAULT_SECONDS="1", ARM_MAX_ATTEMPTS="3").items():
        monkeypatch.setenv(name, value)
    settings.get_settings.cache_clear()
    backup_client.cache_clear()
    control = Emulator(emulator.url)
    control.post("reset", {})
    yield control
    settings.get_settings.cache_clear()
    backup_client.cache_clear()
