"""The restore board in Debian's headless Chromium against the local stack (emulator + local host, keys enforced)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from tests.board.conftest import ARTIFACTS, FUNCTION_KEY, Api, Board
from tests.e2e.helpers import example
from tests.support.wait import wait_until

LONG_JOB = 36000.0  # service seconds: one minute of wall time at TIME_SCALE 600


def _progress(board: Board, restore_id: str) -> float:
    value = board.card(restore_id).locator("progress").evaluate("p => p.hasAttribute('value') ? p.value : -1")
    return float(value)


# First in the file: its screenshot (.artifacts/board/board-overview.png, docs/board.png) shows only its restores and
# its plan.
def test_the_board_shows_every_outcome_and_filters_by_status_and_source(board: Board, api: Api) -> None:
    api.scenario(validationErrors=[{"code": "UserErrorTargetQuotaExceeded", "message": "vCPU quota exceeded",
                                    "recommendations": ["Request more vCPU quota in the target region"]}])
    sql_vm = api.ids["VM_ID"].replace("vm-web-01", "vm-sql-01")
    failed = api.start({**example("restore-disks.json", api.ids), "vmId": sql_vm})
    api.wait(failed, lambda b: b.get("status") == "failed", "the restore to fail")
    api.scenario(validationErrors=[])
    # Each restore on its own VM: the trigger step takes a job of the same VM and point that started since the
    # restore began as its own (activities/steps.py, find_job), so two restores of one VM at once would share a job.
    ops_account = api.ids["OPS_STORAGE_ACCOUNT_ID"]
    ops_vm = ops_account.split("/resourceGroups/")[0] + "/resourceGroups/rg-ops/providers/Microsoft.Compute/" \
        "virtualMachines/vm-ops-01"
    succeeded = api.start({"vmId": ops_vm, "storageAccountId": ops_account,
                           "targetResourceGroupId": ops_account.split("/providers/")[0]})
    api.wait(succeeded, lambda b: b.get("status") == "succeeded", "the restore to succeed")
    api.scenario(jobSeconds=LONG_JOB * 10)
    cancelled = api.start(example("restore-disks.json", api.ids))
    running = api.start({**example("restore-disks.json", api.ids), "vmId": sql_vm})
    for restore_id in (cancelled, running):
        api.wait(restore_id, lambda b: b.get("phase") == "waitingForJob" and b.get("progress") is not None, "the job")
    assert api.cancel(cancelled).status_code == 202
    api.wait(cancelled, lambda b: b.get("status") == "cancelled", "the restore to be cancelled")
    shop = api.seed_vms(["vm-shop-db", "vm-shop-app-1", "vm-shop-app-2"])
    groups = [{"name": "database", "vms": shop[:1]}, {"name": "application", "vms": shop[1:]}]
    plan_id = api.start_plan({"groups": groups, "storageAccountId": api.ids["STORAGE_ACCOUNT_ID"]})
    api.wait_plan(plan_id, lambda b: any(v.get("progress") is not None for v in b.get("vms", [])), "the plan's job")
    board.open()
    expected = {failed: "failed", succeeded: "succeeded", cancelled: "cancelled", running: "running"}
    for restore_id, status in expected.items():
        expect(board.card(restore_id)).to_have_attribute("data-status", status)
    expect(board.card(succeeded).locator(".pct")).to_have_text("100.0%")
    expect(board.card(running).locator(".eta")).to_contain_text("ETA about", timeout=30_000)
    expect(board.plan(plan_id).locator('li.tile[data-state="running"] .eta')).to_contain_text("ETA about")
    board.page.screenshot(path=str(ARTIFACTS / "board-overview.png"), full_page=True)
    cards = board.page.locator("li.card")
    everything = cards.count()  # earlier tests' restores are on the same host
    board.page.select_option("#filter-status", "failed")
    expect(board.card(failed)).to_be_visible()
    for restore_id in (succeeded, cancelled, running):
        expect(board.card(restore_id)).to_have_count(0)
    expect(board.page.locator('li.card:not([data-status="failed"])')).to_have_count(0)
    board.page.select_option("#filter-status", "")
    board.page.select_option("#filter-source", "incident")
    expect(cards).to_have_count(0)
    expect(board.page.locator("#empty")).to_be_visible()
    board.page.select_option("#filter-source", "http")  # every restore here came through the HTTP API
    expect(cards).to_have_count(everything)


def test_the_key_is_asked_once_kept_in_the_tab_and_sent_only_as_a_header(board: Board, api: Api) -> None:
    restore_id = api.start(example("restore-disks.json", api.ids))
    board.open()
    expect(board.card(restore_id)).to_be_visible()
    assert board.page.evaluate("sessionStorage.length") == 1 and board.page.evaluate("localStorage.length") == 0
    board.page.reload()
    expect(board.card(restore_id)).to_be_visible()
    assert board.page.locator("#key-panel").is_hidden()
    sent = board.api_requests()
    assert sent and all(r.headers.get("x-functions-key") == FUNCTION_KEY for r in sent[1:])
    assert not any(FUNCTION_KEY in r.url or "code=" in r.url for r in board.sent)
    # The first request had no key: the host refused it (401) and the board asked for one.
    assert "x-functions-key" not in sent[0].headers and sent[0].response().status == 401  # type: ignore[union-attr]


def test_a_running_restore_is_listed_and_its_progress_moves(board: Board, api: Api) -> None:
    api.scenario(jobSeconds=LONG_JOB)
    restore_id = api.start(example("restore-disks.json", api.ids))
    body = api.wait(restore_id, lambda b: b.get("phase") == "waitingForJob" and b.get("progress") is not None,
                    "the job to report progress")
    board.open()
    card = board.card(restore_id)
    expect(card).to_have_attribute("data-status", "running")
    expect(card.locator(".vm")).to_have_text("vm-web-01")
    expect(card.locator(".badge")).to_contain_text("running")
    expect(card.locator('dd[data-field="Phase"]')).to_have_text("waitingForJob")
    expect(card.locator('dd[data-field="Recovery point"]')).to_contain_text(body["recoveryPoint"]["name"])
    expect(card.locator('dd[data-field="Job"]')).to_have_text(body["jobId"])
    first = wait_until(lambda: _progress(board, restore_id), lambda p: p >= 0, timeout=30, what="a progress value")
    wait_until(lambda: _progress(board, restore_id), lambda p: p > first, timeout=30, what="the progress to move")
    expect(card.locator(".eta")).to_contain_text("ETA about", timeout=30_000)


def test_a_failed_restore_shows_its_error_and_recommendations(board: Board, api: Api) -> None:
    api.scenario(validationErrors=[{"code": "UserErrorTargetQuotaExceeded", "message": "vCPU quota exceeded",
                                    "recommendations": ["Request more vCPU quota in the target region"]}])
    restore_id = api.start(example("restore-disks.json", api.ids))
    api.wait(restore_id, lambda b: b.get("status") == "failed", "the restore to fail")
    board.open()
    card = board.card(restore_id)
    expect(card).to_have_attribute("data-status", "failed")
    expect(card.locator(".badge")).to_contain_text("failed")
    expect(card.locator(".error .code")).to_have_text("UserErrorTargetQuotaExceeded")
    expect(card.locator(".error .message")).to_contain_text("vCPU quota exceeded")
    expect(card.locator(".recommendations li")).to_have_text(["Request more vCPU quota in the target region"])
    assert card.locator("button.cancel").count() == 0


def test_cancel_asks_for_confirmation_by_keyboard_then_cancels_the_azure_job(board: Board, api: Api) -> None:
    api.scenario(jobSeconds=LONG_JOB * 10)
    restore_id = api.start(example("restore-disks.json", api.ids))
    job_id = api.wait(restore_id, lambda b: b.get("phase") == "waitingForJob" and b.get("jobId"), "the job")["jobId"]
    board.open()
    button = board.card(restore_id).locator("button.cancel")
    expect(button).to_be_visible()
    page = board.page
    for _ in range(40):  # keyboard only: Tab until the cancel button has the focus
        if button.evaluate("b => b === document.activeElement"):
            break
        page.keyboard.press("Tab")
    assert button.evaluate("b => b === document.activeElement"), "the cancel button is not reachable by Tab"
    page.keyboard.press("Enter")
    dialog = page.locator("#confirm")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")  # the first answer is "no": nothing is sent
    expect(dialog).to_be_hidden()
    assert not any(r.url.endswith("/cancel") for r in board.sent)
    assert api.get(restore_id).json()["status"] == "running"
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    page.fill("#confirm-reason", "wrong VM")
    page.focus("#confirm-yes")
    page.keyboard.press("Enter")
    expect(board.card(restore_id)).to_have_attribute("data-status", "cancelled", timeout=60_000)
    expect(board.card(restore_id).locator(".badge")).to_contain_text("cancelled")
    final = api.get(restore_id)
    assert final.status_code == 409 and final.json()["error"]["code"] == "RestoreCancelled"
    cancels = [e for e in api.azure_requests() if e["method"] == "POST" and f"/backupJobs/{job_id}/cancel" in e["path"]]
    assert cancels, "the board's cancel did not reach Azure"


def test_polling_waits_for_retry_after_and_stops_while_the_tab_is_hidden(board: Board, api: Api) -> None:
    api.scenario(jobSeconds=LONG_JOB * 10)
    restore_id = api.start(example("restore-disks.json", api.ids))
    api.wait(restore_id, lambda b: b.get("phase") == "waitingForJob", "the job")
    page = board.page
    # The page's clock stands still unless the test moves it (page fetches still answer in real time).
    start = datetime.now(UTC)
    page.clock.install(time=start)
    page.clock.pause_at(start + timedelta(seconds=1))
    board.open()
    expect(board.card(restore_id)).to_be_visible()
    expect(page.locator("body")).to_have_attribute("data-polling", "waiting")
    polls = int(page.locator("body").get_attribute("data-polls") or 0)
    # The floor is the largest Retry-After the last round's answers carried.
    answers = [r.response() for r in board.api_requests()]
    retry_after_ms = 1000 * max(int(a.headers["retry-after"]) for a in answers if a and "retry-after" in a.headers)
    page.clock.run_for(retry_after_ms - 100)
    assert int(page.locator("body").get_attribute("data-polls") or 0) == polls, "polled before Retry-After"
    page.clock.run_for(200)
    expect(page.locator("body")).to_have_attribute("data-polls", str(polls + 1))
    expect(page.locator("body")).to_have_attribute("data-polling", "waiting")
    page.evaluate("""() => { Object.defineProperty(document, 'visibilityState', {configurable: true,
                                                                                get: () => 'hidden'});
                             document.dispatchEvent(new Event('visibilitychange')); }""")
    expect(page.locator("body")).to_have_attribute("data-polling", "paused")
    page.clock.run_for(10 * 60 * 1000)
    assert int(page.locator("body").get_attribute("data-polls") or 0) == polls + 1, "polled while hidden"
    page.evaluate("""() => { Object.defineProperty(document, 'visibilityState', {configurable: true,
                                                                                get: () => 'visible'});
                             document.dispatchEvent(new Event('visibilitychange')); }""")
    page.clock.run_for(10)
    expect(page.locator("body")).to_have_attribute("data-polls", str(polls + 2))


def test_at_200_percent_zoom_the_board_reflows_and_status_is_told_in_words(zoomed_board: Board, api: Api) -> None:
    plan_id = api.start_plan({"vmIds": api.seed_vms(["vm-zoom-01", "vm-zoom-02"]), "dryRun": True,
                              "storageAccountId": api.ids["STORAGE_ACCOUNT_ID"]})
    api.wait_plan(plan_id, lambda b: b.get("status") == "succeeded", "the dry run to end")
    awaiting = api.start({**example("restore-disks.json", api.ids), "approval": {"required": True, "timeout": "P1D"}})
    api.wait(awaiting, lambda b: b.get("phase") == "awaitingApproval", "the restore to wait for approval")
    api.scenario(validationErrors=[{"code": "UserErrorTargetQuotaExceeded", "message": "vCPU quota exceeded",
                                    "recommendations": ["Request more quota"]}])
    failed = api.start({**example("restore-disks.json", api.ids),
                        "vmId": api.ids["VM_ID"].replace("vm-web-01", "vm-sql-01")})
    api.wait(failed, lambda b: b.get("status") == "failed", "the restore to fail")
    zoomed_board.open()
    page = zoomed_board.page
    expect(zoomed_board.card(failed)).to_be_visible()
    expect(zoomed_board.plan(plan_id).locator("li.tile")).to_have_count(2)
    expect(zoomed_board.approval(awaiting).locator("button.approve")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert page.evaluate("window.devicePixelRatio") == 2
    badges = page.locator(".badge").all()
    assert {b.get_attribute("data-status") for b in badges} >= {"failed", "running", "validated", "awaitingApproval"}
    for badge in badges:  # the status in words ("awaitingApproval": "awaiting approval") after its own symbol
        status = badge.get_attribute("data-status") or ""
        text = badge.text_content() or ""
        assert re.sub(r"([A-Z])", lambda m: " " + m.group(1).lower(), status) in text and not text.startswith("?")
    font = page.locator(".card .message").first.evaluate("m => parseFloat(getComputedStyle(m).fontSize)")
    assert font >= 14
