"""The DrillFailed publisher: nothing without a topic; an insecure or credentialed endpoint refused before any
token is asked for."""

from __future__ import annotations

import pytest

from activities import drill_events
from restore.drill_payloads import DrillEventInput
from restore.errors import CallbackRefusedError
from restore.settings import read_settings

EVENT = DrillEventInput(run_id="drill-x-run-1", drill="x", report={"status": "failed"})


def test_no_topic_publishes_nothing() -> None:
    assert drill_events.publish_failed(EVENT, read_settings({})).published is False


@pytest.mark.parametrize("endpoint", ["http://topic.westeurope-1.eventgrid.azure.net/api/events",
                                      "https://user:pw@topic.westeurope-1.eventgrid.azure.net/api/events",
                                      "ftp://topic/api/events"])
def test_an_endpoint_that_is_not_plain_https_is_refused_before_a_token_is_asked_for(
        endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_token(_settings: object) -> object:
        raise AssertionError("asked for a token")

    monkeypatch.setattr(drill_events, "make_credential", no_token)
    settings = read_settings({"DRILL_EVENTGRID_TOPIC_ENDPOINT": endpoint})
    with pytest.raises(CallbackRefusedError, match="must be an https URL"):
        drill_events.publish_failed(EVENT, settings)
