"""The long reliability suite (`make reliability`): prints the summary line at the end."""

from __future__ import annotations

import shutil

import pytest

from tests.reliability.harness import ARTIFACTS, TALLY

OUTCOMES: dict[str, bool] = {}  # test node ID -> passed so far


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """A check passed when its setup, call and teardown all passed."""
    if report.when == "setup" and report.passed:
        return
    if report.when == "call" or report.failed:
        OUTCOMES[report.nodeid] = OUTCOMES.get(report.nodeid, True) and report.passed
    TALLY.checks_run = len(OUTCOMES)
    TALLY.checks_passed = sum(OUTCOMES.values())


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TALLY.checks_run:
        terminalreporter.write_line(TALLY.line())


def pytest_sessionfinish(session: pytest.Session) -> None:
    for path in ARTIFACTS.dirs:
        shutil.rmtree(path, ignore_errors=True)
    for path in ARTIFACTS.files:
        path.unlink(missing_ok=True)
