"""The pure helpers the bench and the reliability suite judge by: log classification, Retry-After gaps, leaks."""

from __future__ import annotations

import json
from pathlib import Path

from bench.arm_log import (
    SAME_URL,
    TRIGGER_TO_OPERATION,
    Kind,
    count_kinds,
    kind_of,
    restore_posts_by_item,
    retry_after_report,
    retry_after_violations,
)
from bench.overhead import step_gaps_ms
from bench.stats import percentile
from tests.reliability.leaks import find_leaks

ITEM = ("/subscriptions/s/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v/backupFabrics/Azure/"
        "protectionContainers/IaasVMContainer;iaasvmcontainerv2;rg;vm/protectedItems/VM;iaasvmcontainerv2;rg;vm")
VAULT = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v"


def entry(seq: int, method: str, path: str, at: str, retry_after: int | None = None,
          answered: str | None = None) -> dict[str, object]:
    return {"seq": seq, "method": method, "path": path, "status": 200, "retryAfter": retry_after,
            "serviceTime": f"2026-01-01T00:{at}Z", "answeredTime": f"2026-01-01T00:{answered or at}Z"}


def test_log_entries_are_classified_by_what_the_request_was_for() -> None:
    assert kind_of(entry(1, "POST", f"{ITEM}/recoveryPoints/123/restore?api-version=2019-05-13", "00:00")) \
        is Kind.TRIGGER
    assert kind_of(entry(2, "GET", f"{ITEM}/operationsStatus/op?api-version=2019-05-13", "00:00")) \
        is Kind.OPERATION_POLL
    assert kind_of(entry(3, "GET", f"{VAULT}/backupJobs/j1?api-version=2019-05-13", "00:00")) is Kind.JOB_POLL
    assert kind_of(entry(4, "POST", "/subscriptions/s/providers/Microsoft.RecoveryServices/locations/neu/"
                                    "backupCrossRegionRestore?api-version=2018-12-20", "00:00")) is Kind.TRIGGER
    assert kind_of(entry(5, "GET", f"{ITEM}/recoveryPoints?api-version=2019-05-13", "00:00")) is Kind.OTHER


def test_restore_posts_that_reached_the_service_are_counted_per_item() -> None:
    post = entry(1, "POST", f"{ITEM}/recoveryPoints/123/restore?api-version=2019-05-13", "00:00")
    counts = restore_posts_by_item([post, {**post, "seq": 2}, {**post, "seq": 3, "fault": "f1", "status": 429}])
    assert counts == {ITEM.lower(): 2}
    assert count_kinds([post])["trigger"] == 1


def test_a_request_sooner_than_the_retry_after_it_answers_is_a_violation() -> None:
    url = f"{ITEM}/operationsStatus/op"
    ok = [entry(1, "GET", url, "00:00", 60), entry(2, "GET", url, "01:00", 60), entry(3, "GET", url, "02:30")]
    early = [entry(1, "GET", url, "00:00", 60), entry(2, "GET", url, "00:59")]
    assert retry_after_violations(ok) == (2, [])
    checked, bad = retry_after_violations(early)
    assert checked == 1
    assert len(bad) == 1


def test_the_retry_after_gap_runs_from_the_answer_to_the_next_request_not_from_when_either_was_logged() -> None:
    url = f"{ITEM}/operationsStatus/op"
    # answered 0.7 s after arrival (a slow save): the next request 30 s after the arrival is 29.3 s after the answer
    early = [entry(1, "GET", url, "00:00.000", 30, answered="00:00.700"), entry(2, "GET", url, "00:30.000")]
    on_time = [entry(1, "GET", url, "00:00.000", 30, answered="00:00.700"), entry(2, "GET", url, "00:30.700")]
    checked, bad = retry_after_violations(early)
    assert checked == 1 and len(bad) == 1 and "29.3s" in bad[0]
    assert retry_after_violations(on_time) == (1, [])


def test_the_first_operation_poll_is_checked_against_the_trigger_retry_after() -> None:
    trigger = {**entry(1, "POST", f"{ITEM}/recoveryPoints/123/restore?api-version=2019-05-13", "00:00", 60),
               "status": 202}
    poll = f"{ITEM}/operationsStatus/op1?api-version=2019-05-13"
    checked, bad = retry_after_violations([trigger, entry(2, "GET", poll, "00:59")])
    assert checked == 1 and len(bad) == 1 and "trigger's 202" in bad[0]
    assert retry_after_violations([trigger, entry(2, "GET", poll, "01:00")]) == (1, [])
    throttled = {**trigger, "status": 429}  # a throttled POST started nothing: no operation to poll
    assert retry_after_violations([throttled, entry(2, "GET", poll, "00:01")]) == (0, [])


def test_the_report_counts_each_kind_of_gap_and_the_smallest_slack_on_the_service_clock() -> None:
    trigger = {**entry(1, "POST", f"{ITEM}/recoveryPoints/123/restore?api-version=2019-05-13", "00:00", 5),
               "status": 202}
    poll = f"{ITEM}/operationsStatus/op1?api-version=2019-05-13"
    report = retry_after_report([trigger, entry(2, "GET", poll, "00:05.200", 5), entry(3, "GET", poll, "00:10.250")])
    assert dict(report.by_kind) == {TRIGGER_TO_OPERATION: 1, SAME_URL: 1} and report.violations == []
    assert report.min_slack is not None and abs(report.min_slack - 0.05) < 1e-6
    early = retry_after_report([trigger, entry(2, "GET", poll, "00:04.050")])  # a poller 1 s early, 50 ms late
    assert early.checked == 1 and len(early.violations) == 1


def test_shared_vault_urls_are_not_attributed_to_one_restore() -> None:
    url = f"{VAULT}/backupValidateOperation?api-version=2019-05-13"
    assert retry_after_violations([entry(1, "POST", url, "00:00", 60), entry(2, "POST", url, "00:01")]) == (0, [])


def test_step_overhead_counts_only_timer_free_steps() -> None:
    def line(event: str, activity: str, at: str) -> str:
        return json.dumps({"time": f"2026-01-01T00:00:{at}Z", "event": event, "instance_id": "i",
                           "activity": activity})

    lines = [line("activity.started", "resolve_backup_item", "00.000"),
             line("activity.completed", "resolve_backup_item", "00.100"),
             line("activity.started", "select_recovery_point", "00.125"),
             line("activity.completed", "trigger_restore", "01.000"),
             line("activity.started", "get_operation_status", "09.000")]
    assert [round(g) for g in step_gaps_ms(lines)] == [25]


def test_percentile_is_nearest_rank() -> None:
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50) == 3.0
    assert percentile([1.0, 2.0], 99) == 2.0
    assert percentile([], 50) is None


def test_a_token_in_a_file_or_text_is_reported_without_showing_it(tmp_path: Path) -> None:
    token = "eyJhbGciOiJSUzI1NiJ9.secret-token-value"
    (tmp_path / "db").write_bytes(b"prefix" + token.encode() + b"suffix")
    (tmp_path / "clean.log").write_text("nothing here")
    leaks = find_leaks({token}, [tmp_path / "db", tmp_path / "clean.log"], ["ok", f"x{token}"])
    assert len(leaks) == 2
    assert all(token not in leak for leak in leaks)
