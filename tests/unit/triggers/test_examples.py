"""Every examples/ request is a valid RestoreRequest inside the demo scopes."""

from __future__ import annotations

import pytest

from restore.request import RestoreMode, RestoreRequest
from tests.unit.triggers.fakes import IDS, example
from triggers.scopes import scope_problems

REQUESTS = ["restore-disks.json", "selective-disks.json", "replace-disks.json", "new-vm.json", "cross-region.json",
            "archive-rehydration.json"]
SCOPES = (f"/subscriptions/{IDS['SUBSCRIPTION']}",)


@pytest.mark.parametrize("name", REQUESTS)
def test_example_request_is_valid_and_in_scope(name: str) -> None:
    request = RestoreRequest.model_validate(example(name), context={"allow_insecure_callback": False})
    assert scope_problems(request, SCOPES) == []


def test_examples_cover_every_mode_cross_region_luns_and_rehydration() -> None:
    requests = [RestoreRequest.model_validate(example(name)) for name in REQUESTS]
    assert {r.mode for r in requests} == set(RestoreMode)
    assert any(r.cross_region for r in requests)
    assert any(r.disk_luns for r in requests)
    assert any(r.rehydration for r in requests)


def test_eventgrid_example_carries_a_request_of_the_configured_type() -> None:
    [event] = example("eventgrid-event.json")
    assert event["eventType"] == "Contoso.Restore.Requested"
    assert RestoreRequest.model_validate(event["data"]).vm_id == IDS["VM_ID"]
