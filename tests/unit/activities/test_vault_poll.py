"""The plan's vault poll (`activities/vault_poll.py`): the jobs-list filter it sends and which listed jobs ended."""

from __future__ import annotations

from datetime import UTC, datetime

from activities.vault_poll import ended_jobs, jobs_filter
from azbackup.models_job import Job
from restore.payloads import VaultPollInput

VAULT = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v1"


def _input(cross_region: bool = False) -> VaultPollInput:
    return VaultPollInput(vault_id=VAULT, cross_region=cross_region, restore_ids=["p:0"],
                          since=datetime(2026, 3, 1, 13, 5, tzinfo=UTC), until=datetime(2026, 3, 1, 14, 0, tzinfo=UTC))


def test_the_filter_names_the_restore_operation_and_the_window_in_the_rest_examples_time_format() -> None:
    # ListJobsWithStartTimeAndEndTimeFilters.json: "startTime eq '2016-01-01 00:00:00 AM' and endTime eq ..."
    assert jobs_filter(_input()) == ("operation eq 'Restore' and startTime eq '2026-03-01 01:03:00 PM' "
                                     "and endTime eq '2026-03-01 02:02:00 PM'")
    assert jobs_filter(_input(cross_region=True)).startswith("operation eq 'CrossRegionRestore' and ")


def test_only_listed_jobs_that_ended_count_as_ended() -> None:
    jobs = [Job.model_validate({"name": name, "properties": {"jobType": "AzureIaaSVMJob", "status": status}})
            for name, status in (("J1", "Completed"), ("j2", "InProgress"), ("j3", "Failed"), ("j4", "Mystery"))]
    assert ended_jobs(jobs) == {"j1": "Completed", "j3": "Failed"}
