"""A restore with a callbackUrl notifies it once at the end, with the result and no credentials."""

from __future__ import annotations

import json

from pytest_httpserver import HTTPServer

from tests.e2e.helpers import Stack, example
from tests.support.azure_log import assert_job_ended, assert_one_restore
from tests.support.wait import wait_until


def test_callback_is_notified_once_with_the_final_result_and_no_credentials(stack: Stack,
                                                                              httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hooks/restore", method="POST").respond_with_data("", status=204)
    body = {**example("restore-disks.json", stack.ids), "callbackUrl": httpserver.url_for("/hooks/restore")}
    started = stack.start(body)
    assert started.status_code == 202, started.text
    restore_id = started.json()["id"]
    final = stack.wait_final(restore_id)
    assert final.status_code == 200, final.text
    calls = wait_until(lambda: list(httpserver.log), lambda log: len(log) >= 1, timeout=30, what="callback POST")
    request, _ = calls[0]
    sent = json.loads(request.get_data())
    assert sent["id"] == restore_id and sent["status"] == "succeeded"
    assert sent["jobId"] == final.json()["jobId"]
    assert "Authorization" not in request.headers
    assert len(httpserver.log) == 1
    assert_one_restore(stack.azure, body, final.json())
    assert_job_ended(stack.azure, final.json(), "Completed")
