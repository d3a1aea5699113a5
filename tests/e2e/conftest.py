"""Run-wide processes for the front-door e2e tests: the emulator and the local Functions host, both real."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.helpers import EVENT_TOPIC_PATH, Stack, placeholders
from tests.support.entra import LocalTenant
from tests.support.procs import Proc, app_env, running, start_devhost, start_emulator

TIME_SCALE = 600.0


@pytest.fixture(scope="session")
def clock_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One service clock for both processes, as Azure and the Functions host share UTC: with two clocks started
    seconds apart, at scale 600 the emulator's jobs would seem to start an hour after the orchestrations."""
    return tmp_path_factory.mktemp("clock") / "clock.json"


@pytest.fixture(scope="session")
def emulator(clock_file: Path) -> Iterator[Proc]:
    with running(start_emulator(time_scale=TIME_SCALE, extra=["--clock-file", str(clock_file)])) as proc:
        yield proc


@pytest.fixture(scope="session")
def ids(emulator: Proc) -> dict[str, str]:
    """examples/ placeholder → ID, from the emulator's inventory."""
    inventory = requests.get(f"{emulator.url}/_emulator/inventory", timeout=10).json()
    return placeholders(inventory)


@pytest.fixture(scope="session")
def allowed_scopes(ids: dict[str, str]) -> list[str]:
    """The resource groups of the primary subscription the demo restores use (the ops subscription stays out)."""
    rgs = ["rg-app", "rg-restore", "rg-net", "rg-restore-ne", "rg-net-ne", "rg-backup"]
    return [f"/subscriptions/{ids['SUBSCRIPTION']}/resourceGroups/{rg}" for rg in rgs]


@pytest.fixture(scope="session")
def tenant() -> Iterator[LocalTenant]:
    """The Entra tenant whose action group tokens the incident webhook accepts (its keys served on 127.0.0.1)."""
    with LocalTenant() as local:
        yield local


@pytest.fixture(scope="session")
def devhost(emulator: Proc, ids: dict[str, str], allowed_scopes: list[str], clock_file: Path,
            tenant: LocalTenant) -> Iterator[Proc]:
    env = app_env(emulator.url, RESTORE_ALLOWED_SCOPES=",".join(allowed_scopes), **tenant.settings(),
                  EVENT_GRID_TOPIC_ENDPOINT=f"{emulator.url}{EVENT_TOPIC_PATH}",
                  INCIDENT_DEFAULT_REQUEST=json.dumps({"mode": "restoreDisks",
                                                       "storageAccountId": ids["STORAGE_ACCOUNT_ID"],
                                                       "targetResourceGroupId": ids["TARGET_RG_ID"]}))
    with running(start_devhost(env, time_scale=TIME_SCALE, clock_file=clock_file)) as proc:
        yield proc


@pytest.fixture()
def stack(emulator: Proc, devhost: Proc, ids: dict[str, str]) -> Iterator[Stack]:
    """A fresh emulator state for each test; the host keeps running."""
    response = requests.post(f"{emulator.url}/_emulator/reset", timeout=10)
    assert response.status_code == 200, response.text
    yield Stack(emulator=emulator, devhost=devhost, ids=ids)


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "e2e: runs the emulator and the local host as processes")
