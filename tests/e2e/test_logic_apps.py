"""The Logic Apps HTTP action walk: POST, then follow only Location and Retry-After while 202."""

from __future__ import annotations

import time

import requests

from tests.e2e.helpers import Stack, example
from tests.support.azure_log import assert_job_ended, assert_one_restore
from tests.support.wait import wait_until


def honour_retry_after(response: requests.Response) -> None:
    """Wait as long as Retry-After asks, as Logic Apps does (never sooner)."""
    due = time.monotonic() + float(response.headers["Retry-After"])
    wait_until(time.monotonic, lambda now: now >= due, timeout=float(response.headers["Retry-After"]) + 5,
               interval=0.05, what="Retry-After to elapse")


def logic_app_walk(url: str, body: object, max_polls: int = 100) -> tuple[requests.Response, int]:
    """What the HTTP action does: the final response and how many polls it took."""
    response = requests.post(url, json=body, timeout=30)
    polls = 0
    while response.status_code == 202 and polls < max_polls:
        location = response.headers["Location"]
        honour_retry_after(response)
        response = requests.get(location, timeout=30)
        polls += 1
    return response, polls


def test_walk_ends_with_200_and_the_result_for_a_successful_restore(stack: Stack) -> None:
    body = example("restore-disks.json", stack.ids)
    final, polls = logic_app_walk(f"{stack.api}/restores?code=any-key", body)
    assert final.status_code == 200 and final.json()["status"] == "succeeded"
    assert polls >= 1 and final.json()["result"]["jobId"]
    assert_one_restore(stack.azure, body, final.json())
    assert_job_ended(stack.azure, final.json(), "Completed")


def test_walk_ends_with_a_non_success_code_for_a_failed_restore(stack: Stack) -> None:
    stack.scenario(jobResult="Failed")
    body = example("restore-disks.json", stack.ids)
    final, _ = logic_app_walk(f"{stack.api}/restores", body)
    assert final.status_code == 422 and not final.ok
    assert final.json()["status"] == "failed" and final.json()["error"]["code"]
    assert_one_restore(stack.azure, body, final.json())
    assert_job_ended(stack.azure, final.json(), "Failed")
