"""The board in a real browser: Debian's headless Chromium (driven by Playwright) against the emulator and the
local host as processes, with function keys enforced. Screenshots of every test land in `.artifacts/board/`."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page, Playwright, Request, sync_playwright

from tests.e2e.helpers import placeholders
from tests.support.procs import ROOT, Proc, app_env, running, start_devhost, start_emulator
from tests.support.wait import wait_until

TIME_SCALE = 600.0
FUNCTION_KEY = "board-test-function-key"
ARTIFACTS = ROOT / ".artifacts" / "board"
# `make test` installs Debian's chromium (Makefile, target `browser`); CHROMIUM points elsewhere if needed.
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


@dataclass
class Api:
    """The public API with the function key, as a second client beside the board."""

    devhost: Proc
    emulator: Proc
    ids: dict[str, str]

    @property
    def headers(self) -> dict[str, str]:
        return {"x-functions-key": FUNCTION_KEY}

    def start(self, body: dict[str, Any]) -> str:
        response = requests.post(f"{self.devhost.url}/api/restores", json=body, headers=self.headers, timeout=30)
        assert response.status_code == 202, response.text
        return str(response.json()["id"])

    def get(self, restore_id: str) -> requests.Response:
        return requests.get(f"{self.devhost.url}/api/restores/{restore_id}", headers=self.headers, timeout=30)

    def wait(self, restore_id: str, done: Any, what: str, timeout: float = 90.0) -> dict[str, Any]:
        return wait_until(lambda: self.get(restore_id).json(), done, timeout=timeout, interval=0.2, what=what)

    def scenario(self, **knobs: Any) -> None:
        response = requests.put(f"{self.emulator.url}/_emulator/scenario", json=knobs, timeout=10)
        assert response.status_code == 200, response.text

    def running(self) -> list[str]:
        response = requests.get(f"{self.devhost.url}/api/restores", params={"status": "running"},
                                headers=self.headers, timeout=30)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    def cancel(self, restore_id: str) -> requests.Response:
        return requests.post(f"{self.devhost.url}/api/restores/{restore_id}/cancel", json={"reason": "test ended"},
                             headers=self.headers, timeout=30)

    def cancel_all(self) -> None:
        for plan_id in self.running_plans():
            requests.post(f"{self.devhost.url}/api/plans/{plan_id}/cancel", headers=self.headers, timeout=60)
        wait_until(self.running_plans, lambda left: not left, timeout=120, what="every plan to end")
        for restore_id in self.running():
            self.cancel(restore_id)
        wait_until(self.running, lambda left: not left, timeout=90, what="every restore to end")

    def seed_vms(self, names: list[str]) -> list[str]:
        """Protected VMs of rg-app (westeurope, vault-weu) by name; their IDs in the same order."""
        seed = {"subscriptions": [{"id": self.ids["SUBSCRIPTION"], "virtualMachines": [
            {"resourceGroup": "rg-app", "name": name, "region": "westeurope", "dataDiskCount": 1,
             "backup": {"vault": "vault-weu", "policy": "DailyPolicy",
                        "recoveryPoints": [{"ageHours": 30, "type": "AppConsistent"}, {"ageHours": 6}]}}
            for name in names]}]}
        response = requests.post(f"{self.emulator.url}/_emulator/seed", json=seed, timeout=30)
        assert response.status_code == 201, response.text[:500]
        vms = {vm["name"]: vm["id"] for vm in response.json()["vms"]}
        return [vms[name] for name in names]

    def start_plan(self, body: dict[str, Any]) -> str:
        response = requests.post(f"{self.devhost.url}/api/plans", json=body, headers=self.headers, timeout=30)
        assert response.status_code == 202, response.text
        return str(response.json()["id"])

    def plan(self, plan_id: str) -> requests.Response:
        return requests.get(f"{self.devhost.url}/api/plans/{plan_id}", headers=self.headers, timeout=30)

    def wait_plan(self, plan_id: str, done: Any, what: str, timeout: float = 120.0) -> dict[str, Any]:
        return wait_until(lambda: self.plan(plan_id).json(), done, timeout=timeout, interval=0.3, what=what)

    def running_plans(self) -> list[str]:
        response = requests.get(f"{self.devhost.url}/api/plans", params={"status": "running"}, headers=self.headers,
                                timeout=30)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    def seed_drill_target(self) -> None:
        """The drill's isolated resource group, network and staging account (the emulator's reset drops them)."""
        sub = self.ids["SUBSCRIPTION"]
        seed = {"subscriptions": [{
            "id": sub, "resourceGroups": [{"name": "rg-drill", "region": "westeurope"}],
            "virtualNetworks": [{"resourceGroup": "rg-drill", "name": "vnet-drill", "region": "westeurope",
                                 "subnets": ["default"]}],
            "storageAccounts": [{"resourceGroup": "rg-drill", "name": "stagingdrill", "region": "westeurope",
                                 "sku": "Standard_LRS"}]}]}
        requests.post(f"{self.emulator.url}/_emulator/seed", json=seed, timeout=10).raise_for_status()

    def run_drill(self, name: str) -> str:
        response = requests.post(f"{self.devhost.url}/api/drills/{name}/run", headers=self.headers, timeout=30)
        assert response.status_code == 202, response.text
        return str(response.json()["id"])

    def azure_requests(self) -> list[dict[str, Any]]:
        return list(requests.get(f"{self.emulator.url}/_emulator/requests", timeout=10).json()["requests"])


@dataclass
class Board:
    """A browser tab on GET /api/board, with every request it sent."""

    page: Page
    url: str
    sent: list[Request] = field(default_factory=list)

    def open(self, key: str | None = FUNCTION_KEY) -> None:
        self.page.goto(self.url)
        if key is not None:
            self.page.locator("#key-panel").wait_for(state="visible")
            self.page.fill("#key-input", key)
            self.page.press("#key-input", "Enter")
            self.page.locator("#key-panel").wait_for(state="hidden")

    def card(self, restore_id: str) -> Any:
        return self.page.locator(f'li.card[data-id="{restore_id}"]')

    def plan(self, plan_id: str) -> Any:
        return self.page.locator(f'li.plan[data-id="{plan_id}"]')

    def approval(self, restore_id: str) -> Any:
        return self.page.locator(f'li.approval[data-id="{restore_id}"]')

    def tab_to(self, target: Any) -> None:
        """Keyboard only: Tab until `target` has the focus."""
        for _ in range(80):
            if target.evaluate("t => t === document.activeElement"):
                return
            self.page.keyboard.press("Tab")
        raise AssertionError(f"{target} is not reachable by Tab")

    def api_requests(self) -> list[Request]:
        return [r for r in self.sent if re.search(r"/api/(restores|plans)", r.url)]


def board_drill(sub: str) -> dict[str, Any]:
    """A drill restoring two VMs of rg-app as new VMs into rg-drill (seeded by `Api.seed_drill_target`); due only on
    1 January, so it runs when a test asks."""
    group = f"/subscriptions/{sub}/resourceGroups/rg-drill"
    vnet = f"{group}/providers/Microsoft.Network/virtualNetworks/vnet-drill"
    vms = f"/subscriptions/{sub}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines"
    return {"name": "weekly-web", "schedule": "0 0 1 1 *", "startWindowHours": 1,
            "vms": {"ids": [f"{vms}/{n}" for n in ("vm-web-01", "vm-sql-01")]},
            "recoveryPoint": {"choice": "latestWithinWindow", "windowDays": 7},
            "restore": {"mode": "newVm", "targetResourceGroupId": group,
                        "storageAccountId": f"{group}/providers/Microsoft.Storage/storageAccounts/stagingdrill",
                        "targetVnetId": vnet, "targetSubnetId": f"{vnet}/subnets/default"},
            "retentionHours": 0.5}


@pytest.fixture(scope="session")
def emulator() -> Iterator[Proc]:
    with running(start_emulator(time_scale=TIME_SCALE)) as proc:
        yield proc


@pytest.fixture(scope="session")
def ids(emulator: Proc) -> dict[str, str]:
    return placeholders(requests.get(f"{emulator.url}/_emulator/inventory", timeout=10).json())


@pytest.fixture(scope="session")
def devhost(emulator: Proc, ids: dict[str, str]) -> Iterator[Proc]:
    ops = ids["OPS_STORAGE_ACCOUNT_ID"].split("/")[2]
    scopes = [f"/subscriptions/{ids['SUBSCRIPTION']}/resourceGroups/{rg}" for rg in ("rg-app", "rg-restore", "rg-net")]
    scopes += [f"/subscriptions/{ops}/resourceGroups/{rg}" for rg in ("rg-ops", "rg-ops-restore")]
    # Fixed job polling every 5 s: the board estimates its ETA from how the API's progress moves between its reads,
    # and it reads at the API's Retry-After, which follows the orchestration's next job read in wall seconds while the
    # local host's clock runs TIME_SCALE times faster; with adaptive or 60 s polling a read comes a minute apart. The
    # page's polling at Retry-After is tested on its own clock (test_polling_waits_for_retry_after_*).
    scopes += [f"/subscriptions/{ids['SUBSCRIPTION']}/resourceGroups/rg-drill"]  # the drill's isolated target
    env = app_env(emulator.url, RESTORE_ALLOWED_SCOPES=",".join(scopes), DEVHOST_ENFORCE_KEYS="true",
                  DEVHOST_FUNCTION_KEY=FUNCTION_KEY, JOB_POLL_MODE="fixed", JOB_POLL_INTERVAL_SECONDS="5",
                  DRILLS=json.dumps({"drills": [board_drill(ids["SUBSCRIPTION"])]}))
    with running(start_devhost(env, time_scale=TIME_SCALE)) as proc:
        yield proc


@pytest.fixture()
def api(emulator: Proc, devhost: Proc, ids: dict[str, str]) -> Iterator[Api]:
    """A fresh emulator state; afterwards every restore still running is cancelled and waited for, so the next test
    (which resets the emulator) finds no restore whose job vanished under it."""
    response = requests.post(f"{emulator.url}/_emulator/reset", timeout=10)
    assert response.status_code == 200, response.text
    client = Api(devhost=devhost, emulator=emulator, ids=ids)
    yield client
    client.cancel_all()


# Module scope, not session: Playwright's sync API runs an asyncio loop on this thread while it is open, and later
# tests that call asyncio.run() would find it running.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"Chromium not found at {CHROMIUM}: the board's browser tests need Debian's chromium package "
                    "(`make test` installs it: apt-get install chromium chromium-driver), or CHROMIUM=/path/to/it")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
    try:
        yield browser
    finally:
        browser.close()


def _open_board(browser: Browser, devhost: Proc, request: pytest.FixtureRequest, **context: Any) -> Iterator[Board]:
    ctx = browser.new_context(**context)
    page = ctx.new_page()
    board = Board(page=page, url=f"{devhost.url}/api/board")
    page.on("request", lambda r: board.sent.append(r))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # Chromium logs every 4xx answer (401, 409, 422 are part of the API) as "Failed to load resource"; anything else
    # (a CSP refusal, a script error) fails the test.
    page.on("console", lambda msg: errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    try:
        yield board
        assert errors == [], f"the page reported errors: {json.dumps(errors)}"
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        try:
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        finally:
            ctx.close()


@pytest.fixture()
def board(browser: Browser, devhost: Proc, api: Api, request: pytest.FixtureRequest) -> Iterator[Board]:
    yield from _open_board(browser, devhost, request, viewport={"width": 1280, "height": 900})


@pytest.fixture()
def zoomed_board(browser: Browser, devhost: Proc, api: Api, request: pytest.FixtureRequest) -> Iterator[Board]:
    """A 1280-pixel-wide window at 200% zoom: 640 CSS pixels at a device scale factor of 2."""
    yield from _open_board(browser, devhost, request, viewport={"width": 640, "height": 900}, device_scale_factor=2)
