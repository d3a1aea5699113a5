"""A quick slice of the reliability suite (tests/reliability) for `make test`: same checks, small sizes."""

from __future__ import annotations

from bench.arm_log import SAME_URL, TRIGGER_TO_OPERATION
from bench.seed import seed_with_vms
from tests.reliability.badinput import (
    LAX_SETTINGS,
    SCOPES,
    run_foreign_tracking,
    run_insecure_rejections,
    run_rejections,
)
from tests.reliability.harness import new_temp_dir, recorded_stack
from tests.reliability.leaks import scan_artifacts
from tests.reliability.scenarios import (
    CRASH_TIME_SCALE,
    PRECISE_SETTINGS,
    PRECISE_TIME_SCALE,
    run_crashes,
    run_faults,
    run_precise_retry_after,
)
from tests.reliability.servers import Recorder
from tests.reliability.sizes import QUICK
from tests.support.entra import LocalTenant


def test_restores_finish_once_and_honour_retry_after_under_injected_faults() -> None:
    with recorded_stack(seed=seed_with_vms(QUICK.fault_restores, new_temp_dir())) as stack:
        out = run_faults(stack, QUICK.fault_restores, QUICK.timeout)
    assert not out.start_errors
    assert out.problems == []
    assert out.faults > 0
    assert out.retry_after_checked > 0, "a run that checked no Retry-After gap proves nothing about them"
    assert out.retry_after_kinds.get(TRIGGER_TO_OPERATION, 0) > 0, out.retry_after_kinds
    assert out.retry_after_violations == []


def test_every_follow_up_waits_the_full_retry_after_on_the_service_clock() -> None:
    # Time scale 1: a poller even 1 s early shows as a violation (see scenarios.PRECISE_TIME_SCALE).
    count = 3
    with recorded_stack(emulator_scale=PRECISE_TIME_SCALE, seed=seed_with_vms(count, new_temp_dir()),
                        **PRECISE_SETTINGS) as stack:
        out = run_precise_retry_after(stack, count, timeout=180)
    print(f"precise Retry-After: {out.retry_after_kinds} gaps, smallest slack {out.retry_after_min_slack}s, "
          f"{out.faults} 429s")
    assert not out.start_errors and out.problems == []
    assert out.retry_after_kinds.get(TRIGGER_TO_OPERATION) == count, "each trigger's 202, then its operation's poll"
    assert out.retry_after_kinds.get(SAME_URL, 0) >= count
    assert out.retry_after_violations == [], "\n".join(out.retry_after_violations)


def test_restores_resume_and_end_once_after_host_kills() -> None:
    with recorded_stack(emulator_scale=CRASH_TIME_SCALE, seed=seed_with_vms(QUICK.crash_restores, new_temp_dir())) \
            as stack:
        out = run_crashes(stack, QUICK.crash_restores, QUICK.kills, QUICK.timeout)
    assert out.crashes == QUICK.kills
    assert min(out.in_flight_at_kills) > 0
    assert len(out.callbacks) == QUICK.crash_restores
    assert out.problems == []


def test_hostile_requests_are_refused_and_no_token_leaves_or_leaks() -> None:
    seed = seed_with_vms(8, new_temp_dir(), foreign_vms=2, outside_vms=1)
    with Recorder() as foreign, LocalTenant() as tenant, recorded_stack(
            seed=seed, RESTORE_ALLOWED_SCOPES=SCOPES, CALLBACK_ALLOW_INSECURE="false", **tenant.settings()) as stack:
        rejected = run_rejections(stack, tenant)
        tracked = run_foreign_tracking(stack, foreign, timeout=120)
    with recorded_stack(seed=seed, RESTORE_ALLOWED_SCOPES=SCOPES, **LAX_SETTINGS) as stack:
        insecure = run_insecure_rejections(stack)
    print(f"bad inputs tried: {rejected.tried + tracked.tried + insecure.tried}")
    assert insecure.problems == []
    assert rejected.tried >= 40
    assert rejected.problems == []
    assert tracked.problems == []
    assert foreign.seen == []
    checked, leaks = scan_artifacts()
    assert checked > 0
    assert leaks == []
