"""The drill document: validated at use with field paths, never replace disks, isolated targets, schedules."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from restore.drill_schedule import drill_of_run, latest_due, next_due, pick_point, sample, scheduled_run_id
from restore.drills import Drill, PointChoice, load_drills, parse_drills
from restore.errors import InvalidSettingError

SUB = "/subscriptions/11111111-1111-1111-1111-111111111111"
TARGET = f"{SUB}/resourceGroups/rg-drill"
VM = f"{SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-web-01"
ACCOUNT = f"{TARGET}/providers/Microsoft.Storage/storageAccounts/stagingdrill"
OTHER_ACCOUNT = f"{SUB}/resourceGroups/other/providers/Microsoft.Storage/storageAccounts/stagingother"
VNET = f"{TARGET}/providers/Microsoft.Network/virtualNetworks/vnet-drill"


def _drill(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"name": "weekly-web", "schedule": "0 3 * * 1", "vms": {"ids": [VM]},
                            "restore": {"targetResourceGroupId": TARGET, "storageAccountId": ACCOUNT}}
    return {**base, **over}


def _error(doc: dict[str, Any]) -> str:
    with pytest.raises(InvalidSettingError) as caught:
        parse_drills(json.dumps(doc))
    return str(caught.value)


def test_a_minimal_drill_gets_the_documented_defaults() -> None:
    drill = parse_drills(json.dumps({"drills": [_drill()]})).drills[0]
    assert (drill.retention_hours, drill.time_zone, drill.recovery_point.choice) == (4, "UTC",
                                                                                     PointChoice.LATEST_WITHIN_WINDOW)
    assert drill.restore.mode == "restoreDisks" and drill.validation.validation_url is None


def test_replace_disks_is_refused_with_the_field_and_the_reason() -> None:
    message = _error({"drills": [_drill(restore={"mode": "replaceDisks", "targetResourceGroupId": TARGET,
                                                 "storageAccountId": ACCOUNT})]})
    assert "DRILLS: drills[0].restore.mode: a drill never replaces disks" in message


@pytest.mark.parametrize(("change", "field", "reason"), [
    ({"schedule": "every monday"}, "drills[0].schedule", "5-field cron"),
    ({"timeZone": "Mars/Olympus"}, "drills[0].timeZone", "IANA time zone"),
    ({"name": "Bad Name"}, "drills[0].name", "lower-case"),
    ({"retentionHours": 0}, "drills[0].retentionHours", "greater than 0"),
    ({"vms": {"ids": [VM], "vaultId": f"{SUB}/resourceGroups/b/providers/Microsoft.RecoveryServices/vaults/v"}},
     "drills[0].vms", "exactly one of ids, vaultId or resourceGroups"),
    ({"vms": {"ids": [VM], "tags": {"drill": "weekly"}}}, "drills[0].vms", "give resourceGroups with them"),
    ({"vms": {"resourceGroups": [f"{SUB}/resourceGroups/rg-app"], "tags": {"it's": "x"}}},
     "drills[0].vms.tags.it's.[key]", "String should match pattern"),
    ({"vms": {"resourceGroups": [TARGET]}}, "drills[0]", "must not name the drill's target resource group"),
    ({"vms": {"ids": [f"{TARGET}/providers/Microsoft.Compute/virtualMachines/inside"]}}, "drills[0]",
     "must not lie in the drill's target resource group"),
    ({"restore": {"targetResourceGroupId": TARGET,
                  "storageAccountId": OTHER_ACCOUNT}},
     "drills[0].restore", "storageAccountId must lie in targetResourceGroupId"),
    ({"restore": {"mode": "newVm", "targetResourceGroupId": TARGET, "storageAccountId": ACCOUNT}},
     "drills[0].restore", "newVm needs targetVnetId and targetSubnetId"),
    ({"restore": {"mode": "newVm", "targetResourceGroupId": TARGET, "storageAccountId": ACCOUNT,
                  "targetVnetId": VNET, "targetSubnetId": f"{VNET}-other/subnets/default"}},
     "drills[0].restore", "targetSubnetId must be a subnet of targetVnetId"),
    ({"recoveryPoint": {"types": ["Snapshot"]}}, "drills[0].recoveryPoint.types", "unknown point type"),
    ({"validation": {"validationUrl": "ftp://x"}}, "drills[0].validation.validationUrl", "absolute http(s) URL"),
])
def test_bad_fields_are_named_with_their_reason(change: dict[str, Any], field: str, reason: str) -> None:
    message = _error({"drills": [_drill(**change)]})
    assert f"{field}: " in message and reason in message


def test_duplicate_names_and_non_json_are_refused() -> None:
    assert "drill names must be unique" in _error({"drills": [_drill(), _drill()]})
    with pytest.raises(InvalidSettingError, match="DRILLS: not JSON"):
        parse_drills("{nope")


def test_load_reads_the_file_setting_refuses_both_and_applies_callback_rules(tmp_path: Path) -> None:
    path = tmp_path / "drills.json"
    path.write_text(json.dumps({"drills": [_drill(validation={"validationUrl": "http://127.0.0.1:9/v"})]}))
    with pytest.raises(InvalidSettingError, match=re.escape("DRILLS_FILE: drills[0].validation.validationUrl")):
        load_drills("", str(path))
    assert load_drills("", str(path), allow_insecure_urls=True).drills[0].name == "weekly-web"
    with pytest.raises(InvalidSettingError, match="not both"):
        load_drills("{}", str(path))
    with pytest.raises(InvalidSettingError, match="cannot read"):
        load_drills("", str(tmp_path / "missing.json"))
    assert load_drills("", "").drills == []


def _parsed(**over: Any) -> Drill:
    return parse_drills(json.dumps({"drills": [_drill(**over)]})).drills[0]


def test_latest_due_time_counts_only_within_the_start_window() -> None:
    drill = _parsed(schedule="0 3 * * *", startWindowHours=2)
    assert latest_due(drill, datetime(2026, 3, 2, 3, 0, tzinfo=UTC)) == datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    assert latest_due(drill, datetime(2026, 3, 2, 4, 59, tzinfo=UTC)) == datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    assert latest_due(drill, datetime(2026, 3, 2, 5, 1, tzinfo=UTC)) is None
    assert next_due(drill, datetime(2026, 3, 2, 3, 0, tzinfo=UTC)) == datetime(2026, 3, 3, 3, 0, tzinfo=UTC)


def test_a_time_zone_schedule_follows_daylight_saving() -> None:
    drill = _parsed(schedule="0 3 * * *", timeZone="Europe/Amsterdam")
    winter = next_due(drill, datetime(2026, 1, 10, 12, tzinfo=UTC))
    summer = next_due(drill, datetime(2026, 7, 10, 12, tzinfo=UTC))
    assert (winter.hour, summer.hour) == (2, 1)


def test_run_ids_are_stable_per_due_time_and_map_back_to_their_drill() -> None:
    due = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    assert scheduled_run_id("weekly", due) == scheduled_run_id("weekly", due) == "drill-weekly-20260302T0300Z"
    assert drill_of_run("drill-weekly-web-20260302T0300Z", ["weekly", "weekly-web"]) == "weekly-web"
    assert drill_of_run("drill-other-x", ["weekly"]) is None


def test_sampling_and_random_points_are_seeded_by_the_run() -> None:
    vms = [f"vm{i}" for i in range(10)]
    first = sample(vms, 3, "run-a")
    assert first == sample(vms, 3, "run-a") and len(first) == 3 and set(first) <= set(vms)
    assert sample(vms, None, "x") == vms and sample(vms, 20, "x") == vms
    points = [("p1", datetime(2026, 1, 1, tzinfo=UTC)), ("p2", datetime(2026, 1, 3, tzinfo=UTC))]
    assert pick_point(PointChoice.LATEST_WITHIN_WINDOW, points, "s") == "p2"
    picks = {pick_point(PointChoice.RANDOM_WITHIN_WINDOW, points, f"s{i}") for i in range(20)}
    assert picks == {"p1", "p2"}
    assert pick_point(PointChoice.RANDOM_WITHIN_WINDOW, [], "s") is None
