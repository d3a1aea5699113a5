"""`restore_vm`: the runbook. Resolve the item, choose the point, validate, trigger, wait, report.

Deterministic: it reads only its input, `context.current_utc_datetime` and activity results. Every ARM step is an
activity returning `{value, error}`; transient errors wait on durable timers, terminal ones end the run.
"""

from __future__ import annotations

import logging
from typing import Any

import azure.durable_functions as df
from pydantic import ValidationError

from azbackup.errors import ErrorInfo
from azbackup.models_job import JobStatus
from orchestrators import waits
from orchestrators.approval import await_approval
from orchestrators.outcome import RestoreFailedError, finished_event, job_error, result_from_job
from orchestrators.run import RestoreRun
from orchestrators.tracking import wait_for_job, wait_for_operation
from orchestrators.waits import Stop
from restore import events
from restore.contract import Activity, ErrorSummary, OutcomeStatus, Phase, PointSummary, RestoreOrder, RestoreOutcome
from restore.errors import NotProtectedError
from restore.instance_ids import Source
from restore.payloads import (
    GroupTagsInput,
    GroupTagsValue,
    RequestView,
    ResolveItemInput,
    RestoreSettings,
    SelectPointInput,
    TriggerInput,
    TriggerValue,
    ValidateInput,
    ValidationValue,
)
from restore.request import RestoreRequest
from restore.scopes import restore_scope_problems
from restore.tags import tag_filter_problems
from restore.values import BackupItem, JobInfo, RecoveryPointInfo

log = logging.getLogger(__name__)
SCOPE_REFUSED = "RestoreScopeNotAllowed"
TAGS_NOT_MATCHED = "DeleteTagsNotMatched"


def run_restore(ctx: df.DurableOrchestrationContext) -> waits.Steps:
    """The whole restore; returns the outcome dict, or raises `RestoreFailedError` carrying it."""
    try:
        order = RestoreOrder.model_validate(ctx.get_input(expected_type=dict))
        RequestView.model_validate(order.request)
        RestoreRequest.model_validate(order.request)  # a start that skipped the front doors meets the same rules
    except ValidationError as exc:  # a front door bug: fail with the reason, in the outcome format
        raise RestoreFailedError(_invalid_order(ctx, exc)) from None
    run = RestoreRun(ctx, order)
    try:
        outcome = yield from _story(run)
    except Stop as stop:
        outcome = run.stopped(stop)
    yield from _notify(run, outcome)
    run.publish(Phase.DONE, error=ErrorSummary.of(outcome.error) if outcome.error else None, outcome=outcome.status)
    if not ctx.is_replaying:
        events.emit(log, finished_event(ctx.instance_id, order, run.item, outcome))
    if outcome.status is OutcomeStatus.FAILED:
        raise RestoreFailedError(outcome)
    return outcome.dump()


def _invalid_order(ctx: df.DurableOrchestrationContext, exc: ValidationError) -> RestoreOutcome:
    raw = ctx.get_input(expected_type=dict)
    request = raw.get("request") if isinstance(raw, dict) and isinstance(raw.get("request"), dict) else {}
    error = ErrorInfo(code="InvalidRestoreOrder", message=str(exc)[:1000])
    now = ctx.current_utc_datetime
    return RestoreOutcome(status=OutcomeStatus.FAILED, phase=Phase.RESOLVING, request=request, error=error,
                          started_at=now, ended_at=now)


def _story(run: RestoreRun) -> waits.Steps:
    run.settings = RestoreSettings.model_validate((yield from run.call(Activity.GET_RESTORE_SETTINGS, {})))
    yield from _check_delete_tags(run)
    item = yield from _resolve(run)
    _authorize(run, item)
    point = yield from _select(run, item)
    # backupValidateOperation validates restores from the primary vault only; the CRR (passive stamp) API has no
    # validation operation, so a cross-region restore is checked by the service when it is triggered.
    validated = (run.settings.validate_before_restore or run.order.dry_run) and not point.cross_region
    if validated:
        yield from _validate(run, item, point)
    if run.order.dry_run:  # a plan's dry run: what would be restored from which point; nothing is triggered
        return run.outcome(OutcomeStatus.SUCCEEDED, Phase.VALIDATING)
    yield from await_approval(run, item, point, validated)
    trigger = yield from _trigger(run, item, point)
    job_id = yield from wait_for_operation(run, item, point, trigger)
    job = yield from wait_for_job(run, item, job_id)
    return _finish(run, job)


def _check_delete_tags(run: RestoreRun) -> waits.Steps:
    """`RESTORE_ON_DELETE_TAGS`: a delete-started restore goes on only when the VM's resource group carries the tags
    (restore/tags.py); otherwise it is ignored (logged) and ends `cancelled` before anything is asked of the vault."""
    wanted = run.settings.delete_tags
    if run.order.source is not Source.DELETE or not wanted or not run.request.vm_id:
        return
    run.publish(Phase.RESOLVING)
    found = yield from run.call(Activity.GET_RESOURCE_GROUP_TAGS, GroupTagsInput(vm_id=run.request.vm_id).dump())
    missing = tag_filter_problems(wanted, GroupTagsValue.model_validate(found).tags)
    if missing:
        if not run.ctx.is_replaying:
            log.info("restore.delete.ignored", extra={"instance_id": run.ctx.instance_id,
                                                      "reason": "resource group tags do not match"})
        raise Stop(Phase.RESOLVING, cancelled=True, error=ErrorInfo(
            code=TAGS_NOT_MATCHED, message="RESTORE_ON_DELETE_TAGS: the VM's resource group has " + "; ".join(missing)))


