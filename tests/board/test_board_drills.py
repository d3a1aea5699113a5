"""Drill runs on the board in Debian's headless Chromium against the local stack: the drill, its next run, its
last run moving from running to its verdict, per VM, with what the cleanup did."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.board.conftest import ARTIFACTS, Api, Board


def test_a_drill_run_shows_on_the_board_from_running_to_its_verdict_per_vm(board: Board, api: Api) -> None:
    api.seed_drill_target()
    run_id = api.run_drill("weekly-web")
    board.open()
    section = board.page.locator("#drills-section")
    expect(section).to_be_visible()
    drill = board.page.locator('li.drill[data-name="weekly-web"]')
    expect(drill.locator("h3")).to_have_text("Drill weekly-web")
    expect(drill.locator('dd[data-field="Schedule"]')).to_have_text("0 0 1 1 * (UTC)")
    expect(drill.locator('dd[data-field="Next run"]')).not_to_be_empty()
    run = drill.locator(f'.drill-run[data-id="{run_id}"]')
    expect(run).to_be_visible(timeout=30_000)
    expect(run.locator('dd[data-field="Started by"]')).to_have_text("manual")
    # The verdict, in words and with its own symbol: both VMs restored, validated and deleted again.
    expect(run.locator("h4 .badge")).to_contain_text("passed", timeout=150_000)
    tiles = run.locator("li.tile")
    expect(tiles).to_have_count(2)
    for name in ("vm-web-01", "vm-sql-01"):
        tile = run.locator(f'li.tile[data-vm="{name}"]')
        expect(tile.locator('dd[data-field="Validation"]')).to_have_text("passed")
    expect(run.locator('dd[data-field="Cleanup"]')).to_have_text("passed")
    board.page.screenshot(path=str(ARTIFACTS / "board-drill-passed.png"), full_page=True)
    deletes = [r for r in api.azure_requests() if r["method"] == "DELETE"]
    assert deletes and all("/resourceGroups/rg-drill/" in r["path"] for r in deletes), "cleaned up in rg-drill only"
