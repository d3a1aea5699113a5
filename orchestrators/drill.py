"""`restore_drill`: one drill run. Choose the VMs and points, restore each with `restore_vm` (a sub-orchestration
`{run}:{n}`, so a drill restores exactly as a single restore does), validate, wait out the retention, clean up.

Cleanup deletes only what the restore jobs reported as created (plus the NICs of the VMs they created) and only
inside the drill's target resource group; everything else is refused and reported. Each delete is a durable
activity, so a host restart resumes the cleanup where it stopped; a resource already gone counts as cleaned.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import azure.durable_functions as df
from pydantic import ValidationError

from azbackup.errors import ErrorInfo
from azbackup.resources import container_of_blob
from orchestrators import waits
from orchestrators.drill_run import DrillRun
from restore import events, metrics
from restore.contract import DRILL_VALIDATION_EVENT, Activity, Orchestrator, OutcomeStatus, RestoreOrder
from restore.drill_payloads import (
    DeleteInput,
    DeleteValue,
    DrillPointsInput,
    DrillPointsValue,
    GroupVmsInput,
    GroupVmsValue,
    InspectInput,
)
from restore.drill_report import (
    Check,
    Cleanup,
    CustomVerdict,
    DrillOrder,
    DrillVm,
    Refusal,
    RestoredFacts,
    RunPhase,
    Verdict,
    cleanup_targets,
    judge,
    restore_request,
)
from restore.drill_schedule import pick_point, sample
from restore.drills import DrillMode
from restore.instance_ids import Source
from restore.payloads import (
    EventKind,
    PlanVmsInput,
    PlanVmsValue,
    PublishEventInput,
    ResolveItemInput,
    RestoreSettings,
)
from restore.values import BackupItem, RecoveryPointInfo

log = logging.getLogger(__name__)
CLEANUP_ROUNDS = 6  # passes over what is left to delete (a disk still attached to a VM that is being deleted, ...)
CLEANUP_PAUSE_SECONDS = 120
LONGEST_TIMER = timedelta(days=1)  # retention waits in steps well under the 6-day timer limit (DURABLE-NOTES §2)


def run_drill(ctx: df.DurableOrchestrationContext) -> waits.Steps:
    """The whole run; always completes with the `DrillReport` (its `status` says passed or failed)."""
    try:
        run = DrillRun(ctx, DrillOrder.model_validate(ctx.get_input(expected_type=dict)))
    except ValidationError as exc:  # a front door bug: end with the reason
        return {"status": "failed", "error": ErrorInfo(code="InvalidDrillOrder", message=str(exc)[:1000]).dump()}
    run.publish(RunPhase.CHOOSING)
    settings = yield from run.call(Activity.GET_RESTORE_SETTINGS, {})
    if settings.error is not None:
        run.publish(error=settings.error)
    else:
        run.settings = RestoreSettings.model_validate(settings.value)
        yield from _story(run)
    run.finish()
    if run.report.status == "failed":
        yield from _tell_failure(run)
    if not ctx.is_replaying:
        vm_events, finished = run.vm_events(), run.finished_event()
        for event in vm_events:
            events.emit(log, event)
        events.emit(log, finished)
        metrics.DRILLS.record(finished, vm_events)
    return run.report.dump()


def _tell_failure(run: DrillRun) -> waits.Steps:
    """A failed run: the `drillFailed` CloudEvent (with `EVENT_GRID_TOPIC_ENDPOINT` set) and the drill's
    `callbackUrl`, each once, best effort. The event's ID comes from `context.new_uuid()` (replay-safe), so a retried
    publish sends the same event, as for an approval (orchestrators/notify.py)."""
    report = run.report.dump()
    if run.settings.events_enabled:
        event = PublishEventInput(id=str(run.ctx.new_uuid()), kind=EventKind.DRILL_FAILED,
                                  instance_id=run.ctx.instance_id, drill=run.drill.name,
                                  time=run.ctx.current_utc_datetime, data=report)
        sent = yield from waits.call(run.ctx, Activity.PUBLISH_EVENT, event.dump(), run.settings, attempts=3)
        if sent.error is not None and not run.ctx.is_replaying:
            log.warning("drill.event_failed", extra={"instance_id": run.ctx.instance_id, "code": sent.error.code})
    if run.drill.callback_url:
        body = {"id": run.ctx.instance_id, **report}
        told = yield from waits.call(run.ctx, Activity.NOTIFY_CALLBACK, {"url": run.drill.callback_url, "body": body},
                                     run.settings, attempts=3, throttle_counts=True)
        if told.error is not None and not run.ctx.is_replaying:
            log.warning("drill.callback_failed", extra={"instance_id": run.ctx.instance_id, "code": told.error.code})


def _story(run: DrillRun) -> waits.Steps:
    vm_ids = yield from _choose_vms(run)
    if not vm_ids:
        return
    run.publish(vms=[DrillVm(vm_id=vm) for vm in vm_ids])
    points = yield from _choose_points(run)
    run.publish(RunPhase.RESTORING)
    yield from _restore(run, points)
    # What was restored is kept `retentionHours` from the end of the restores, or until validation ends if later.
    until = run.now + timedelta(hours=run.drill.retention_hours)
    run.publish(RunPhase.VALIDATING, cleanup_after=until)
    yield from _validate(run)
    yield from _custom_validation(run)
    run.publish(RunPhase.RETAINING)
    while run.now < until:
        yield run.ctx.create_timer(min(until, run.now + LONGEST_TIMER))
    run.publish(RunPhase.CLEANING)
    yield from _cleanup(run)


def _choose_vms(run: DrillRun) -> waits.Steps:
    selector = run.drill.vms
    vm_ids = list(selector.ids or [])
    if selector.vault_id:
        listed = yield from run.call(Activity.LIST_PLAN_VMS, PlanVmsInput(vault_id=selector.vault_id).dump())
        if listed.error is not None:
            run.publish(error=listed.error)
            return []
        vm_ids = [vm.vm_id for vm in PlanVmsValue.model_validate(listed.value).vms if vm.vm_id]
    elif selector.resource_groups:
        payload = GroupVmsInput(resource_groups=selector.resource_groups, tags=selector.tags or {})
        listed = yield from run.call(Activity.LIST_DRILL_VMS, payload.dump())
        if listed.error is not None:
            run.publish(error=listed.error)
            return []
        vm_ids = GroupVmsValue.model_validate(listed.value).vm_ids
    # A vault may protect VMs of the target group itself: a drill never restores over what it may delete.
    vm_ids = [vm for vm in vm_ids if not run.drill.in_target_group(vm)]
    if not vm_ids:
        run.publish(error=ErrorInfo(code="DrillHasNoVms", message="no VM to restore outside the target group"))
    return sample(vm_ids, selector.sample, run.ctx.instance_id)


def _choose_points(run: DrillRun) -> waits.Steps:
    """Per VM: its backup item and the point the drill's choice picks among the window's points of allowed types."""
    chosen: dict[int, tuple[BackupItem, RecoveryPointInfo]] = {}
    rp = run.drill.recovery_point
    for i, vm in enumerate(run.report.vms):
        resolved = yield from run.call(Activity.RESOLVE_BACKUP_ITEM, ResolveItemInput(vm_id=vm.vm_id).dump())
        if resolved.error is not None:
            run.fail_vm(i, resolved.error)
            continue
        item = BackupItem.model_validate(resolved.value)
        payload = DrillPointsInput(item=item, window_days=rp.window_days, types=rp.types, now=run.now)
        listed = yield from run.call(Activity.LIST_DRILL_POINTS, payload.dump())
        if listed.error is not None:
            run.fail_vm(i, listed.error)
            continue
        points = DrillPointsValue.model_validate(listed.value).points
        name = pick_point(rp.choice, [(p.name, p.time) for p in points], f"{run.ctx.instance_id}:{vm.vm_id}")
        point = next((p for p in points if p.name == name), None)
        if point is None:
            run.fail_vm(i, ErrorInfo(code="NoMatchingRecoveryPoint", message=(
                f"no restorable {'/'.join(rp.types)} point within {rp.window_days:g} days")))
            continue
        run.set_vm(i, recovery_point=point)
        chosen[i] = (item, point)
    return chosen


def _restore(run: DrillRun, points: dict[int, tuple[BackupItem, RecoveryPointInfo]]) -> waits.Steps:
    """Every chosen VM's `restore_vm` at once; each result recorded as it ends (a failure ends only its VM)."""
    running: dict[int, Any] = {}
    for i, (_, point) in sorted(points.items()):
        vm = run.report.vms[i]
        request = restore_request(run.drill, vm.vm_id, point.id, run.ctx.instance_id)
        order = RestoreOrder(request=request, requested_at=run.now, source=Source.DRILL)
        restore_id = f"{run.ctx.instance_id}:{i}"
        run.set_vm(i, restore_id=restore_id)
        running[i] = run.ctx.call_sub_orchestrator(Orchestrator.RESTORE_VM, order.dump(), restore_id)
    run.publish()
    while running:
        yield run.ctx.task_any(list(running.values()))
        for i, task in list(running.items()):
            if task.is_completed:
                del running[i]
                outcome = run.restored(i, task)
                if outcome is not None and outcome.status is OutcomeStatus.SUCCEEDED and outcome.result:
                    _add_config_container(run, i, outcome.result.config_blob_uri)
        run.publish()


