"""Helpers for the front-door e2e tests: placeholders, requests to the host, waiting for restores."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from string import Template
from typing import Any

import requests

from tests.support.azure_log import AzureLog
from tests.support.procs import Proc
from tests.support.wait import wait_until
from triggers.signatures import sign

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SECRET = "test-secret-0123456789abcdef0123456789"
RESTORE_TIMEOUT = 120.0
EVENT_TOPIC_PATH = "/eventgrid/topics/restore-events/api/events"  # the emulator's Event Grid topic (EVENT_GRID_...)


def _by_name(items: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(i for i in items if i["id"].rstrip("/").split("/")[-1].lower() == name.lower())


def placeholders(inventory: dict[str, Any]) -> dict[str, str]:
    """examples/ placeholders filled from the emulator inventory (demo seed names, see examples/README.md)."""
    vm = next(v for v in inventory["vms"] if v["name"] == "vm-web-01")
    subnets = inventory["subnets"]
    subnet = next(s for s in subnets if s["vnetId"].lower().endswith("/vnet-app") and s["id"].endswith("/default"))
    return {
        "SUBSCRIPTION": vm["id"].split("/")[2],
        "VM_ID": vm["id"],
        "STORAGE_ACCOUNT_ID": _by_name(inventory["storageAccounts"], "stagingweu")["id"],
        "TARGET_RG_ID": _by_name(inventory["resourceGroups"], "rg-restore")["id"],
        "VNET_ID": subnet["vnetId"],
        "SUBNET_ID": subnet["id"],
        "SECONDARY_STORAGE_ACCOUNT_ID": _by_name(inventory["storageAccounts"], "stagingneu")["id"],
        "SECONDARY_RG_ID": _by_name(inventory["resourceGroups"], "rg-restore-ne")["id"],
        "ARCHIVE_BEFORE": (datetime.now(UTC) - timedelta(days=60)).isoformat().replace("+00:00", "Z"),
        "UNPROTECTED_VM_ID": next(v["id"] for v in inventory["vms"] if v["name"] == "vm-scratch-01"),
        "OPS_STORAGE_ACCOUNT_ID": _by_name(inventory["storageAccounts"], "stagingeus")["id"],
    }


def example(name: str, ids: dict[str, str]) -> Any:
    """An examples/ file with its placeholders filled."""
    return json.loads(Template((EXAMPLES / name).read_text()).substitute(ids))


@dataclass
class Stack:
    emulator: Proc
    devhost: Proc
    ids: dict[str, str]

    @property
    def api(self) -> str:
        return f"{self.devhost.url}/api"

    def start(self, body: Any, headers: dict[str, str] | None = None) -> requests.Response:
        return requests.post(f"{self.api}/restores", json=body, headers=headers or {}, timeout=30)

    def get(self, instance_id: str) -> requests.Response:
        return requests.get(f"{self.api}/restores/{instance_id}", timeout=30)

    def scenario(self, **knobs: Any) -> None:
        response = requests.put(f"{self.emulator.url}/_emulator/scenario", json=knobs, timeout=10)
        assert response.status_code == 200, response.text

    @property
    def azure(self) -> AzureLog:
        """What reached Azure: the emulator's request log and job list (tests/support/azure_log.py)."""
        return AzureLog(self.emulator.url)

    def arm_log(self) -> list[dict[str, Any]]:
        """The emulator's request log (ARM requests only)."""
        return self.azure.requests()

    def grid_events(self) -> list[dict[str, Any]]:
        """The CloudEvents the emulator's Event Grid topic accepted."""
        response = requests.get(f"{self.emulator.url}/_emulator/eventgrid/events", timeout=10)
        assert response.status_code == 200, response.text
        return [entry["event"] for entry in response.json()["events"]]

    def restore_posts(self) -> list[dict[str, Any]]:
        """Restore POSTs (primary and cross-region) that reached the service (not those a fault answered)."""
        return [p.entry for p in self.azure.restore_posts()]

    def azure_jobs(self) -> dict[str, dict[str, Any]]:
        """The emulator's jobs by name."""
        return self.azure.jobs()

    def run(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> requests.Response:
        """Start a restore and wait for its end."""
        started = self.start(body, headers)
        assert started.status_code == 202, started.text
        return self.wait_final(started.json()["id"])

    def instance_count(self) -> int:
        """How many `restore_vm` instances the host has, in any state (job sub-orchestrations not counted)."""
        count, headers = 0, {}
        while True:  # the list is paged: follow x-ms-continuation-token (HttpApiHandler.cs) to the last page
            response = requests.get(f"{self.devhost.url}/runtime/webhooks/durabletask/instances", headers=headers,
                                    timeout=10)
            assert response.status_code == 200, response.text
            count += sum(1 for instance in response.json() if instance.get("name") == "restore_vm")
            token = response.headers.get("x-ms-continuation-token")
            if not token:
                return count
            headers = {"x-ms-continuation-token": token}

    def wait_final(self, instance_id: str, timeout: float = RESTORE_TIMEOUT) -> requests.Response:
        """Poll GET /api/restores/{id} until it stops answering 202."""
        return wait_until(lambda: self.get(instance_id), lambda r: r.status_code != 202, timeout=timeout,
                          interval=0.2, what=f"restore {instance_id} to finish")

    def wait_phase(self, instance_id: str, phase: str, timeout: float = 60.0) -> dict[str, Any]:
        return wait_until(lambda: self.get(instance_id).json(), lambda b: b.get("phase") == phase, timeout=timeout,
                          interval=0.1, what=f"restore {instance_id} to reach {phase}")

    def signed_post(self, path: str, body: Any, secret: str = SECRET, timestamp: int | None = None,
                    params: dict[str, str] | None = None) -> requests.Response:
        raw = json.dumps(body).encode()
        ts = str(timestamp if timestamp is not None else int(time.time()))
        headers = {"Content-Type": "application/json", "X-Signature-Timestamp": ts,
                   "X-Signature": sign(secret, ts, raw)}
        return requests.post(f"{self.api}{path}", data=raw, headers=headers, params=params or {}, timeout=30)

    def eventgrid(self, events: Any, content_type: str = "application/json") -> requests.Response:
        return requests.post(f"{self.devhost.url}/runtime/webhooks/eventgrid",
                             params={"functionName": "restore_from_event"}, data=json.dumps(events),
                             headers={"aeg-event-type": "Notification", "Content-Type": content_type}, timeout=30)
