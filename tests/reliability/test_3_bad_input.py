"""Bad input: malformed and hostile requests are refused as documented and start nothing."""

from __future__ import annotations

import pytest

from bench.seed import seed_with_vms
from tests.reliability.badinput import (
    LAX_SETTINGS,
    SCOPES,
    run_foreign_tracking,
    run_insecure_rejections,
    run_rejections,
)
from tests.reliability.harness import new_temp_dir, recorded_stack
from tests.reliability.servers import Recorder
from tests.support.entra import LocalTenant

pytestmark = [pytest.mark.reliability, pytest.mark.timeout(3600)]


def test_hostile_requests_get_documented_4xx_and_start_nothing() -> None:
    seed = seed_with_vms(8, new_temp_dir(), foreign_vms=2, outside_vms=1)
    with LocalTenant() as tenant, recorded_stack(seed=seed, RESTORE_ALLOWED_SCOPES=SCOPES,
                                                 CALLBACK_ALLOW_INSECURE="false", **tenant.settings()) as stack:
        out = run_rejections(stack, tenant)
    print(f"bad inputs tried: {out.tried}")
    assert out.tried >= 40
    assert out.problems == []


def test_tracking_urls_to_foreign_hosts_fail_cleanly_and_receive_nothing() -> None:
    seed = seed_with_vms(8, new_temp_dir(), foreign_vms=2, outside_vms=1)
    with Recorder() as foreign, recorded_stack(seed=seed, RESTORE_ALLOWED_SCOPES=SCOPES, **LAX_SETTINGS) as stack:
        out = run_foreign_tracking(stack, foreign, timeout=120)
        insecure = run_insecure_rejections(stack)
        assert foreign.seen == []
    print(f"bad inputs tried: {out.tried + insecure.tried}")
    assert out.tried >= 4
    assert out.problems == []
    assert insecure.problems == []
