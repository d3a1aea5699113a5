"""The durable instance query, every page of it (SDK 1.7's `get_status_by` reads only the first).

The extension answers `GET {rpcBaseUrl}instances/` with at most `top` rows (default 100,
Azure/azure-functions-durable-extension `OrchestrationStatusQueryCondition.cs`, `PageSize`) and the next page's
token in the `x-ms-continuation-token` response header; the next request sends it back in the same request header
(`HttpApiHandler.cs`, `HandleGetStatusRequestAsync`). The Python SDK builds that URL but neither sends nor reads
the header (`azure/durable_functions/models/DurableOrchestrationClient.py`, `get_status_by`), so this module does
the query itself, with the SDK's own URL builder and status model.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import requests
from azure.durable_functions.models.DurableOrchestrationStatus import DurableOrchestrationStatus
from azure.durable_functions.models.OrchestrationRuntimeStatus import OrchestrationRuntimeStatus
from azure.durable_functions.models.RpcManagementOptions import RpcManagementOptions

CONTINUATION_HEADER = "x-ms-continuation-token"
# Azure Storage once returned base64("null") for "no more pages" (azure-functions-durable-extension#1174).
_END_TOKENS = frozenset({"", "null", "bnVsbA=="})
MAX_PAGES = 1000  # 100,000 instances at the default page size; past it the caller must narrow the query
TIMEOUT_SECONDS = 30


class InstanceQueryError(Exception):
    """The instance query failed or did not end; the message says why (no URL, it may carry a key)."""


def _rpc_base_url(client: Any) -> str:
    """The client binding's `rpcBaseUrl` (SDK 1.7 keeps it private; every SDK management call uses it).

    Raises:
        InstanceQueryError: the binding has none (a Functions 1.x host).
    """
    url = client._orchestration_bindings.rpc_base_url
    if not url:
        raise InstanceQueryError("the durable client binding has no rpcBaseUrl")
    return str(url)


def _get_page(url: str, token: str | None) -> tuple[list[dict[str, Any]], str | None]:
    headers = {CONTINUATION_HEADER: token} if token else {}
    try:
        response = requests.get(url, headers=headers, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        raise InstanceQueryError(f"instance query failed: {type(exc).__name__}") from exc
    if response.status_code != 200:
        raise InstanceQueryError(f"instance query answered HTTP {response.status_code}")
    rows = response.json()
    if not isinstance(rows, list):
        raise InstanceQueryError("instance query did not answer a list")
    following = (response.headers.get(CONTINUATION_HEADER) or "").strip()
    return rows, None if following in _END_TOKENS else following


async def query_instances(client: Any, *, created_time_from: datetime | None = None,
                          runtime_status: list[OrchestrationRuntimeStatus] | None = None,
                          instance_id_prefix: str | None = None) -> list[DurableOrchestrationStatus]:
    """Every instance the query matches, all pages followed (the blocking HTTP calls run in a thread).

    Raises:
        InstanceQueryError: a page failed, a token came back twice, or there are more than `MAX_PAGES` pages.
    """
    options = RpcManagementOptions(created_time_from=created_time_from, runtime_status=runtime_status,
                                   instance_id_prefix=instance_id_prefix)
    url = options.to_url(_rpc_base_url(client))
    # The extension shows inputs unless told not to (OrchestrationStatusQueryCondition.ShowInput = true); the list
    # does not need them, and the SDK's builder drops a False flag, so it is added here.
    url += ("&" if "?" in url else "?") + "showInput=false"
    statuses: list[DurableOrchestrationStatus] = []
    token: str | None = None
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        rows, token = await asyncio.to_thread(_get_page, url, token)
        statuses.extend(DurableOrchestrationStatus.from_json(row) for row in rows)
        if token is None:
            return statuses
        if token in seen:
            raise InstanceQueryError("instance query repeated a continuation token")
        seen.add(token)
    raise InstanceQueryError(f"more than {MAX_PAGES} pages of instances; narrow the query (createdAfter)")
