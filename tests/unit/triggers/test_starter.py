"""The shared start path: deterministic IDs, existing instances, conflicts."""

from __future__ import annotations

import asyncio

import pytest

from restore.instance_ids import Source
from restore.request import RestoreRequest
from tests.unit.triggers.fakes import IDS, T0, FakeClient, status
from triggers.starter import IdempotencyConflictError, build_order, start_restore

REQUEST = RestoreRequest.model_validate({"vmId": IDS["VM_ID"], "storageAccountId": IDS["STORAGE_ACCOUNT_ID"]})
OTHER = RestoreRequest.model_validate({"vmId": IDS["VM_ID"], "targetResourceGroupId": IDS["TARGET_RG_ID"],
                                      "storageAccountId": IDS["STORAGE_ACCOUNT_ID"]})


def start(client: FakeClient, request: RestoreRequest, instance_id: str | None) -> object:
    return asyncio.run(start_restore(client, request, source=Source.HTTP, instance_id=instance_id,
                                     idempotency_key="k", now=T0))


def test_the_order_is_the_documented_restore_order() -> None:
    order = build_order(REQUEST, Source.EVENTGRID, T0, "topic#id")
    assert order == {"request": REQUEST.to_wire(), "requestedAt": "2026-03-01T08:00:00+00:00",
                     "source": "eventgrid", "idempotencyKey": "topic#id", "dryRun": False}


def test_a_new_key_starts_restore_vm_with_the_order() -> None:
    client = FakeClient()
    result = start(client, REQUEST, "rst-abc")
    assert result.created and result.instance_id == "rst-abc"  # type: ignore[attr-defined]
    [(name, instance_id, order)] = client.started
    assert (name, instance_id, order["request"]) == ("restore_vm", "rst-abc", REQUEST.to_wire())


def test_without_a_key_every_start_gets_a_new_instance() -> None:
    client = FakeClient()
    start(client, REQUEST, None)
    start(client, REQUEST, None)
    assert len({i for _, i, _ in client.started}) == 2


@pytest.mark.parametrize("runtime", ["Running", "Completed", "Failed", "Terminated"])
def test_a_repeated_key_returns_the_existing_instance_in_any_state(runtime: str) -> None:
    client = FakeClient()
    client.instances["rst-abc"] = status("rst-abc", runtime, order=build_order(REQUEST, Source.HTTP, T0, "k"))
    result = start(client, REQUEST, "rst-abc")
    assert not result.created and client.started == []  # type: ignore[attr-defined]


def test_a_repeated_key_with_a_different_request_conflicts() -> None:
    client = FakeClient()
    client.instances["rst-abc"] = status("rst-abc", "Completed", order=build_order(REQUEST, Source.HTTP, T0, "k"))
    with pytest.raises(IdempotencyConflictError):
        start(client, OTHER, "rst-abc")
    assert client.started == []


def test_a_start_that_loses_the_race_returns_the_twin_instance() -> None:
    class Racing(FakeClient):
        async def start_new(self, name: str, instance_id: str, client_input: object = None) -> str:
            self.instances[instance_id] = status(instance_id, "Running", order=client_input)
            raise Exception("instance already exists")  # what the DF client raises

    client = Racing()
    result = start(client, REQUEST, "rst-abc")
    assert not result.created  # type: ignore[attr-defined]


def test_a_start_failure_without_an_instance_propagates() -> None:
    client = FakeClient()
    client.fail_start = RuntimeError("storage down")
    with pytest.raises(RuntimeError):
        start(client, REQUEST, "rst-abc")
