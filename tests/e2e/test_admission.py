"""Refusals before anything starts: validation (400), scopes (403), signatures (401)."""

from __future__ import annotations

import time

import requests

from tests.e2e.helpers import Stack, example


def test_invalid_request_is_400_naming_every_field_and_starts_nothing(stack: Stack) -> None:
    before = stack.instance_count()
    body = {**example("new-vm.json", stack.ids), "targetVmName": None, "diskLuns": [99], "colour": "red",
            "callbackUrl": "ftp://example.com/x"}
    response = stack.start(body)
    assert response.status_code == 400 and response.headers["Content-Type"].startswith("application/problem+json")
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"targetVmName", "diskLuns[0]", "colour", "callbackUrl"} <= fields
    assert stack.instance_count() == before


def test_target_outside_allowed_scopes_is_403_and_starts_nothing(stack: Stack) -> None:
    before = stack.instance_count()
    body = {**example("restore-disks.json", stack.ids), "storageAccountId": stack.ids["OPS_STORAGE_ACCOUNT_ID"]}
    response = stack.start(body)
    assert response.status_code == 403
    assert [e["field"] for e in response.json()["errors"]] == ["storageAccountId"]
    assert stack.instance_count() == before


def test_unsigned_or_badly_signed_webhooks_are_401_and_start_nothing(stack: Stack) -> None:
    before = stack.instance_count()
    body = {"incidentId": "INC-401", **example("restore-disks.json", stack.ids)}
    unsigned = requests.post(f"{stack.api}/webhooks/incident", json=body, timeout=30)
    wrong_secret = stack.signed_post("/webhooks/incident", body, secret="not-the-secret")
    stale = stack.signed_post("/webhooks/incident", body, timestamp=int(time.time()) - 600)
    assert [r.status_code for r in (unsigned, wrong_secret, stale)] == [401, 401, 401]
    assert stack.instance_count() == before


def test_health_and_openapi_answer(stack: Stack) -> None:
    assert requests.get(f"{stack.api}/health", timeout=10).json()["status"] == "ok"
    spec = requests.get(f"{stack.api}/openapi.json", timeout=10).json()
    assert spec["openapi"].startswith("3.1") and "RestoreRequest" in spec["components"]["schemas"]


def test_cross_region_without_target_group_or_with_rehydration_and_no_staging_is_400_naming_each(stack: Stack) -> None:
    before = stack.instance_count()
    body = {"vmId": stack.ids["VM_ID"], "crossRegion": True, "rehydration": {"priority": "High"}}
    response = stack.start(body)
    assert response.status_code == 400, response.text
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert {"targetResourceGroupId", "rehydration", "storageAccountId"} <= set(errors)
    assert stack.instance_count() == before
