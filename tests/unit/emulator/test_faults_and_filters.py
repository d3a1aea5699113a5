"""Fault table matching and the OData $filter dialect."""

from __future__ import annotations

import pytest

from emulator.exceptions import BadRequest
from emulator.faults import Fault, FaultTable
from emulator.filters import JOB_FIELDS, parse_filter


def test_fault_applies_n_times_to_matching_method_and_path() -> None:
    table = FaultTable()
    table.add(Fault.model_validate({"method": "GET", "pathRegex": "/backupJobs/", "times": 2,
                                    "response": {"status": 429, "headers": {"Retry-After": "7"}}}))
    assert table.take("POST", "/x/backupJobs/1") is None
    assert table.take("GET", "/x/backupJobs/1") is not None
    assert table.take("GET", "/x/backupJobs/1") is not None
    assert table.take("GET", "/x/backupJobs/1") is None


def test_fault_probability_is_reproducible_with_a_seed() -> None:
    def hits() -> list[bool]:
        table = FaultTable()
        table.add(Fault.model_validate({"pathRegex": ".", "probability": 0.5, "seed": 7, "drop": True}))
        return [table.take("GET", "/a") is not None for _ in range(20)]

    first = hits()
    assert first == hits() and 0 < sum(first) < 20


def test_job_filter_parses_the_documented_clauses() -> None:
    text = ("startTime eq '2016-01-01 00:00:00 AM' and endTime eq '2017-11-29 00:00:00 AM' and operation eq 'Backup' "
            "and backupManagementType eq 'AzureIaasVM' and status eq 'InProgress'")
    assert parse_filter(text, JOB_FIELDS)["operation"] == "Backup"
    with pytest.raises(BadRequest):
        parse_filter("color eq 'red'", JOB_FIELDS)
