"""The pure helpers measurement 7 (restore plans vs single restores vs a peer loop) judges by."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from bench.plans import log_figures, single_histories
from bench.seed import seed_doc
from bench.stats import median_gap, peak_in_window

VAULTS = [f"/subscriptions/s/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v{k}" for k in (1, 2)]
START = datetime(2026, 1, 1, tzinfo=UTC)


def at(seconds: float) -> str:
    return (START + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def test_the_peak_per_minute_slides_so_a_burst_across_a_minute_boundary_counts_whole() -> None:
    burst = [50.0 + i for i in range(21)]  # 21 requests from :50 to 1:10, 10 and 11 in each calendar minute
    assert peak_in_window(burst) == 21
    assert peak_in_window([0.0, 59.9, 60.0, 119.0]) == 3  # (59.0, 119.0]: the first one is out
    assert peak_in_window([0.0, 60.0, 120.0]) == 1  # exactly a minute apart: never two in one window
    assert peak_in_window([]) == 0


def test_the_gap_between_reads_is_taken_per_url_never_across_urls() -> None:
    assert median_gap({"a": [60.0, 0.0, 30.0], "b": [5.0, 365.0], "c": [1.0]}) == 30.0
    assert median_gap({"c": [1.0]}) is None


class _Statuses:
    """Durable statuses by instance ID, as `Stack.durable_status` returns them (None: unknown instance)."""

    def __init__(self, events: dict[str, int]) -> None:
        self.events = events

    def durable_status(self, instance_id: str) -> dict[str, Any] | None:
        n = self.events.get(instance_id)
        return None if n is None else {"historyEvents": [{"EventType": "x"}] * n}


def test_a_single_restores_history_counts_its_job_sub_orchestration_and_skips_unknown_restores() -> None:
    stack = _Statuses({"r1": 20, "r1:job": 30, "r2": 25, "r3:job": 99})
    # r1: 20 + 30 of its job watch; r2: no job watch (yet) counts its own 25; r3: no orchestration, no figure
    assert single_histories(cast(Any, stack), ["r1", "r2", "r3"]) == [50, 25]


def test_the_seed_spreads_the_vms_evenly_over_the_vaults() -> None:
    sub = seed_doc(10, vaults=4)["subscriptions"][0]
    names = [v["name"] for v in sub["vaults"]]
    assert names == ["vault-bench", "vault-bench-2", "vault-bench-3", "vault-bench-4"]
    assert sorted(Counter(vm["backup"]["vault"] for vm in sub["virtualMachines"]).values()) == [2, 2, 3, 3]
    assert {vm["backup"]["vault"] for vm in seed_doc(3)["subscriptions"][0]["virtualMachines"]} == {"vault-bench"}


def test_vault_lists_are_counted_per_vault_and_poll_interval() -> None:
    log = []
    for minute in range(11):  # each vault listed once a minute for 10 minutes, two pages each time
        for vault in VAULTS:
            jobs = f"{vault}/backupJobs?api-version=2019-05-13&$filter=startTime eq '2026-01-01'"
            log += [{"method": "GET", "path": jobs, "serviceTime": at(minute * 60)},
                    {"method": "GET", "path": f"{jobs}&$skipToken=2", "serviceTime": at(minute * 60 + 1)}]
    log += [{"method": "GET", "path": f"{VAULTS[0]}/backupJobs/j1?api-version=2019-05-13", "serviceTime": at(s)}
            for s in (100, 130, 160)]
    figures = log_figures(log, size=4)
    assert figures["vaultListsPerInterval"] == 1.1  # 11 lists a vault over 10 intervals
    assert figures["listPagesPerInterval"] == 2.2
    assert figures["jobGetsPerJob"] == 3
    assert figures["jobGetGapSeconds"] == 30
    assert figures["armPerVm"] == round(len(log) / 4, 1)
    assert figures["serviceMinutes"] == 10.0  # first to last request, service time
    assert figures["peakReadsPerMinute"] == 6  # e.g. (100, 160]: 4 list pages at 2:00-2:01, j1 at 2:10, 2:40
