"""Publish a drill's `Contoso.Restore.DrillFailed` event to the Event Grid topic `DRILL_EVENTGRID_TOPIC_ENDPOINT`.

Event Grid schema, one event in a JSON array, POSTed to the topic endpoint with a Microsoft Entra token for the
Event Grid audience (`https://eventgrid.azure.net/.default`; MS Learn "Authenticate publishing clients using
Microsoft Entra ID", azure-eventgrid `EventGridPublisherClient`): the token is for that audience only and goes to
that endpoint only, never to ARM, and is never logged. The endpoint must be HTTPS (`CALLBACK_ALLOW_INSECURE` allows
http for local tests, as for callbacks); no redirects are followed.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests

from activities.client import make_credential
from azbackup.errors import TransportError, error_class_for
from restore.drill_payloads import DrillEventInput, DrillEventValue
from restore.errors import CallbackRefusedError
from restore.settings import Settings

EVENTGRID_SCOPE = "https://eventgrid.azure.net/.default"
TIMEOUT_SECONDS = 10


def publish_failed(inp: DrillEventInput, settings: Settings) -> DrillEventValue:
    """POST the event when a topic is configured; `published` False when none is."""
    endpoint = settings.drill_eventgrid_topic_endpoint
    if not endpoint:
        return DrillEventValue(published=False)
    parts = urlsplit(endpoint)
    allowed = ("https", "http") if settings.callback_allow_insecure else ("https",)
    if parts.scheme not in allowed or not parts.hostname or parts.username or parts.password:
        raise CallbackRefusedError("DRILL_EVENTGRID_TOPIC_ENDPOINT refused: must be an https URL without credentials")
    token = make_credential(settings).get_token(EVENTGRID_SCOPE).token
    event = {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"drill-failed:{inp.run_id}")),
             "eventType": settings.drill_failed_event_type, "subject": f"drills/{inp.drill}/runs/{inp.run_id}",
             "eventTime": datetime.now(UTC).isoformat(), "dataVersion": "1.0", "data": inp.report}
    try:
        response = requests.post(endpoint, json=[event], timeout=TIMEOUT_SECONDS, allow_redirects=False,
                                 headers={"Authorization": f"Bearer {token}"})
    except requests.RequestException as exc:
        raise TransportError(f"Event Grid publish failed: {type(exc).__name__}") from exc
    if response.status_code >= 300:
        raise error_class_for(response.status_code)(response.status_code, f"EventGrid{response.status_code}",
                                                    "the Event Grid topic refused the event")
    return DrillEventValue(published=True, status=response.status_code)
