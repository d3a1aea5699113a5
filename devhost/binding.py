"""The durable client binding payload the extension gives a starter function, pointed at this host."""

from __future__ import annotations

import json

from devhost.config import HostConfig

WEBHOOK_PREFIX = "/runtime/webhooks/durabletask"
RPC_PREFIX = "/durabletask"
INSTANCE_PLACEHOLDER = "INSTANCEID"


def management_urls(origin: str, config: HostConfig, instance_id: str = INSTANCE_PLACEHOLDER) -> dict[str, str]:
    """`HttpApiHandler.CreateHttpManagementPayload`: status, event, terminate, purge ... URLs for one instance."""
    base = f"{origin}{WEBHOOK_PREFIX}/instances/{instance_id}"
    query = f"taskHub={config.task_hub}&connection=Storage"
    if config.enforce_keys:
        query += f"&code={config.master_key}"
    return {
        "id": instance_id,
        "purgeHistoryDeleteUri": f"{base}?{query}",
        "restartPostUri": f"{base}/restart?{query}",
        "resumePostUri": f"{base}/resume?reason={{text}}&{query}",
        "rewindPostUri": f"{base}/rewind?reason={{text}}&{query}",
        "sendEventPostUri": f"{base}/raiseEvent/{{eventName}}?{query}",
        "statusQueryGetUri": f"{base}?{query}",
        "suspendPostUri": f"{base}/suspend?reason={{text}}&{query}",
        "terminatePostUri": f"{base}/terminate?reason={{text}}&{query}",
    }


def client_binding(config: HostConfig) -> str:
    """JSON string for a `durableClient` input binding (`DurableOrchestrationBindings.from_json`)."""
    origin = config.local_origin
    code = f"code={config.master_key}" if config.enforce_keys else ""
    suffix = f"?{code}" if code else ""
    create = f"{origin}{WEBHOOK_PREFIX}/orchestrators/{{functionName}}[/{{instanceId}}]"
    return json.dumps({
        "taskHubName": config.task_hub,
        "creationUrls": {
            "createNewInstancePostUri": create + suffix,
            "createAndWaitOnNewInstancePostUri":
                f"{create}?timeout={{timeoutInSeconds}}&pollingInterval={{intervalInSeconds}}"
                + (f"&{code}" if code else ""),
        },
        "managementUrls": management_urls(origin, config),
        "baseUrl": f"{origin}{WEBHOOK_PREFIX}",
        "requiredQueryStringParameters": code,
        "rpcBaseUrl": f"{config.rpc_origin}{RPC_PREFIX}/",
        "httpBaseUrl": "",
        "maxGrpcMessageSizeInBytes": 0,
        "grpcHttpClientTimeout": "00:01:40",
    })