def _add_config_container(run: DrillRun, index: int, blob_uri: str | None) -> None:
    """The container of the restore's config blobs, as an ARM ID (deleted with `BlobContainers_Delete`)."""
    if not blob_uri:
        return
    container = container_of_blob(blob_uri, run.drill.restore.storage_account_id)
    vm = run.report.vms[index]
    # A config blob outside the drill's staging account is reported (as its URI) and refused by the cleanup.
    run.set_vm(index, created=[*vm.created, container or blob_uri.split("?", 1)[0]])


def _validate(run: DrillRun) -> waits.Steps:
    new_vm = run.drill.restore.mode == DrillMode.NEW_VM
    for i, vm in enumerate(run.report.vms):
        if vm.restore_status != OutcomeStatus.SUCCEEDED.value:
            continue
        target = next((r for r in vm.created if "/virtualmachines/" in r.lower()), None) if new_vm else None
        disks = [r for r in vm.created if "/microsoft.compute/disks/" in r.lower()]
        payload = InspectInput(source_vm_id=vm.vm_id, disk_ids=disks, vm_id=target if new_vm else None)
        if new_vm and target is None:
            run.set_vm(i, validation=Check(status=Verdict.FAILED, reasons=["the restore job reported no VM"]))
            continue
        seen = yield from run.call(Activity.INSPECT_DRILL_RESTORE, payload.dump())
        if seen.error is not None:
            run.fail_vm(i, seen.error)
            continue
        facts = RestoredFacts.model_validate(seen.value)
        nics = [n for n in (facts.vm or {}).get("nicIds", []) if n not in vm.created]
        run.set_vm(i, validation=judge(facts), created=[*vm.created, *nics])
        run.publish()


