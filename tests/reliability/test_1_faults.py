"""Faults: every ARM route throttles, fails and drops connections; every restore still finishes once."""

from __future__ import annotations

import pytest

from bench.seed import seed_with_vms
from tests.reliability.harness import new_temp_dir, recorded_stack
from tests.reliability.scenarios import run_faults
from tests.reliability.sizes import long_suite

pytestmark = [pytest.mark.reliability, pytest.mark.timeout(3600)]


def test_restores_finish_once_and_honour_retry_after_under_injected_faults() -> None:
    sizes = long_suite()
    seed = seed_with_vms(sizes.fault_restores, new_temp_dir())
    with recorded_stack(seed=seed) as stack:
        out = run_faults(stack, sizes.fault_restores, sizes.timeout, seed=sizes.fault_seed)
    print(f"faults: {out.faults} injected, {out.retry_after_checked} Retry-After gaps checked")
    assert not out.start_errors
    assert len(out.ids) == sizes.fault_restores
    assert out.problems == []
    assert out.faults > 0
    assert out.retry_after_checked > 0
    assert out.retry_after_violations == []
