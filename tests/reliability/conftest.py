"""The long reliability suite (`make reliability`): prints the summary line at the end."""

from __future__ import annotations

import shutil

import pytest

from tests.reliability.harness import ARTIFACTS, TALLY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TALLY.restores or TALLY.bad_inputs:
        terminalreporter.write_line(TALLY.line())


def pytest_sessionfinish(session: pytest.Session) -> None:
    for path in ARTIFACTS.dirs:
        shutil.rmtree(path, ignore_errors=True)
    for path in ARTIFACTS.files:
        path.unlink(missing_ok=True)
