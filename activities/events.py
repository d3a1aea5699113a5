"""Publish one CloudEvent to the Event Grid custom topic of `EVENT_GRID_TOPIC_ENDPOINT`, with an Entra token: the
app's one publisher, for every `EventKind` (a restore or plan waiting for approval, a failed drill run).

The wire format is Event Grid's `PublishCloudEventEvents` (Azure/azure-rest-api-specs `specification/eventgrid/
data-plane/Microsoft.EventGrid/stable/2018-01-01/EventGrid.json`): `POST {endpoint}?api-version=2018-01-01`, content
type `application/cloudevents-batch+json; charset=utf-8`, a JSON array of CloudEvents 1.0 (required `id`, `source`,
`type`, `specversion`); `200` when accepted. The token is for the audience `https://eventgrid.azure.net` (scope
`https://eventgrid.azure.net/.default`; the identity needs `EventGrid Data Sender` on the topic: Learn
"Authenticate publishing clients using Microsoft Entra ID", azure/event-grid/authenticate-with-active-directory).
It is sent only to the configured endpoint (never to a URL from the input), with no redirects followed, and it is
never logged, returned or put in an error text.
"""

from __future__ import annotations

import json
from datetime import UTC
from functools import lru_cache
from typing import Any

import requests
from azure.core.exceptions import AzureError, ServiceRequestError, ServiceResponseError

from activities.client import make_credential
from azbackup.errors import AuthenticationError, ResponseError, TransportError, error_class_for
from restore.instance_ids import is_plan_instance_id
from restore.payloads import EventKind, PublishEventInput, PublishEventValue
from restore.settings import Settings, get_settings, public_base_url

EVENT_GRID_SCOPE = "https://eventgrid.azure.net/.default"
API_VERSION = "2018-01-01"
CONTENT_TYPE = "application/cloudevents-batch+json; charset=utf-8"
TIMEOUT_SECONDS = 10


@lru_cache(maxsize=1)
def event_credential() -> Any:
    """The process's credential for Event Grid (the app's identity, as for ARM)."""
    return make_credential(get_settings())


def event_type(kind: EventKind, settings: Settings) -> str:
    return {EventKind.APPROVAL_PENDING: settings.event_grid_approval_event_type,
            EventKind.DRILL_FAILED: settings.drill_failed_event_type}[kind]


def cloud_event(inp: PublishEventInput, settings: Settings, base_url: str) -> dict[str, Any]:
    """The CloudEvents 1.0 envelope: the restore, plan or drill run is the subject."""
    subject, data = _subject_and_data(inp, base_url)
    return {"specversion": "1.0", "id": inp.id, "type": event_type(inp.kind, settings),
            "source": base_url or "vm-restore", "subject": subject,
            "time": inp.time.astimezone(UTC).isoformat().replace("+00:00", "Z"), "datacontenttype": "application/json",
            "data": data}


def _subject_and_data(inp: PublishEventInput, base_url: str) -> tuple[str, dict[str, Any]]:
    """A drill's failure: `drills/{name}/runs/{id}` with the run's report as `data`. An approval: `restores/{id}` or
    `plans/{id}`, with its approve/reject/status URLs in `data`."""
    if inp.kind is EventKind.DRILL_FAILED:
        return f"drills/{inp.drill}/runs/{inp.instance_id}", dict(inp.data)
    plan = is_plan_instance_id(inp.instance_id)
    subject = f"{'plans' if plan else 'restores'}/{inp.instance_id}"
    resource = f"{base_url}/api/{subject}"
    links = {"statusUrl": resource, "approveUrl": f"{resource}/approve", "rejectUrl": f"{resource}/reject"} \
        if base_url else {}
    return subject, {"planId" if plan else "restoreId": inp.instance_id, **inp.data, **links}


def _token(credential: Any) -> str:
    try:
        return str(credential.get_token(EVENT_GRID_SCOPE).token)
    except (ServiceRequestError, ServiceResponseError) as exc:
        raise TransportError(f"could not reach the identity endpoint: {type(exc).__name__}") from exc
    except AzureError as exc:
        raise AuthenticationError(f"could not get an Event Grid token: {type(exc).__name__}") from exc


def publish_event(inp: PublishEventInput, settings: Settings, credential: Any | None = None) -> PublishEventValue:
    """POST the event; `published: false` when no topic is configured.

    Raises: TransportError (no answer), AuthenticationError (no token), ResponseError (a non-2xx answer; 429/5xx
    transient).
    """
    endpoint = settings.event_grid_topic_endpoint
    if not endpoint:
        return PublishEventValue(published=False)
    token = _token(credential if credential is not None else event_credential())
    body = json.dumps([cloud_event(inp, settings, public_base_url())]).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": CONTENT_TYPE,
               "User-Agent": settings.client_config().user_agent}
    try:
        response = requests.post(endpoint, params={"api-version": API_VERSION}, data=body, headers=headers,
                                 timeout=TIMEOUT_SECONDS, allow_redirects=False)
    except requests.RequestException as exc:
        raise TransportError(f"Event Grid publish failed: {type(exc).__name__}") from exc
    if response.status_code >= 300:
        error: ResponseError = error_class_for(response.status_code)(
            response.status_code, f"EventGrid{response.status_code}", _message(response),
            retry_after=_retry_after(response), secrets=(token,))
        raise error
    return PublishEventValue(published=True, status=response.status_code)


def _retry_after(response: requests.Response) -> int | None:
    value = response.headers.get("Retry-After", "")
    return int(value) if value.isdigit() else None


def _message(response: requests.Response) -> str:
    try:
        error = response.json().get("error", {})
        return f"Event Grid refused the event: {error.get('code', '')} {error.get('message', '')}".strip()[:500]
    except (ValueError, AttributeError):
        return "Event Grid refused the event"
