"""Plans on the board in Debian's headless Chromium against the local stack: lanes, tiles that move, cancel."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.board.conftest import ARTIFACTS, Api, Board
from tests.support.wait import wait_until

GROUP_JOB = 12000.0  # service seconds: 20 s of wall time at TIME_SCALE 600, so the plan's second group comes soon
LONG_JOB = 360000.0  # ten minutes of wall time: the jobs run until the test cancels them


def _tile_progress(tile: Any) -> float:
    bar = tile.locator("progress")
    if bar.count() == 0:
        return -1.0
    return float(bar.evaluate("p => p.hasAttribute('value') ? p.value : -1"))


def test_a_plan_shows_its_groups_as_lanes_of_vm_tiles_and_the_tiles_move(board: Board, api: Api) -> None:
    vms = api.seed_vms(["vm-db-01", "vm-app-01", "vm-app-02"])
    api.scenario(jobSeconds=GROUP_JOB)
    plan_id = api.start_plan({"groups": [{"name": "database", "vms": vms[:1]}, {"name": "application", "vms": vms[1:]}],
                              "storageAccountId": api.ids["STORAGE_ACCOUNT_ID"]})
    api.wait_plan(plan_id, lambda b: any(v.get("progress") is not None for v in b.get("vms", [])),
                  "the database job to report progress")
    board.open()
    plan = board.plan(plan_id)
    expect(plan).to_have_attribute("data-status", "running")
    expect(plan.locator(".badge").first).to_contain_text("running")
    lanes = plan.locator("li.lane")
    expect(lanes).to_have_count(2)
    expect(lanes.nth(0).locator("h4")).to_contain_text("1. database")
    expect(lanes.nth(0).locator("h4")).to_contain_text("(running now)")
    expect(lanes.nth(1).locator("h4")).to_contain_text("2. application")
    db = lanes.nth(0).locator("li.tile")
    app = lanes.nth(1).locator("li.tile")
    expect(db).to_have_count(1)
    expect(app).to_have_count(2)
    expect(db.locator(".vm")).to_have_text("vm-db-01")
    expect(db).to_have_attribute("data-state", "running")
    expect(db.locator(".badge")).to_contain_text("running")
    expect(db.locator(".phase")).to_have_text("Phase: waitingForJob")
    for n in range(2):  # not started yet: said in words, not only by the tile's look
        expect(app.nth(n)).to_have_attribute("data-state", "pending")
        expect(app.nth(n).locator(".badge")).to_contain_text("pending")
    first = wait_until(lambda: _tile_progress(db), lambda p: p >= 0, timeout=30, what="a progress value on the tile")
    wait_until(lambda: _tile_progress(db), lambda p: p > first, timeout=30, what="the tile's progress to move")
    # The database group ends, then the application group's tiles move on: running, then succeeded.
    expect(db).to_have_attribute("data-state", "succeeded", timeout=60_000)
    expect(app.nth(0)).to_have_attribute("data-state", "running", timeout=30_000)
    expect(app.nth(0).locator(".vm")).to_have_text("vm-app-01")
    expect(lanes.nth(1).locator("h4")).to_contain_text("(running now)")
    board.page.screenshot(path=str(ARTIFACTS / "board-plan-running.png"), full_page=True)
    expect(plan).to_have_attribute("data-status", "succeeded", timeout=90_000)
    expect(plan.locator('li.tile[data-state="succeeded"]')).to_have_count(3)
    expect(plan.locator('li.tile[data-state="succeeded"] .badge')).to_have_text(["\u2714 succeeded"] * 3)
    expect(plan.locator("button.cancel-plan")).to_have_count(0)
    assert api.plan(plan_id).json()["counts"] == {"succeeded": 3}


def test_the_status_filter_applies_to_plans(board: Board, api: Api) -> None:
    vms = api.seed_vms(["vm-dry-01"])
    plan_id = api.start_plan({"vmIds": vms, "dryRun": True, "storageAccountId": api.ids["STORAGE_ACCOUNT_ID"]})
    api.wait_plan(plan_id, lambda b: b.get("status") == "succeeded", "the dry run to end")
    board.open()
    expect(board.plan(plan_id).locator("li.tile")).to_have_attribute("data-state", "validated")
    expect(board.plan(plan_id).locator(".tag")).to_contain_text("dry run")
    board.page.select_option("#filter-status", "failed")
    expect(board.plan(plan_id)).to_have_count(0)
    expect(board.page.locator("li.plan:not([data-status='failed'])")).to_have_count(0)
    board.page.select_option("#filter-status", "succeeded")
    expect(board.plan(plan_id)).to_be_visible()
    board.page.select_option("#filter-source", "incident")  # plans start only through the HTTP API
    expect(board.plan(plan_id)).to_have_count(0)
    board.page.select_option("#filter-source", "http")
    expect(board.plan(plan_id)).to_be_visible()


def test_plan_cancel_asks_first_by_keyboard_then_cancels_every_running_azure_job(board: Board, api: Api) -> None:
    vms = api.seed_vms(["vm-web-11", "vm-web-12", "vm-web-13"])
    api.scenario(jobSeconds=LONG_JOB, cancelSeconds=60)
    plan_id = api.start_plan({"groups": [{"name": "web", "vms": vms}],
                              "storageAccountId": api.ids["STORAGE_ACCOUNT_ID"]})
    body = api.wait_plan(plan_id, lambda b: len(b.get("vms", [])) == 3 and all(
        v["phase"] == "waitingForJob" and v.get("jobId") for v in b["vms"]), "the three jobs to run")
    job_ids = {v["jobId"] for v in body["vms"]}
    board.open()
    plan = board.plan(plan_id)
    expect(plan.locator('li.tile[data-state="running"]')).to_have_count(3)
    button = plan.locator("button.cancel-plan")
    page = board.page
    board.tab_to(button)
    page.keyboard.press("Enter")
    dialog = page.locator("#confirm")
    expect(dialog).to_be_visible()
    expect(page.locator("#confirm-title")).to_have_text("Cancel this plan?")
    expect(page.locator("#confirm-text")).to_contain_text(plan_id)
    expect(page.locator("#confirm-reason-row")).to_be_hidden()  # the plan cancel takes no reason
    page.keyboard.press("Escape")  # the first answer is "no": nothing is sent
    expect(dialog).to_be_hidden()
    assert not any(r.url.endswith("/cancel") for r in board.sent)
    assert api.plan(plan_id).json()["status"] == "running"
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    page.focus("#confirm-yes")
    page.keyboard.press("Enter")
    expect(plan).to_have_attribute("data-status", "cancelled", timeout=90_000)
    expect(plan.locator(".badge").first).to_contain_text("cancelled")
    expect(plan.locator('li.tile[data-state="cancelled"]')).to_have_count(3)
    assert [r.method for r in board.sent if r.url.endswith(f"/api/plans/{plan_id}/cancel")] == ["POST"]
    cancelled = {m.group(1) for e in api.azure_requests() if e["method"] == "POST"
                 and (m := re.search(r"/backupJobs/([^/?]+)/cancel", e["path"]))}
    assert cancelled == job_ids, "the board's plan cancel did not reach every Azure job"
