"""What restore jobs report about progress and remaining time (scenario `progressProfile`, `etaErrorPct`,
`etaSeed`), for primary and CRR jobs; their real end never moves."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from emulator import serialize
from emulator.backend import Backend
from emulator.clock import ManualClock, iso_duration
from emulator.lifecycle import Job, JobStatus
from emulator.progress import ProgressProfile, shape
from tests.unit.emulator.conftest import group, item_of, job_of, newest_usable, restore_disks, storage

JOB_SECONDS = 4000.0


def _start(backend: Backend, **knobs: Any) -> Job:
    backend.set_scenario({"jobSeconds": JOB_SECONDS, "operationSeconds": 10, **knobs})
    vault, item = item_of(backend, "vm-web-01")
    rp = newest_usable(item)
    subnet = next(s for s in backend.state.world.subnets.values() if s.region == "westeurope")
    body = restore_disks(item, rp, storage(backend, "westeurope"), recoveryType="AlternateLocation",
                         targetResourceGroupId=item.vm_id.split("/providers/")[0],
                         targetVirtualMachineId=item.vm_id + "-copy", virtualNetworkId=subnet.vnet_id,
                         subnetId=subnet.id)
    return job_of(backend, backend.restores.trigger(vault, item, rp, body))


def _info(backend: Backend, job: Job) -> dict[str, Any]:
    backend.tick()
    return dict(serialize.job(job, backend.now())["properties"]["extendedInfo"])


def _at(backend: Backend, clock: ManualClock, job: Job, fraction: float) -> dict[str, Any]:
    clock.current = job.start + timedelta(seconds=JOB_SECONDS * fraction)
    return _info(backend, job)


def test_linear_progress_and_an_exact_estimate_by_default(backend: Backend, clock: ManualClock) -> None:
    job = _start(backend)
    for fraction in (0.25, 0.5, 0.75):
        info = _at(backend, clock, job, fraction)
        assert info["progressPercentage"] == pytest.approx(fraction * 100)
        assert info["estimatedRemainingDuration"] == iso_duration(JOB_SECONDS * (1 - fraction))


@pytest.mark.parametrize(("profile", "fraction", "expected"), [
    ("frontLoaded", 0.25, 43), ("frontLoaded", 0.5, 75), ("frontLoaded", 0.9, 99),
    ("stallThenJump", 0.3, 30), ("stallThenJump", 0.5, 40), ("stallThenJump", 0.85, 40),
    ("stallThenJump", 0.95, 70),
])
def test_profiles_shape_the_reported_progress(backend: Backend, clock: ManualClock, profile: str,
                                              fraction: float, expected: int) -> None:
    job = _start(backend, progressProfile=profile)
    info = _at(backend, clock, job, fraction)
    assert info["progressPercentage"] == expected
    assert info["estimatedRemainingDuration"] == iso_duration(JOB_SECONDS * (1 - fraction))


@pytest.mark.parametrize("profile", list(ProgressProfile))
def test_every_profile_rises_monotonically_and_ends_when_the_job_ends(backend: Backend, clock: ManualClock,
                                                                      profile: ProgressProfile) -> None:
    shaped = [shape(profile, i / 100) for i in range(101)]
    assert shaped == sorted(shaped) and shaped[0] == 0 and shaped[-1] == pytest.approx(1)
    job = _start(backend, progressProfile=str(profile))
    assert _at(backend, clock, job, 0.999)["progressPercentage"] <= 99 and job.status is JobStatus.IN_PROGRESS
    info = _at(backend, clock, job, 1.0)
    assert (job.status, job.end, info["progressPercentage"]) == (JobStatus.COMPLETED, job.planned_end, 100)
    assert [t["status"] for t in info["tasksList"]] == ["Completed", "Completed"]


def test_tasks_follow_the_reported_progress(backend: Backend, clock: ManualClock) -> None:
    job = _start(backend, progressProfile="stallThenJump")
    stalled = _at(backend, clock, job, 0.8)["tasksList"]
    assert [(t["taskId"], t["status"]) for t in stalled] == [("Transfer data", "InProgress"),
                                                             ("Create VM", "NotStarted")]
    assert stalled[0]["progressPercentage"] == pytest.approx(40 / 0.85, abs=0.1)
    jumped = _at(backend, clock, job, 0.99)["tasksList"]
    assert [t["status"] for t in jumped] == ["Completed", "InProgress"]


@pytest.mark.parametrize(("error", "low", "high"), [(25, 1.125, 1.375), (-50, 0.25, 0.75), (-25, 0.625, 0.875)])
def test_the_estimate_is_wrong_by_the_signed_error_with_seeded_noise(backend: Backend, clock: ManualClock,
                                                                     error: float, low: float, high: float) -> None:
    job = _start(backend, etaErrorPct=error, etaSeed=5)
    ratios = []
    for minute in range(5, 60, 5):
        clock.current = job.start + timedelta(minutes=minute)
        ratios.append(job.estimated_remaining(clock.now()) / job.remaining(clock.now()))
    assert all(low <= r <= high for r in ratios)
    assert len(set(ratios)) > 1  # noisy, not a constant factor
    assert job.planned_end == job.start + timedelta(seconds=JOB_SECONDS)  # the real end does not move


def test_the_noise_is_reproducible_and_steady_within_a_minute(clock: ManualClock) -> None:
    def readings(seed: int) -> list[float]:
        backend = Backend(ManualClock(clock.now()))
        job = _start(backend, etaErrorPct=50, etaSeed=seed)
        out = []
        for seconds in (600, 630, 659, 1200, 2400):
            now = job.start + timedelta(seconds=seconds)
            out.append(job.estimated_remaining(now) / job.remaining(now))
        return out

    first = readings(1)
    assert first == readings(1) and first != readings(2)
    assert first[0] == first[1] == first[2]


def test_knobs_apply_to_jobs_started_afterwards(backend: Backend, clock: ManualClock) -> None:
    job = _start(backend)
    backend.set_scenario({"progressProfile": "frontLoaded", "etaErrorPct": 50})
    info = _at(backend, clock, job, 0.25)
    assert info["progressPercentage"] == 25
    assert info["estimatedRemainingDuration"] == iso_duration(JOB_SECONDS * 0.75)


def test_a_crr_job_reports_its_progress_the_same_way(backend: Backend, clock: ManualClock) -> None:
    backend.set_scenario({"jobSeconds": JOB_SECONDS, "progressProfile": "frontLoaded", "etaErrorPct": -50})
    vault, item = item_of(backend, "vm-web-01")
    aad = backend.crr.aad_properties(vault.subscription, str(vault.secondary_region))
    rp = next(p for p in item.sorted_points() if backend.lookups.is_replicated(p) and not p.is_archive_only)
    token = serialize.crr_access_token(backend.crr.access_token(vault, item, rp.name, aad.audience))["properties"]
    request = {"objectType": "IaasVMRestoreRequest", "recoveryPointId": rp.name, "recoveryType": "RestoreDisks",
               "sourceResourceId": item.vm_id, "storageAccountId": storage(backend, str(vault.secondary_region)),
               "targetResourceGroupId": group(backend, str(vault.secondary_region))}
    job = job_of(backend, backend.crr.trigger(str(vault.secondary_region), token, request))
    info = _at(backend, clock, job, 0.25)
    assert (job.operation, info["progressPercentage"]) == ("CrossRegionRestore", 43)
    clock.current = job.start + timedelta(seconds=JOB_SECONDS * 0.25)
    assert job.estimated_remaining(clock.now()) < job.remaining(clock.now()) * 0.8


@pytest.mark.parametrize("knobs", [{"progressProfile": "sawtooth"}, {"etaErrorPct": -150}, {"etaSeed": "x"}])
def test_bad_progress_knobs_are_refused(backend: Backend, knobs: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        backend.set_scenario(knobs)
