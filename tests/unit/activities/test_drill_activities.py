"""The drill activities: the delete activity refuses anything outside the drill's target group without sending a
request. (A failed drill's event is `publish_event`'s: tests/activities/test_events.py.)"""

from __future__ import annotations

import pytest


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
