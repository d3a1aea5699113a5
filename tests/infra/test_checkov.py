"""checkov (Bicep framework) finds no failed check in infra/; every suppression is used and justified."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from tests.infra.bicep_ast import INFRA, REPO

SKIP_COMMENT = re.compile(r"//\s*checkov:skip=(CKV2?_[A-Z]+_\d+):(.*)$")
CHECKOV = os.environ.get("CHECKOV_BIN", str(REPO / ".venv-checkov" / "bin" / "checkov"))


@pytest.fixture(scope="module")
def report():
    assert os.access(CHECKOV, os.X_OK), f"{CHECKOV} missing: `make .venv-checkov/.installed` installs it"
    proc = subprocess.run(
        [CHECKOV, "--directory", str(INFRA), "--framework", "bicep", "--skip-download", "--output", "json"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    data = json.loads(proc.stdout)
    reports = data if isinstance(data, list) else [data]
    assert [r["check_type"] for r in reports] == ["bicep"]
    return reports[0]


def _suppressions():
    found = []
    for path in sorted(INFRA.rglob("*.bicep")):
        for line in path.read_text().splitlines():
            if m := SKIP_COMMENT.search(line):
                found.append(("/" + path.relative_to(INFRA).as_posix(), m.group(1), m.group(2).strip()))
    return found


def test_checkov_reads_every_bicep_file(report):
    assert report["summary"]["parsing_errors"] == 0
    assert report["results"]["parsing_errors"] == []
    scanned = {c["file_path"] for kind in ("passed_checks", "skipped_checks") for c in report["results"][kind]}
    assert {
        "/modules/storage.bicep",
        "/modules/functionapp.bicep",
        "/modules/keyvault.bicep",
        "/modules/eventgrid.bicep",
    } <= scanned


def test_checkov_finds_no_failed_check(report):
    failed = [(c["check_id"], c["file_path"], c["resource"]) for c in report["results"]["failed_checks"]]
    assert failed == []
    assert report["summary"]["passed"] >= 25


def test_every_suppression_is_justified_next_to_the_resource():
    suppressions = _suppressions()
    assert suppressions
    unjustified = [(f, check) for f, check, why in suppressions if len(why) < 40]
    assert unjustified == []


def test_every_suppression_comment_is_one_checkov_applied(report):
    applied = {(c["file_path"], c["check_id"]) for c in report["results"]["skipped_checks"]}
    written = {(f, check) for f, check, _ in _suppressions()}
    assert written - applied == set(), "suppression comments checkov did not read (misplaced or stale)"
    assert applied - written == set()
    assert all(c["check_result"].get("suppress_comment") for c in report["results"]["skipped_checks"])
