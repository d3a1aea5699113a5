"""`restore_vm` emits one `restore.finished` custom event per run, on its last episode only, with its dimensions."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from restore.events import CUSTOM_EVENT_ATTRIBUTE, RestoreFinished
from tests.unit.orchestrators.fakes import JOB_ID, FakeAzure, err, order
from tests.unit.orchestrators.replay import Replay, drive

ALIASES = {f.alias for f in RestoreFinished.model_fields.values()}


def finished(caplog: pytest.LogCaptureFixture, fake: FakeAzure, **request: Any) -> list[dict[str, Any]]:
    with caplog.at_level(logging.INFO, logger="orchestrators"):
        drive(Replay("restore_vm", order(**request)), fake.handlers())
    return [vars(r) for r in caplog.records if getattr(r, CUSTOM_EVENT_ATTRIBUTE, None) == RestoreFinished.NAME]


def test_a_succeeded_restore_emits_one_event_with_its_outcome_mode_region_and_durations(
        caplog: pytest.LogCaptureFixture) -> None:
    events = finished(caplog, FakeAzure())
    assert len(events) == 1  # many episodes replay the run; only the last one, not replaying, emits
    event = events[0]
    assert event["msg"] == "restore.finished"
    assert {k: event[k] for k in ("restoreId", "outcome", "phase", "source", "mode", "crossRegion", "region")} == {
        "restoreId": "restore-1", "outcome": "succeeded", "phase": "done", "source": "http", "mode": "restoreDisks",
        "crossRegion": "false", "region": "westeurope"}
    assert event["durationSeconds"] == 180.0 and event["jobId"] == JOB_ID
    assert event["recoveryPointAgeHours"] == 10.0  # point at 22:00, restore started 08:00 the next day
    assert set(event) & ALIASES == ALIASES - {"errorCode"}


def test_a_failed_restore_emits_its_error_code(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeAzure().then("resolve_backup_item", err("VmNotProtected", "VM vm1 is not protected", status=404))
    events = finished(caplog, fake)
    assert len(events) == 1
    assert set(events[0]) & ALIASES == ALIASES - {"jobId", "recoveryPointAgeHours"}  # it ended before both
    assert events[0]["outcome"] == "failed" and events[0]["errorCode"] == "VmNotProtected"
    assert events[0]["region"] == "unknown" and events[0]["phase"] == "resolving"


def test_a_cross_region_restore_is_counted_in_the_secondary_region(caplog: pytest.LogCaptureFixture) -> None:
    events = finished(caplog, FakeAzure(), crossRegion=True)
    assert len(events) == 1
    assert events[0]["crossRegion"] == "true" and events[0]["region"] == "northeurope"

