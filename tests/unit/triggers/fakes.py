"""A fake durable client and seed IDs for the front-door unit tests."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import parse_qs, urlsplit

import azure.functions as func
from azure.durable_functions.models.DurableOrchestrationBindings import DurableOrchestrationBindings
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


CONTINUATION = "x-ms-continuation-token"


class InstanceQueryServer(ThreadingHTTPServer):
    """`GET /durabletask/instances/` as the extension answers it: `page_size` rows a page, the next page's token in
    `x-ms-continuation-token` (sent back in the request header), `runtimeStatus`, `createdTimeFrom`, `showInput`
    (Azure/azure-functions-durable-extension `HttpApiHandler.cs`, `HandleGetStatusRequestAsync`)."""

    def __init__(self, client: FakeClient, page_size: int) -> None:
        super().__init__(("127.0.0.1", 0), _QueryHandler)
        self.client = client
        self.page_size = page_size
        self.requests: list[tuple[str, str | None]] = []  # (query, continuation token sent)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def page(self, query: dict[str, list[str]], token: str | None) -> tuple[list[dict[str, Any]], str | None]:
        wanted = set(query["runtimeStatus"][0].split(",")) if "runtimeStatus" in query else None
        since = datetime.fromisoformat(query["createdTimeFrom"][0].replace("Z", "+00:00")) \
            if "createdTimeFrom" in query else None
        rows = [s.to_json() for s in self.client.instances.values()
                if (wanted is None or (s.runtime_status is not None and s.runtime_status.value in wanted))
                and (since is None or (s.created_time is not None and s.created_time >= since))]
        if query.get("showInput") == ["false"]:
            rows = [{k: v for k, v in row.items() if k != "input"} for row in rows]
        start = int(token) if token else 0
        following = start + self.page_size
        return rows[start:following], str(following) if following < len(rows) else None


class _QueryHandler(BaseHTTPRequestHandler):
    server: InstanceQueryServer

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        token = self.headers.get(CONTINUATION)
        self.server.requests.append((parts.query, token))
        if parts.path != "/durabletask/instances/":
            self.send_error(404)
            return
        rows, following = self.server.page(parse_qs(parts.query), token)
        body = json.dumps(rows).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        # The last page still carries the header, empty: `Headers.Add("x-ms-continuation-token", null)`.
        self.send_header(CONTINUATION, following or "")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


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

    @contextmanager
    def serve_queries(self, page_size: int = 100) -> Iterator[InstanceQueryServer]:
        """Answer the durable instance query over HTTP from `instances`, as the extension pages it."""
        server = InstanceQueryServer(self, page_size)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self._orchestration_bindings = DurableOrchestrationBindings(
            taskHubName="hub", creationUrls={}, managementUrls={}, rpcBaseUrl=f"{server.url}/durabletask/")
        try:
            yield server
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)

    async def raise_event(self, instance_id: str, event_name: str, event_data: Any = None) -> None:
        self.events.append((instance_id, event_name, event_data))


def http_request(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None,
                 route_params: dict[str, str] | None = None, params: dict[str, str] | None = None,
                 raw: bytes | None = None) -> func.HttpRequest:
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
    return func.HttpRequest(method=method, url=url, headers=headers or {}, params=params or {},
                            route_params=route_params or {}, body=data)
