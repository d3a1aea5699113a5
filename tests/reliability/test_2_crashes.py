"""Crashes: the host is SIGKILLed at random points; every restore resumes and ends exactly once."""

from __future__ import annotations

import pytest

from bench.seed import seed_with_vms
from tests.reliability.harness import new_temp_dir, recorded_stack
from tests.reliability.scenarios import CRASH_TIME_SCALE, run_crashes
from tests.reliability.sizes import long_suite

pytestmark = [pytest.mark.reliability, pytest.mark.timeout(3600)]


def test_restores_resume_and_end_once_after_repeated_host_kills() -> None:
    sizes = long_suite()
    seed = seed_with_vms(sizes.crash_restores, new_temp_dir())
    with recorded_stack(emulator_scale=CRASH_TIME_SCALE, seed=seed) as stack:
        out = run_crashes(stack, sizes.crash_restores, sizes.kills, sizes.timeout, seed=sizes.crash_seed)
    assert not out.start_errors
    assert out.crashes >= sizes.kills
    assert min(out.in_flight_at_kills) > 0
    assert len(out.callbacks) == sizes.crash_restores
    assert out.problems == []
