"""ARM token rules, CRR token rules, replication lag and the scaled clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from emulator import serialize
from emulator.backend import Backend
from emulator.clock import ManualClock, ScaledClock
from emulator.exceptions import BadRequest, EmulatorError, Unauthorized
from emulator.lifecycle import JobStatus
from tests.unit.emulator.conftest import group, inventory, item_of, job_of, storage


def test_arm_token_is_refused_when_missing_unknown_or_expired(backend: Backend, clock: ManualClock) -> None:
    token = backend.tokens.issue_arm("http://emu", clock.now(), 3600, "tenant")
    assert backend.tokens.check_arm(f"Bearer {token.token}", clock.now()) is token
    codes = []
    for header in (None, "Bearer nope"):
        with pytest.raises(Unauthorized) as info:
            backend.tokens.check_arm(header, clock.now())
        codes.append(info.value.code)
    clock.advance(3600)
    with pytest.raises(Unauthorized) as info:
        backend.tokens.check_arm(f"Bearer {token.token}", clock.now())
    assert [*codes, info.value.code] == ["AuthenticationFailed", "InvalidAuthenticationToken",
                                          "ExpiredAuthenticationToken"]


def _crr_setup(backend: Backend):  # type: ignore[no-untyped-def]
    vault, item = item_of(backend, "vm-web-01")
    aad = backend.crr.aad_properties(vault.subscription, str(vault.secondary_region))
    rp = next(p for p in item.sorted_points() if backend.lookups.is_replicated(p) and not p.is_archive_only)
    token = serialize.crr_access_token(backend.crr.access_token(vault, item, rp.name, aad.audience))["properties"]
    subnet = next(s for s in inventory(backend)["subnets"] if s["region"] == vault.secondary_region)
    request = {"objectType": "IaasVMRestoreRequest", "recoveryPointId": rp.name, "recoveryType": "RestoreDisks",
               "sourceResourceId": item.vm_id, "storageAccountId": storage(backend, str(vault.secondary_region)),
               "targetResourceGroupId": group(backend, str(vault.secondary_region)),
               "region": vault.secondary_region}
    assert subnet
    return vault, item, rp, token, request


def test_recent_points_reach_the_secondary_region_after_the_lag(backend: Backend, clock: ManualClock) -> None:
    _, item = item_of(backend, "vm-web-01")
    newest = item.sorted_points()[0]
    assert not backend.lookups.is_replicated(newest)
    clock.advance(backend.scenario.replication_lag_seconds)
    assert backend.lookups.is_replicated(newest)


def test_crr_restore_runs_as_a_cross_region_restore_job(backend: Backend, clock: ManualClock) -> None:
    vault, _, _, token, request = _crr_setup(backend)
    op = backend.crr.trigger(str(vault.secondary_region), token, request)
    job = job_of(backend, op)
    assert (job.operation, job.region) == ("CrossRegionRestore", vault.secondary_region)
    assert backend.jobs.crr_jobs(str(vault.secondary_region), vault.id) == [job]
    assert backend.jobs.crr_job(str(vault.secondary_region), job.name, vault.id) is job
    clock.advance(2400)
    backend.tick()
    assert job.status is JobStatus.COMPLETED


def test_crr_jobs_are_asked_for_by_vault_id_as_az_cli_and_powershell_do(backend: Backend) -> None:
    vault, item, _, token, request = _crr_setup(backend)
    op = backend.crr.trigger(str(vault.secondary_region), token, request)
    region = str(vault.secondary_region)
    for wrong in (item.vm_id, "", None):
        with pytest.raises(BadRequest, match="resourceId must be the ARM ID of the Recovery Services vault"):
            backend.jobs.crr_job(region, str(op.job_name), wrong)
    with pytest.raises(BadRequest, match="resourceId must be the ARM ID"):
        backend.jobs.crr_jobs(region, item.vm_id)


def test_crr_refuses_rehydration_and_a_missing_target_group_as_az_cli_does(backend: Backend) -> None:
    vault, _, _, token, request = _crr_setup(backend)
    region = str(vault.secondary_region)
    with pytest.raises(BadRequest, match="targetResourceGroupId is required for cross region restore"):
        backend.crr.trigger(region, token, {**request, "targetResourceGroupId": None})
    rehydrate = {**request, "objectType": "IaasVMRestoreWithRehydrationRequest",
                 "recoveryPointRehydrationInfo": {"rehydrationPriority": "High",
                                                  "rehydrationRetentionDuration": "P10D"}}
    with pytest.raises(BadRequest, match=r"Archive restore .* is not supported for cross region restore"):
        backend.crr.trigger(region, token, rehydrate)


@pytest.mark.parametrize("case", ["missing", "reused", "expired", "foreign"])
def test_crr_trigger_rejects_bad_tokens(backend: Backend, clock: ManualClock, case: str) -> None:
    vault, _, _, token, request = _crr_setup(backend)
    details = dict(token)
    region = str(vault.secondary_region)
    if case == "missing":
        details.pop("accessTokenString")
    elif case == "reused":
        backend.crr.trigger(region, details, request)
        clock.advance(2400)
        backend.tick()
    elif case == "expired":
        clock.advance(backend.scenario.crr_token_lifetime)
    else:
        request["recoveryPointId"] = "999"
    with pytest.raises(EmulatorError) as info:
        backend.crr.trigger(region, details, request)
    assert info.value.status == 400 and "Crr" in info.value.code


def test_access_token_needs_the_secondary_region_aad_properties(backend: Backend) -> None:
    vault, item = item_of(backend, "vm-web-01")
    wrong = backend.crr.aad_properties(vault.subscription, vault.region)
    rp = item.sorted_points()[-2].name
    with pytest.raises(EmulatorError) as info:
        backend.crr.access_token(vault, item, rp, wrong.audience)
    assert info.value.code == "UserErrorInvalidAadProperties"


def test_access_token_is_refused_on_a_vault_without_crr(backend: Backend) -> None:
    vault, item = item_of(backend, "vm-ops-01")
    with pytest.raises(EmulatorError) as info:
        backend.crr.access_token(vault, item, item.sorted_points()[-1].name, None)
    assert info.value.code == "BMSUserErrorCrossRegionRestoreNotEnabled"


def test_scaled_clock_runs_service_time_faster_and_maps_back_to_wall_time() -> None:
    clock = ScaledClock(600)
    service = clock.now()
    later = service + timedelta(seconds=600)
    assert clock.wall_epoch_at(later) - clock.wall_epoch_at(service) == pytest.approx(1.0)
    clock.advance(60)
    assert clock.now() - service >= timedelta(seconds=60)


def test_the_crr_operation_status_names_its_job_by_default_and_not_with_the_knob_off(backend: Backend,
                                                                                     clock: ManualClock) -> None:
    vault, _, _, token, request = _crr_setup(backend)
    op = backend.crr.trigger(str(vault.secondary_region), token, request)
    clock.advance(backend.scenario.operation_seconds)
    body = serialize.operation_status(op, clock.now(), with_job=backend.crr.reports_job_id())
    assert body["status"] == "Succeeded" and body["properties"]["jobId"] == op.job_name
    backend.set_scenario({"crrJobIdInOperation": False})
    assert "properties" not in serialize.operation_status(op, clock.now(), with_job=backend.crr.reports_job_id())
