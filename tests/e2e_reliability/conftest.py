"""The quick reliability subset inside `make test`: the long suite's hooks (summary line, temporary files)."""

from tests.reliability.conftest import pytest_runtest_logreport, pytest_sessionfinish, pytest_terminal_summary

__all__ = ["pytest_runtest_logreport", "pytest_sessionfinish", "pytest_terminal_summary"]