def _custom_validation(run: DrillRun) -> waits.Steps:
    """POST the restored resources to `validationUrl`, then wait for the verdict (or time out)."""
    url = run.drill.validation.validation_url
    if not url:
        return
    resources = [r for vm in run.report.vms for r in vm.created]
    run.publish(custom_validation=Check(status=Verdict.PENDING))
    body = {"runId": run.ctx.instance_id, "drill": run.drill.name, "resources": resources,
            "verdict": f"/api/drills/runs/{run.ctx.instance_id}/validation"}
    sent = yield from waits.call(run.ctx, Activity.NOTIFY_CALLBACK, {"url": url, "body": body}, run.settings,
                                 attempts=3, throttle_counts=True)
    if sent.error is not None:
        run.publish(custom_validation=Check(status=Verdict.FAILED, reasons=[
            f"validationUrl not reached: {sent.error.code}: {sent.error.message}"]))
        return
    deadline = run.now + timedelta(hours=run.drill.validation.validation_timeout_hours)
    verdict = run.ctx.wait_for_external_event(DRILL_VALIDATION_EVENT, expected_type=object)
    timer = run.ctx.create_timer(deadline)
    winner = yield run.ctx.task_any([verdict, timer])
    if winner is not verdict:
        run.publish(custom_validation=Check(status=Verdict.FAILED, reasons=["validation timed out"]))
        return
    timer.cancel()
    decided = _verdict(verdict.result)
    reasons = [decided.message] if decided.message else []
    run.publish(custom_validation=Check(status=Verdict(decided.status), reasons=reasons))


def _verdict(raw: Any) -> CustomVerdict:
    # The Python client sends event data as JSON text and the extension keeps it so: it may arrive as a string
    # (azure-functions-durable-python issue #295, as in orchestrators/approval.py).
    try:
        return CustomVerdict.model_validate(json.loads(raw) if isinstance(raw, str) else raw)
    except ValueError:  # not JSON, or not {status, message} (ValidationError is a ValueError)
        return CustomVerdict(status="failed", message="the verdict was not {status, message}")


def _cleanup(run: DrillRun) -> waits.Steps:
    """Delete the allowed targets in order, in rounds until none is left (or the rounds are spent)."""
    targets, refused = cleanup_targets(run.drill, list(run.report.vms))
    deleted: list[str] = []
    gone: list[str] = []
    failed: dict[str, str] = {}
    left = targets
    for round_no in range(CLEANUP_ROUNDS):
        failed = {}
        for resource_id in left:
            payload = DeleteInput(resource_id=resource_id, target_group=run.drill.restore.target_resource_group_id)
            result = yield from run.call(Activity.DELETE_DRILL_RESOURCE, payload.dump())
            if result.error is not None:
                failed[resource_id] = f"{result.error.code}: {result.error.message}"
                continue
            (gone if DeleteValue.model_validate(result.value).result == "alreadyGone" else deleted).append(resource_id)
        run.publish(cleanup=Cleanup(deleted=deleted, already_gone=gone, refused=refused,
                                    failed=[Refusal(id=k, reason=v) for k, v in failed.items()]))
        left = [r for r in left if r in failed]
        if not left or round_no + 1 == CLEANUP_ROUNDS:
            break
        yield from waits.sleep(run.ctx, CLEANUP_PAUSE_SECONDS)
    status = Verdict.PASSED if not failed and not refused else Verdict.FAILED
    run.publish(cleanup=run.report.cleanup.model_copy(update={"status": status}))
