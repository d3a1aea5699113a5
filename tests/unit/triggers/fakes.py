"""A fake durable client and seed IDs for the front-door unit tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from string import Template
from typing import Any

import azure.functions as func
from azure.durable_functions.models.DurableOrchestrationStatus import DurableOrchestrationStatus

SUB = "11111111-1111-1111-1111-111111111111"
RG = f"/subscriptions/{SUB}/resourceGroups"
IDS = {
    "SUBSCRIPTION": SUB,
    "VM_ID": f"{RG}/rg-app/providers/Microsoft.Compute/virtualMachines/vm-web-01",
    "STORAGE_ACCOUNT_ID": f"{RG}/rg-restore/providers/Microsoft.Storage/storageAccounts/stagingweu",
    "TARGET_RG_ID": f"{RG}/rg-restore",
    "VNET_ID": f"{RG}/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-app",
    "SUBNET_ID": f"{RG}/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-app/subnets/default",
    "SECONDARY_STORAGE_ACCOUNT_ID": f"{RG}/rg-restore-ne/providers/Microsoft.Storage/storageAccounts/stagingneu",
    "SECONDARY_RG_ID": f"{RG}/rg-restore-ne",
    "ARCHIVE_BEFORE": "2026-01-01T00:00:00Z",
}
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def example(name: str, **overrides: str) -> Any:
    """An examples/ file with its placeholders filled."""
    return json.loads(Template((EXAMPLES / name).read_text()).substitute({**IDS, **overrides}))


def status(instance_id: str = "rst-1", runtime: str = "Running", custom: Any = None, output: Any = None,
           order: Any = None, name: str = "restore_vm", created: datetime = T0) -> DurableOrchestrationStatus:
    """A DurableOrchestrationStatus as the durable client returns it."""
    return DurableOrchestrationStatus(
        name=name, instanceId=instance_id, createdTime=created.isoformat(),
        lastUpdatedTime=(created + timedelta(minutes=1)).isoformat(), input=order, output=output,
        runtimeStatus=runtime, customStatus=custom)


class FakeClient:
    """Records starts and events; answers get_status from what it started (or was given)."""

    def __init__(self) -> None:
        self.instances: dict[str, DurableOrchestrationStatus] = {}
        self.started: list[tuple[str, str, Any]] = []
        self.events: list[tuple[str, str, Any]] = []
        self.fail_start: Exception | None = None

    async def start_new(self, name: str, instance_id: str, client_input: Any = None) -> str:
        if self.fail_start is not None:
            raise self.fail_start
        self.started.append((name, instance_id, client_input))
        self.instances[instance_id] = status(instance_id, "Pending", order=client_input, name=name)
        return instance_id

    async def get_status(self, instance_id: str, show_history: bool = False, show_history_output: bool = False,
                         show_input: bool = False) -> DurableOrchestrationStatus:
        return self.instances.get(instance_id) or DurableOrchestrationStatus()

    async def get_status_by(self, created_time_from: Any = None, created_time_to: Any = None,
                            runtime_status: Any = None, instance_id_prefix: Any = None) -> list[Any]:
        wanted = {r.value for r in runtime_status} if runtime_status else None
        return [s for s in self.instances.values()
                if wanted is None or (s.runtime_status and s.runtime_status.value in wanted)]

    async def raise_event(self, instance_id: str, event_name: str, event_data: Any = None) -> None:
        self.events.append((instance_id, event_name, event_data))


def http_request(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None,
                 route_params: dict[str, str] | None = None, params: dict[str, str] | None = None,
                 raw: bytes | None = None) -> func.HttpRequest:
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
    return func.HttpRequest(method=method, url=url, headers=headers or {}, params=params or {},
                            route_params=route_params or {}, body=data)
