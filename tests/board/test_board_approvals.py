"""Approval cards on the board in Debian's headless Chromium against the local stack: what a restore waiting for
approval will do, and Approve / Reject, asserted on what reached Azure (the emulator's request log)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.board.conftest import ARTIFACTS, Api, Board
from tests.e2e.helpers import example
from tests.support.wait import wait_until

# P1D, the longest approval timeout the API takes: 144 s of wall time at TIME_SCALE 600, time enough to decide.
APPROVAL = {"required": True, "timeout": "P1D", "approvers": ["alice"]}


def _restore_posts(api: Api) -> list[dict[str, Any]]:
    """Restore triggers that reached Azure (`POST …/recoveryPoints/{rp}/restore`)."""
    return [e for e in api.azure_requests()
            if e["method"] == "POST" and str(e["path"]).split("?")[0].lower().endswith("/restore")]


def _awaiting(api: Api) -> tuple[str, dict[str, Any]]:
    restore_id = api.start({**example("restore-disks.json", api.ids), "approval": APPROVAL})
    body = api.wait(restore_id, lambda b: b.get("phase") == "awaitingApproval", "the restore to wait for approval")
    return restore_id, body


def _decisions(board: Board, restore_id: str) -> list[str]:
    return [r.url.rsplit("/", 1)[-1] for r in board.sent
            if r.method == "POST" and f"/api/restores/{restore_id}/" in r.url]


def test_an_approval_card_shows_what_the_restore_will_do_and_approve_resumes_it(board: Board, api: Api) -> None:
    restore_id, body = _awaiting(api)
    board.open()
    card = board.approval(restore_id)
    expect(card).to_be_visible()
    expect(card.locator(".badge")).to_contain_text("awaiting approval")
    expect(card.locator(".vm")).to_have_text("vm-web-01")
    expect(card.locator('dd[data-field="Mode"]')).to_have_text("restoreDisks")
    expect(card.locator('dd[data-field="Region"]')).to_have_text("primary region")
    point = body["approval"]["plan"]["recoveryPoint"]["name"]
    expect(card.locator('dd[data-field="Recovery point"]')).to_contain_text(point)
    expect(card.locator('dd[data-field="Validation"]')).to_contain_text("passed")
    expect(card.locator('dd[data-field="Approvers"]')).to_have_text("alice")
    expect(card.locator('li[data-target="storageAccountId"]')).to_contain_text(api.ids["STORAGE_ACCOUNT_ID"])
    expect(board.card(restore_id).locator(".note")).to_contain_text("Waiting for approval")
    board.page.screenshot(path=str(ARTIFACTS / "board-approval.png"), full_page=True)
    assert _restore_posts(api) == []
    page = board.page
    board.tab_to(card.locator("button.approve"))  # keyboard only
    page.keyboard.press("Enter")
    dialog = page.locator("#decide")
    expect(dialog).to_be_visible()
    expect(page.locator("#decide-title")).to_have_text("Approve this restore?")
    page.fill("#decide-by", "")
    page.click("#decide-yes")  # without a name nothing is sent
    expect(page.locator("#decide-error")).to_contain_text("Enter your name")
    assert _decisions(board, restore_id) == []
    page.fill("#decide-by", "mallory")
    page.click("#decide-yes")  # not an approver: the API refuses (403) and the dialog says why
    expect(page.locator("#decide-error")).to_contain_text("403")
    expect(dialog).to_be_visible()
    assert api.get(restore_id).json()["phase"] == "awaitingApproval" and _restore_posts(api) == []
    page.fill("#decide-by", "alice")
    page.fill("#decide-reason", "INC-4711")
    page.click("#decide-yes")
    expect(dialog).to_be_hidden()
    expect(card).to_have_count(0, timeout=30_000)
    assert _decisions(board, restore_id) == ["approve", "approve"]
    wait_until(lambda: _restore_posts(api), lambda posts: len(posts) == 1, timeout=60,
               what="the approved restore's POST to reach Azure")
    expect(board.card(restore_id)).to_have_attribute("data-status", "succeeded", timeout=90_000)
    record = api.get(restore_id).json()["approval"]["record"]
    assert (record["decision"], record["by"], record["reason"]) == ("approved", "alice", "INC-4711")


def test_reject_asks_first_then_ends_the_restore_cancelled_with_nothing_started_in_azure(board: Board,
                                                                                       api: Api) -> None:
    restore_id, _ = _awaiting(api)
    board.open()
    card = board.approval(restore_id)
    page = board.page
    button = card.locator("button.reject")
    board.tab_to(button)
    page.keyboard.press("Enter")
    dialog = page.locator("#decide")
    expect(dialog).to_be_visible()
    expect(page.locator("#decide-title")).to_have_text("Reject this restore?")
    page.keyboard.press("Escape")  # the first answer is "go back": nothing is sent
    expect(dialog).to_be_hidden()
    expect(button).to_be_focused()
    assert _decisions(board, restore_id) == []
    page.keyboard.press("Enter")
    expect(page.locator("#decide-back")).to_be_focused()  # the safe answer comes first
    page.fill("#decide-by", "alice")
    page.fill("#decide-reason", "wrong VM")
    page.focus("#decide-yes")
    page.keyboard.press("Enter")
    expect(board.card(restore_id)).to_have_attribute("data-status", "cancelled", timeout=60_000)
    expect(board.card(restore_id).locator(".badge")).to_contain_text("cancelled")
    expect(board.card(restore_id).locator(".error .code")).to_have_text("RestoreRejected")
    expect(card).to_have_count(0)
    assert _decisions(board, restore_id) == ["reject"]
    assert _restore_posts(api) == []
    final = api.get(restore_id).json()
    assert final["status"] == "cancelled" and final["approval"]["record"]["decision"] == "rejected"
