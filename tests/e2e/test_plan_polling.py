"""A plan's job polling through the local host and the emulator: one jobs list per vault per interval (every page
read), not one job read per restore per interval (issue 16, "Polling that does not grow with the number of restores").
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from tests.e2e.helpers import Stack
from tests.e2e.test_plans import _final, _jobs, _requests, _seed_vms, _start

JOB_SECONDS = 3000
PAGE_SIZE = 3
POLL_INTERVAL = 60  # JOB_POLL_INTERVAL_SECONDS of the e2e host (the default)


def _query(entry: dict[str, Any]) -> dict[str, list[str]]:
    return parse_qs(urlsplit(entry["path"]).query)


def _is_job_list(entry: dict[str, Any]) -> bool:
    return entry["method"] == "GET" and urlsplit(entry["path"]).path.lower().endswith("/backupjobs")


def test_a_plan_of_ten_vms_in_one_vault_lists_the_vault_once_per_interval_instead_of_reading_each_job(
        stack: Stack) -> None:
    vms = _seed_vms(stack, 10)
    stack.scenario(jobSeconds=JOB_SECONDS, pageSize=PAGE_SIZE)
    plan_id = _start(stack, {"groups": [{"name": "all", "vms": vms}], "maxParallel": 10,
                             "storageAccountId": stack.ids["STORAGE_ACCOUNT_ID"]})
    final = _final(stack, plan_id)
    assert final.status_code == 200, json.dumps(final.json())
    assert final.json()["counts"] == {"succeeded": 10}
    log = _requests(stack)
    jobs = _jobs(stack)
    assert len(jobs) == 10
    # Each job is read once, when the plan's list showed it ended (for the details the list leaves out).
    for job in jobs:
        reads = [e for e in log if e["method"] == "GET" and e["path"].split("?")[0].lower().endswith(
            f"/backupjobs/{job['name']}".lower())]
        assert 1 <= len(reads) <= 2, f"job {job['name']} read {len(reads)} times"
    # The plan's polls: the restore filter bounded by the plan's window, each followed through every page.
    polls = [e for e in log if _is_job_list(e) and "startTime eq" in _query(e).get("$filter", [""])[0]]
    first_pages = [e for e in polls if "$skipToken" not in _query(e)]
    assert first_pages, "the plan never listed the vault's jobs"
    assert all("operation eq 'Restore'" in _query(e)["$filter"][0] and "endTime eq" in _query(e)["$filter"][0]
               for e in polls)
    starts = [datetime.fromisoformat(j["properties"]["startTime"]) for j in jobs]
    ends = [datetime.fromisoformat(j["properties"]["endTime"]) for j in jobs]
    window = (max(ends) - min(starts)).total_seconds()
    assert len(first_pages) <= window / POLL_INTERVAL + 3, (len(first_pages), window)
    full_rounds = len(first_pages) - 3  # the first rounds may run before every job is listed
    assert len(polls) - len(first_pages) >= full_rounds * (math.ceil(10 / PAGE_SIZE) - 1), "pages left unread"
    # Against a per-restore loop: fewer job-list rounds than the 10 restores would read their jobs in one interval.
    rounds_per_interval = len(first_pages) / max(1.0, window / POLL_INTERVAL)
    assert rounds_per_interval <= 1.5, rounds_per_interval


def test_a_throttled_vault_poll_holds_back_every_call_of_the_plan_to_that_subscription(stack: Stack) -> None:
    # One restore at a time: a vault poll reaches Azure only once a restore waits for its job (vault_poll.py), so
    # when the poll is throttled no restore of the plan is still following its own trigger. With two at once, a CI
    # run saw the other restore's operation poll 1 s after the 429: a restore's own LRO follows its own Retry-After
    # (it is not one of the plan's steps, docs/architecture.md "ARM throttling"), which this test is not about.
    vms = _seed_vms(stack, 3)
    stack.scenario(jobSeconds=1200)
    throttle = {"method": "GET", "pathRegex": r"/backupJobs\?.*startTime", "times": 1,
                "response": {"status": 429, "headers": {"Retry-After": "600"},
                             "body": {"error": {"code": "TooManyRequests", "message": "slow down"}}}}
    added = requests.post(f"{stack.emulator.url}/_emulator/faults", json=throttle, timeout=10)
    assert added.status_code in (200, 201), added.text
    plan_id = _start(stack, {"groups": [{"name": "all", "vms": vms}], "maxParallel": 1,
                             "storageAccountId": stack.ids["STORAGE_ACCOUNT_ID"]})
    final = _final(stack, plan_id)
    assert final.status_code == 200, json.dumps(final.json())
    log = _requests(stack)
    throttled = [e for e in log if e["status"] == 429]
    assert len(throttled) == 1, "the injected 429 never reached the plan"
    at = datetime.fromisoformat(throttled[0]["serviceTime"])
    subscription = f"/subscriptions/{stack.ids['SUBSCRIPTION']}/".lower()
    later = [e for e in log if e["seq"] > throttled[0]["seq"] and e["path"].lower().startswith(subscription)]
    assert later, "nothing reached the subscription after the 429"
    first = min(datetime.fromisoformat(e["serviceTime"]) for e in later)
    # Retry-After 600: the plan's next call to the subscription (a poll, a restore start) comes no sooner.
    assert (first - at).total_seconds() >= 600, (at, first, later[0]["path"])
    assert len([e for e in log if _is_job_list(e) and "startTime" in e["path"]]) >= 2, "polling did not resume"
    triggers = [e for e in log if e["method"] == "POST" and e["path"].split("?")[0].lower().endswith("/restore")]
    assert len(triggers) == 3 and [e["seq"] > throttled[0]["seq"] for e in triggers] == [False, True, True], \
        "the restores after the 429 were started only once the subscription was free again"
