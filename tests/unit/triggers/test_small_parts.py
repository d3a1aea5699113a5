"""Scopes, problems, OpenAPI, event fields and the restore-id log filter."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import azure.functions as func
import pytest
from pydantic import ValidationError

from restore.request import RestoreRequest
from restore.scopes import is_allowed
from tests.unit.triggers.fakes import IDS, example
from triggers import telemetry
from triggers.eventgrid import event_fields, event_instance_id
from triggers.openapi import document
from triggers.problems import field_path, field_problems
from triggers.scopes import scope_problems

SUB = f"/subscriptions/{IDS['SUBSCRIPTION']}"


def test_scope_matches_whole_segments_case_insensitively() -> None:
    assert is_allowed(IDS["VM_ID"], [f"{SUB}/resourceGroups/RG-APP"])
    assert not is_allowed(IDS["VM_ID"], [f"{SUB}/resourceGroups/rg-ap"])
    assert not is_allowed(IDS["VM_ID"], [])


def test_every_source_and_target_outside_the_scopes_is_named() -> None:
    request = RestoreRequest.model_validate(example("new-vm.json"))
    problems = scope_problems(request, [f"{SUB}/resourceGroups/rg-app"])
    assert {p.field for p in problems} == {"storageAccountId", "targetResourceGroupId", "targetVnetId",
                                           "targetSubnetId"}
    assert scope_problems(request, [SUB]) == []


def test_field_paths_read_like_json_paths() -> None:
    assert field_path(("rehydration", "durationDays")) == "rehydration.durationDays"
    assert field_path(("diskLuns", 0), "data") == "data.diskLuns[0]"
    assert field_path(()) == "(body)"


def test_problems_drop_pydantic_prefixes_and_call_extras_unknown() -> None:
    with pytest.raises(ValidationError) as info:
        RestoreRequest.model_validate({"vmId": "x", "storageAccountId": IDS["STORAGE_ACCOUNT_ID"], "foo": 1})
    reasons = {p.field: p.reason for p in field_problems(info.value)}
    assert reasons["foo"] == "unknown field" and reasons["vmId"].startswith("not a vm resource ID")


def test_openapi_is_3_1_and_documents_routes_and_models() -> None:
    spec = document("https://app.example")
    assert spec["openapi"] == "3.1.0" and spec["servers"] == [{"url": "https://app.example"}]
    assert {"/api/restores", "/api/restores/{id}", "/api/restores/{id}/cancel", "/api/webhooks/incident",
            "/api/health", "/api/openapi.json", "/api/restores/{id}/approve",
            "/api/restores/{id}/reject", "/api/plans", "/api/plans/{id}", "/api/plans/{id}/cancel",
            "/api/drills", "/api/drills/{name}/run", "/api/drills/{name}/runs", "/api/drills/runs/{id}",
            "/api/drills/runs/{id}/validation", "/api/plans/{id}/approve", "/api/plans/{id}/reject"} \
        <= set(spec["paths"])
    assert {"schedule", "vms", "restore", "retentionHours"} <= set(spec["components"]["schemas"]["Drill"]["properties"])
    plan_schema = spec["components"]["schemas"]["PlanRequest"]
    assert {"groups", "vmIds", "vaultId", "onFailure", "dryRun", "storageAccountIds"} <= set(plan_schema["properties"])
    request_schema = spec["components"]["schemas"]["RestoreRequest"]
    assert "vmId" in request_schema["properties"] and request_schema.get("additionalProperties") is False
    codes = spec["paths"]["/api/restores/{id}"]["get"]["responses"]
    assert {"200", "202", "409", "422", "404"} <= set(codes)


def test_event_fields_read_both_schemas_and_give_stable_ids() -> None:
    eg = func.EventGridEvent(id="1", data={"a": 1}, topic="/t/X", subject="s", event_type="T",
                             event_time=datetime.now(UTC), data_version="1")
    fields = event_fields(eg)
    assert (fields.id, fields.topic, fields.type, fields.data) == ("1", "/t/X", "T", {"a": 1})
    same_topic_other_case = event_fields(func.EventGridEvent(id="1", data={}, topic="/t/x", subject="s",
                                                             event_type="T", event_time=None, data_version="1"))
    assert event_instance_id(fields) == event_instance_id(same_topic_other_case)


def test_every_log_record_carries_the_restore_id(caplog: pytest.LogCaptureFixture) -> None:
    log = telemetry.get_logger("tests.triggers.telemetry")
    with caplog.at_level(logging.INFO, logger="tests.triggers.telemetry"):
        log.info("outside")
        with telemetry.restore_context("rst-9"):
            log.info("inside")
            log.info("explicit", extra={"restore_id": "rst-10"})
    assert [r.restore_id for r in caplog.records] == ["-", "rst-9", "rst-10"]  # type: ignore[attr-defined]


def test_azure_monitor_is_configured_only_with_a_connection_string(monkeypatch: pytest.MonkeyPatch) -> None:
    from restore import settings

    monkeypatch.delenv("APPLICATIONINSIGHTS_CONNECTION_STRING", raising=False)
    settings.get_settings.cache_clear()
    try:
        assert telemetry.configure() is False
    finally:
        settings.get_settings.cache_clear()


def test_log_level_setting_applies_to_app_loggers_and_quiets_sdk_http_logs(monkeypatch: pytest.MonkeyPatch) -> None:
    import logging

    from restore import settings

    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    settings.get_settings.cache_clear()
    saved = {name: logging.getLogger(name).level for name in (*telemetry.APP_LOGGERS, *telemetry.QUIET_LOGGERS)}
    try:
        telemetry.configure_levels()
        assert logging.getLogger("activities").level == logging.DEBUG
        assert logging.getLogger("azure.core.pipeline.policies.http_logging_policy").level == logging.WARNING
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
        settings.get_settings.cache_clear()


def test_problem_types_point_at_the_docs_anchor_of_their_status(monkeypatch: pytest.MonkeyPatch) -> None:
    from triggers.problems import ANCHORS, problem_body

    docs = (Path(__file__).resolve().parents[3] / "docs" / "api.md").read_text()
    monkeypatch.setenv("DOCS_BASE_URL", "https://github.com/owner/repo/blob/main/")
    for status, anchor in ANCHORS.items():
        assert f'<a id="{anchor}"></a>`{status}`' in docs
        assert problem_body(status, "t", "d")["type"] == f"https://github.com/owner/repo/blob/main/docs/api.md#{anchor}"
    assert "contoso" not in json.dumps(problem_body(400, "t", "d"))


@pytest.mark.parametrize("value", ["", "not a url", "ftp://x", "javascript:alert(1)"])
def test_without_a_usable_docs_base_url_the_problem_type_is_about_blank(monkeypatch: pytest.MonkeyPatch,
                                                                          value: str) -> None:
    from triggers.problems import problem_body

    monkeypatch.setenv("DOCS_BASE_URL", value)
    assert problem_body(404, "t", "d")["type"] == "about:blank"
