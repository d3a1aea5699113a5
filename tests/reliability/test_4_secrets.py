"""Secrets: after everything else, no token the emulator issued appears in the host's files, logs or statuses."""

from __future__ import annotations

import pytest

from bench.seed import seed_with_vms
from bench.targets import restorable_vms, restore_body
from tests.reliability.harness import ARTIFACTS, new_temp_dir, recorded_stack, wait_restores
from tests.reliability.leaks import scan_artifacts

pytestmark = [pytest.mark.reliability, pytest.mark.timeout(3600)]


def test_no_issued_token_appears_in_database_logs_or_statuses() -> None:
    seed = seed_with_vms(2, new_temp_dir())
    with recorded_stack(seed=seed) as stack:
        inventory = stack.emu("GET", "inventory")
        vm = restorable_vms(inventory, cross_region=True)[0]
        ids = [stack.start_restore(restore_body(inventory, vm, cross_region=True)),
               stack.start_restore(restore_body(inventory, restorable_vms(inventory)[1]))]
        done = wait_restores(stack, ids, timeout=300)
    assert {body.get("status") for body in done.values()} == {"succeeded"}
    checked, leaks = scan_artifacts()
    print(f"secrets: {checked} tokens checked in {len(ARTIFACTS.files)} files and {len(ARTIFACTS.texts)} statuses")
    assert checked > 0
    assert ARTIFACTS.files
    assert leaks == []
