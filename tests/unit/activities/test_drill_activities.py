"""The drill activities: the DrillFailed publisher refuses insecure endpoints before asking for a token, and the
delete activity refuses anything outside the drill's target group without sending a request."""

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


def test_the_delete_activity_refuses_a_resource_outside_the_target_group_without_sending_anything() -> None:
    from activities import drills
    from restore.drill_payloads import DeleteInput
    from restore.errors import DrillScopeError

    class NoClient:
        def delete_arm_resource(self, resource_id: str) -> int:
            raise AssertionError(f"sent a DELETE for {resource_id}")

    group = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-drill"
    for outside in (group + "2/providers/Microsoft.Compute/disks/d", group.replace("rg-drill", "rg-app")
                    + "/providers/Microsoft.Compute/disks/d", group):
        with pytest.raises(DrillScopeError, match="outside the drill's target resource group"):
            drills.delete(NoClient(), DeleteInput(resource_id=outside, target_group=group))  # type: ignore[arg-type]