def _resolve(run: RestoreRun) -> waits.Steps:
    run.publish(Phase.RESOLVING)
    request = run.request
    deleted = run.order.source is Source.DELETE
    payload = ResolveItemInput(vm_id=request.vm_id, protected_item_id=request.protected_item_id,
                               vault_id=request.vault_id, cross_region=request.cross_region, vm_deleted=deleted)
    try:
        run.item = BackupItem.model_validate((yield from run.call(Activity.RESOLVE_BACKUP_ITEM, payload.dump())))
    except Stop as stop:
        if deleted and stop.error is not None and stop.error.code == NotProtectedError.default_code:
            # A deleted VM no vault protects: ignored (logged), nothing was started in Azure.
            if not run.ctx.is_replaying:
                log.info("restore.delete.ignored", extra={"instance_id": run.ctx.instance_id,
                                                          "reason": "not protected"})
            raise Stop(Phase.RESOLVING, cancelled=True, error=stop.error) from None
        raise
    return run.item


def _authorize(run: RestoreRun, item: BackupItem) -> None:
    """Fail closed before anything is posted when the source or anything the restore writes is out of scope."""
    request = RestoreRequest.model_validate(run.order.request)
    outside = restore_scope_problems(request, item, run.settings.allowed_scopes)
    if outside:
        raise Stop(Phase.RESOLVING, error=ErrorInfo(
            code=SCOPE_REFUSED, status=403, message="outside RESTORE_ALLOWED_SCOPES: " + "; ".join(outside)))


def _select(run: RestoreRun, item: BackupItem) -> waits.Steps:
    run.publish(Phase.SELECTING)
    request = run.request
    payload = SelectPointInput(item=item, recovery_point_id=request.recovery_point_id,
                               policy=request.recovery_point_policy or "latest", before=request.before,
                               max_age=request.max_age, now=run.now, cross_region=request.cross_region,
                               allow_archive=request.rehydration is not None and not request.cross_region)
    run.point = RecoveryPointInfo.model_validate((yield from run.call(Activity.SELECT_RECOVERY_POINT, payload.dump())))
    run.publish(recovery_point=PointSummary.of(run.point))
    if run.point.replication_lag is not None and not run.ctx.is_replaying:
        lag = run.point.replication_lag
        log.info("restore.replication_lag", extra={"instance_id": run.ctx.instance_id, "region": lag.region,
                                                   "lag_seconds": lag.lag.total_seconds()})
    return run.point


def _validate(run: RestoreRun, item: BackupItem, point: RecoveryPointInfo) -> waits.Steps:
    run.publish(Phase.VALIDATING)
    payload = ValidateInput(item=item, recovery_point=point, request=run.order.request)
    issues = ValidationValue.model_validate((yield from run.call(Activity.VALIDATE_RESTORE, payload.dump()))).results
    if issues:
        error = ErrorInfo(code=issues[0].code, message="; ".join(f"{i.code}: {i.message}" for i in issues),
                          recommendations=[r for i in issues for r in i.recommendations])
        raise Stop(Phase.VALIDATING, error=error, validation=issues)


def _trigger(run: RestoreRun, item: BackupItem, point: RecoveryPointInfo) -> waits.Steps:
    run.publish(Phase.TRIGGERING)
    run.triggered_at = run.now  # only a job started since this attempt may be adopted (activities/jobs.py)
    payload = TriggerInput(instance_id=run.ctx.instance_id, started_at=run.triggered_at, item=item,
                           recovery_point=point, request=run.order.request)
    # Not stopped by a cancel: once posted, the restore must be found and cancelled in Azure, not abandoned.
    trigger = TriggerValue.model_validate((yield from run.call(Activity.TRIGGER_RESTORE, payload.dump(), False)))
    if not run.ctx.is_replaying:
        log.info("restore.triggered", extra={"instance_id": run.ctx.instance_id, "reused": trigger.reused,
                                             "job_id": trigger.job_id})
    return trigger


def _finish(run: RestoreRun, job: JobInfo) -> RestoreOutcome:
    if job.status.is_success:
        lag = run.point.replication_lag if run.point else None
        return run.outcome(OutcomeStatus.SUCCEEDED, Phase.DONE, result=result_from_job(job, _target_vm_id(run), lag))
    if job.status is JobStatus.CANCELLED:
        return run.outcome(OutcomeStatus.CANCELLED, run.status.phase)
    raise Stop(run.status.phase, error=job_error(job))


def _target_vm_id(run: RestoreRun) -> str | None:
    request = run.request
    if request.mode == "replaceDisks":
        return request.vm_id or (run.item.vm_id if run.item else None)
    if request.mode == "newVm" and request.target_resource_group_id and request.target_vm_name:
        vm_type = "providers/Microsoft.Compute/virtualMachines"
        return f"{request.target_resource_group_id}/{vm_type}/{request.target_vm_name}"
    return None


def _notify(run: RestoreRun, outcome: RestoreOutcome) -> waits.Steps:
    """Tell the caller's `callbackUrl` once, best effort: a failure is logged and shown, the outcome stays."""
    url = run.request.callback_url
    if not url:
        return
    run.publish(Phase.NOTIFYING)
    payload: dict[str, Any] = {"url": url, "body": {"id": run.ctx.instance_id, **outcome.dump()}}
    result = yield from waits.call(run.ctx, Activity.NOTIFY_CALLBACK, payload, run.settings, attempts=3,
                                 throttle_counts=True)
    delivered = result.error is None
    run.note(callback_delivered=delivered)
    if not delivered and not run.ctx.is_replaying:
        log.warning("restore.callback_failed", extra={"instance_id": run.ctx.instance_id,
                                                      "code": result.error.code if result.error else None})
