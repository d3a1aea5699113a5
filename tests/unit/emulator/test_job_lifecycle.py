"""Operation and job life cycle on the service clock, completion side effects, cancel."""

from __future__ import annotations

import pytest

from emulator.backend import Backend
from emulator.clock import ManualClock
from emulator.exceptions import EmulatorError
from emulator.lifecycle import InvalidTransition, JobStatus, OperationStatus
from tests.unit.emulator.conftest import inventory, item_of, job_of, newest_usable, restore_disks, storage


def _start(backend: Backend, vm: str = "vm-web-01", **extra: object):  # type: ignore[no-untyped-def]
    vault, item = item_of(backend, vm)
    rp = newest_usable(item)
    op = backend.restores.trigger(vault, item, rp, restore_disks(item, rp, storage(backend, item_region(vault)),
                                                                 **extra))
    return vault, item, op, job_of(backend, op)


def item_region(vault) -> str:  # type: ignore[no-untyped-def]
    return vault.region


def test_operation_yields_the_job_after_operation_seconds(backend: Backend, clock: ManualClock) -> None:
    _, _, op, _ = _start(backend)
    assert op.status_at(clock.now()) is OperationStatus.IN_PROGRESS
    clock.advance(179)
    assert op.status_at(clock.now()) is OperationStatus.IN_PROGRESS
    clock.advance(1)
    assert op.status_at(clock.now()) is OperationStatus.SUCCEEDED


def test_job_runs_job_seconds_with_progress_then_completes(backend: Backend, clock: ManualClock) -> None:
    _, _, _, job = _start(backend)
    clock.advance(1200)
    backend.tick()
    assert job.status is JobStatus.IN_PROGRESS and job.progress(clock.now()) == 50
    clock.advance(1200)
    backend.tick()
    assert job.status is JobStatus.COMPLETED and job.end is not None
    assert "Config Blob Uri" in job.property_bag and "Template Blob Uri" in job.property_bag


def test_completed_restore_disks_creates_managed_disks(backend: Backend, clock: ManualClock) -> None:
    _, _, _, job = _start(backend, restoreDiskLunList=[1])
    clock.advance(2400)
    backend.tick()
    created = [d for d in inventory(backend)["disks"] if d["createdByJob"] == job.name]
    assert sorted(d["lun"] is None for d in created) == [False, True]


def test_scenario_outcomes_apply_to_new_jobs(backend: Backend, clock: ManualClock) -> None:
    backend.set_scenario({"jobResult": "Failed", "jobSeconds": 60, "operationSeconds": 10})
    _, _, _, job = _start(backend)
    clock.advance(60)
    backend.tick()
    assert job.status is JobStatus.FAILED and job.error and job.error.code


def test_failed_operation_has_an_error_and_fails_its_job(backend: Backend, clock: ManualClock) -> None:
    backend.set_scenario({"operationResult": "Failed"})
    _, _, op, job = _start(backend)
    clock.advance(180)
    backend.tick()
    assert op.status_at(clock.now()) is OperationStatus.FAILED and op.error
    assert job.status is JobStatus.FAILED


def test_cancel_moves_the_job_through_cancelling_to_cancelled(backend: Backend, clock: ManualClock) -> None:
    vault, _, _, job = _start(backend)
    clock.advance(300)
    backend.jobs.cancel(vault, job.name)
    assert job.status is JobStatus.CANCELLING
    clock.advance(60)
    backend.tick()
    assert job.status is JobStatus.CANCELLED
    with pytest.raises(EmulatorError) as info:
        backend.jobs.cancel(vault, job.name)
    assert info.value.code == "BMSUserErrorJobNotCancellable"


def test_restore_may_start_again_once_the_previous_job_ended(backend: Backend, clock: ManualClock) -> None:
    _start(backend)
    clock.advance(2400)
    assert _start(backend)[3].status is JobStatus.IN_PROGRESS


def test_job_transitions_are_declared(backend: Backend, clock: ManualClock) -> None:
    _, _, _, job = _start(backend)
    clock.advance(2400)
    backend.tick()
    with pytest.raises(InvalidTransition):
        job.move(JobStatus.IN_PROGRESS, clock.now())


def test_replace_disks_swaps_the_vm_disks(backend: Backend, clock: ManualClock) -> None:
    _, item, _, job = _start(backend, recoveryType="OriginalLocation")
    before = {d.id for d in backend.state.world.vms[item.vm_id.lower()].disks()}
    clock.advance(2400)
    backend.tick()
    after = {d.id for d in backend.state.world.vms[item.vm_id.lower()].disks()}
    assert before.isdisjoint(after) and all(job.name.split("-")[0] in d for d in after)
