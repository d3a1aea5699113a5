"""`vmrestore plan …`: plan files, the live table, and the commands against a real HTTP server (pytest-httpserver)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from vmrestore import cli, plans, render

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
VM = "/subscriptions/s/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/{}"
PLAN_YAML = """\
groups:
  - name: db
    vms: [{db}]
  - name: web
    vms:
      - vmId: {web}
        recoveryPointPolicy: latest
storageAccountIds:
  westeurope: /subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st
"""


def _running_body() -> dict[str, Any]:
    return {"id": "pln-1", "status": "running", "phase": "running", "group": "db", "total": 3,
            "groups": [{"name": "db", "total": 2}, {"name": "web", "total": 1}],
            "counts": {"succeeded": 1, "running": 1, "pending": 1}, "eta": (NOW + timedelta(seconds=200)).isoformat(),
            "vms": [{"index": 0, "group": "db", "vmId": VM.format("vm-db-1"), "state": "succeeded", "progress": 100},
                    {"index": 1, "group": "db", "vmId": VM.format("vm-db-2"), "state": "running",
                     "phase": "waitingForJob", "progress": 40, "eta": (NOW + timedelta(seconds=95)).isoformat()}]}


def test_a_yaml_plan_file_is_read_as_the_plan_body(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN_YAML.format(db=VM.format("vm-db-1"), web=VM.format("vm-web-1")))
    body = plans.read_plan_file(str(path))
    assert [g["name"] for g in body["groups"]] == ["db", "web"]
    assert body["groups"][1]["vms"][0] == {"vmId": VM.format("vm-web-1"), "recoveryPointPolicy": "latest"}


def test_dry_run_flag_sets_dry_run_in_the_body(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"vmIds": [VM.format("a")]}))
    args = cli.parser().parse_args(["plan", "start", str(path), "--dry-run"])
    assert plans.start_body(args) == {"vmIds": [VM.format("a")], "dryRun": True}


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("plan.yaml", None, "No such file"), ("plan.yaml", "groups: [unclosed", "not YAML"),
    ("plan.json", "{nope", "not JSON"), ("plan.yml", "- a\n- b\n", "mapping")])
def test_a_bad_plan_file_is_a_one_line_usage_error(tmp_path: Path, name: str, content: str | None,
                                                   reason: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    done = subprocess.run([sys.executable, "-m", "vmrestore", "--url", "http://127.0.0.1:9", "plan", "start",
                           str(path)], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == cli.EXIT_USAGE, done.stderr
    assert done.stderr.splitlines() == [done.stderr.strip()] and reason in done.stderr
    assert "Traceback" not in done.stderr


def test_the_table_has_a_row_per_vm_with_group_phase_bar_eta_and_result() -> None:
    text = render.as_text(render.plan_frame(_running_body(), NOW)).splitlines()
    assert text[0].startswith("plan pln-1 running") and "1/3 done" in text[0] and "eta in 3m 20s" in text[0]
    rows = {line.split()[0]: line for line in text[2:]}
    assert rows["0"].split()[1:4] == ["db", "vm-db-1", "succeeded"] and "100.0%" in rows["0"]
    assert rows["1"].split()[1:4] == ["db", "vm-db-2", "waitingForJob"] and "40.0%" in rows["1"]
    assert "in 1m 35s" in rows["1"]
    assert rows["2"].split()[1:4] == ["web", "#2", "pending"]  # not started: the API counts it in its group


def test_the_result_column_shows_the_error_code_or_the_point_a_dry_run_chose() -> None:
    failed = {"state": "failed", "error": {"code": "UserErrorX", "message": "m"}}
    assert render.vm_result(failed) == "failed: UserErrorX"
    assert render.vm_result({"state": "validated", "recoveryPoint": {"name": "123"}}) == "validated (point 123)"
    assert render.vm_result({"state": "running"}) == ""


def test_a_watch_keeps_the_vm_names_of_earlier_polls() -> None:
    names: dict[int, str] = {}
    plans.remember_names({"vms": [{"index": 1, "vmId": VM.format("vm-db-2"), "state": "running"}]}, names)
    later = plans.remember_names({"vms": [{"index": 1, "state": "succeeded"}]}, names)
    assert later["vms"] == [{"index": 1, "state": "succeeded", "vmId": VM.format("vm-db-2")}]


def test_an_eta_reads_as_time_left() -> None:
    assert render.eta_text((NOW + timedelta(hours=2, minutes=5)).isoformat(), NOW) == "in 2h 05m"
    assert render.eta_text(None, NOW) == "-" and render.eta_text("soon", NOW) == "-"


def _run(server: HTTPServer, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    args = cli.parser().parse_args(["--url", server.url_for(""), *argv])
    code = cli._COMMANDS[args.command](cli.Api(args.url, None), args, out, err)
    return code, out.getvalue(), err.getvalue()


def _final_body(status: str) -> dict[str, Any]:
    body = _running_body() | {"status": status, "phase": "done", "eta": None,
                              "counts": {"succeeded": 2, "failed": 1} if status == "failed" else {status: 3}}
    body["summary"] = {"failures": [{"index": 2, "vmId": VM.format("vm-web-1"), "error": {
        "code": "UserErrorX", "message": "the disk is gone", "recommendations": ["retry later"]}}]
        if status == "failed" else [], "totalSeconds": 42.0}
    return body


@pytest.mark.parametrize(("status", "http", "code"), [("succeeded", 200, 0), ("failed", 422, 1),
                                                       ("cancelled", 409, 3)])
def test_start_watch_posts_the_file_follows_the_plan_and_exits_by_its_end(
        httpserver: HTTPServer, tmp_path: Path, status: str, http: int, code: int) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN_YAML.format(db=VM.format("vm-db-1"), web=VM.format("vm-web-1")))
    sent = plans.read_plan_file(str(path))
    httpserver.expect_ordered_request("/api/plans", method="POST", json=sent).respond_with_json(
        {"id": "pln-1", "status": "running"}, status=202)
    httpserver.expect_ordered_request("/api/plans/pln-1", method="GET").respond_with_json(
        _running_body(), status=202, headers={"Retry-After": "0"})
    httpserver.expect_ordered_request("/api/plans/pln-1", method="GET").respond_with_json(_final_body(status),
                                                                                         status=http)
    result, out, err = _run(httpserver, "plan", "start", str(path), "--watch")
    assert result == code, err
    httpserver.check_assertions()
    assert "waitingForJob" in out and f"{status}: plan pln-1" in out
    if status == "failed":
        assert "UserErrorX: the disk is gone" in out and "retry later" in out


def test_cancel_posts_to_the_plan_and_a_refusal_prints_the_problem(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/api/plans/pln-1/cancel", method="POST").respond_with_json(
        {"id": "pln-1"}, status=202)
    httpserver.expect_ordered_request("/api/plans/pln-2/cancel", method="POST").respond_with_json(
        {"title": "Plan already finished", "detail": "plan pln-2 has ended"}, status=409)
    assert _run(httpserver, "plan", "cancel", "pln-1")[:2] == (0, "cancel requested for plan pln-1\n")
    code, _, err = _run(httpserver, "plan", "cancel", "pln-2")
    assert code == cli.EXIT_API and err.splitlines() == ["error: Plan already finished (HTTP 409)",
                                                         "  plan pln-2 has ended"]


def test_plan_approve_and_reject_send_the_decision_and_need_by(httpserver: HTTPServer,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VMRESTORE_BY", raising=False)
    httpserver.expect_ordered_request("/api/plans/pln-1/approve", method="POST",
                                      json={"by": "alice", "reason": "DR drill"}).respond_with_json({"id": "pln-1"},
                                                                                                   status=202)
    httpserver.expect_ordered_request("/api/plans/pln-1/reject", method="POST", json={"by": "bob"}).respond_with_json(
        {"title": "Not an approver", "detail": "'bob' is not one of the plan's approvers"}, status=403)
    code, out, _ = _run(httpserver, "plan", "approve", "pln-1", "--by", "alice", "--reason", "DR drill")
    assert (code, out) == (0, "approve sent for plan pln-1 by alice\n")
    code, _, err = _run(httpserver, "plan", "reject", "pln-1", "--by", "bob")
    assert code == cli.EXIT_API and err.startswith("error: Not an approver (HTTP 403)")
    httpserver.check_assertions()
    code, _, err = _run(httpserver, "plan", "reject", "pln-1")
    assert code == cli.EXIT_USAGE and "--by is required" in err


def test_list_prints_one_line_per_plan(httpserver: HTTPServer) -> None:
    items = [_final_body("succeeded") | {"id": "pln-2", "createdAt": "2026-12-04T11:00:00+00:00"},
             _running_body() | {"createdAt": "2026-12-04T10:00:00+00:00"}]
    httpserver.expect_request("/api/plans", method="GET", query_string="top=5").respond_with_json({"items": items})
    code, out, _ = _run(httpserver, "plan", "list", "--top", "5")
    assert code == 0
    lines = out.splitlines()
    assert [line.split()[2] for line in lines] == ["pln-2", "pln-1"] and "3/3 done" in lines[0]
