"""Following a triggered restore: the 202 operation (until it yields the job ID) and the job (sub-orchestration)."""

from __future__ import annotations

import logging

from azbackup.errors import ErrorInfo
from azbackup.models_job import OperationStatusValues
from orchestrators import waits
from orchestrators.policy import FIND_JOB_ATTEMPTS, JOB_WAIT_STOPPED, poll_delay
from orchestrators.run import RestoreRun
from orchestrators.waits import Stop
from restore.contract import Activity, ErrorSummary, Orchestrator, Phase
from restore.instance_ids import Source, job_instance_id
from restore.payloads import (
    FindJobInput,
    FindJobValue,
    JobInput,
    OperationInput,
    OperationValue,
    TriggerValue,
    WaitJobInput,
    WaitJobResult,
)
from restore.values import BackupItem, RecoveryPointInfo

log = logging.getLogger(__name__)


def wait_for_operation(run: RestoreRun, item: BackupItem, point: RecoveryPointInfo,
                       trigger: TriggerValue) -> waits.Steps:
    """Poll the operation no sooner than each Retry-After until it names the job; returns the job ID."""
    run.publish(Phase.WAITING_FOR_OPERATION, operation_status="Accepted")
    if trigger.job_id:
        return trigger.job_id
    url, retry_after = trigger.status_url or trigger.result_url, trigger.retry_after
    while url:
        run.check_deadline()
        # A cancel here is only noted: the job is cancelled in Azure once the operation names it.
        yield from run.sleep(poll_delay(retry_after, run.settings), stop_on_cancel=False)
        payload = OperationInput(url=url, cross_region=run.request.cross_region)
        op = OperationValue.model_validate((yield from run.call(Activity.GET_OPERATION_STATUS, payload.dump(), False)))
        run.publish(operation_status=op.status.value)
        if op.job_id:
            return op.job_id
        if op.is_terminal and op.status is not OperationStatusValues.SUCCEEDED:
            raise Stop(Phase.WAITING_FOR_OPERATION, error=ErrorInfo(
                code="RestoreOperationFailed", message=f"the restore operation ended {op.status.value}"))
        if op.is_terminal:
            break
        # A status poll usually names no wait; the operation's last Retry-After still holds (not the default).
        if op.retry_after is not None:
            retry_after = op.retry_after
    return (yield from _find_job(run, item, point))


def _find_job(run: RestoreRun, item: BackupItem, point: RecoveryPointInfo) -> waits.Steps:
    """The job of an operation that finished without naming it (CRR): look it up in the jobs list."""
    payload = FindJobInput(item=item, recovery_point=point, started_at=run.triggered_at or run.started_at,
                           request=run.order.request)
    for attempt in range(FIND_JOB_ATTEMPTS):
        if attempt:
            yield from run.sleep(poll_delay(None, run.settings), stop_on_cancel=False)
        found = FindJobValue.model_validate((yield from run.call(Activity.FIND_RESTORE_JOB, payload.dump(), False)))
        if found.job_id:
            return found.job_id
    raise Stop(Phase.WAITING_FOR_OPERATION, error=ErrorInfo(
        code="RestoreJobNotFound", message="the restore operation succeeded but no restore job was found"))


# The secondary region has no cancel: az CLI refuses `backup job stop --use-secondary-region` with "Secondary region
# jobs do not support cancellation as of now." (src/azure-cli/azure/cli/command_modules/backup/custom.py `stop_job`),
# and the CRR swagger has no cancel operation (RecoveryServicesBackupCrr/stable/2023-01-15/bms.json).
CRR_NOT_CANCELLED = ("the secondary region has no cancel for cross-region restore jobs: stopped waiting, but Azure "
                     "job {job_id} may still run in {region}; follow it there (az backup job show "
                     "--use-secondary-region) and delete what it creates if it is not wanted")


def _crr_not_cancelled(item: BackupItem, job_id: str) -> Stop:
    """How a cancelled cross-region restore ends: cancelled, with the note that the Azure job may still run."""
    message = CRR_NOT_CANCELLED.format(job_id=job_id, region=item.secondary_region or "the secondary region")
    return Stop(Phase.CANCELLING, error=ErrorInfo(code=JOB_WAIT_STOPPED, message=message),
                cancelled=True)


def _cancel_job(run: RestoreRun, item: BackupItem, job_id: str) -> waits.Steps:
    """Ask Azure to cancel the job; a refusal is shown in the status and the wait goes on."""
    run.publish(Phase.CANCELLING)
    payload = JobInput(item=item, job_id=job_id, cross_region=run.request.cross_region)
    result = yield from waits.call(run.ctx, Activity.CANCEL_RESTORE_JOB, payload.dump(), run.settings)
    if result.error is not None:
        run.publish(cancel_error=ErrorSummary.of(result.error))
        if not run.ctx.is_replaying:
            log.warning("restore.cancel_refused", extra={"instance_id": run.ctx.instance_id, "job_id": job_id,
                                                         "code": result.error.code})


def wait_for_job(run: RestoreRun, item: BackupItem, job_id: str) -> waits.Steps:
    """Follow the job in the `wait_for_restore_job` sub-orchestration, racing `cancel`; returns the final JobInfo."""
    run.job_id = job_id
    instance = job_instance_id(run.ctx.instance_id)
    run.publish(Phase.WAITING_FOR_JOB, job_id=job_id, job_instance_id=instance)
    crr = run.request.cross_region
    if run.cancel_requested:
        if crr:
            raise _crr_not_cancelled(item, job_id)
        yield from _cancel_job(run, item, job_id)
    # A plan's restore is told by the plan's vault poll when its job ends (orchestrators/plan_poll.py).
    payload = WaitJobInput(item=item, job_id=job_id, cross_region=run.request.cross_region, settings=run.settings,
                           deadline=run.deadline, shared=run.order.source is Source.PLAN)
    sub = run.ctx.call_sub_orchestrator(Orchestrator.WAIT_FOR_RESTORE_JOB, payload.dump(), instance,
                                        expected_type=dict)
    if not run.cancel_requested:
        cancel = run.cancel.fresh_wait()
        if (yield run.ctx.task_any([sub, cancel])) is cancel:
            if crr:
                # No cancel in the secondary region: the front door sent `cancel` to the job wait too, which stops
                # polling; the run ends once it has (an open sub-orchestration keeps an orchestration running).
                run.publish(Phase.CANCELLING)
            else:
                yield from _cancel_job(run, item, job_id)  # scheduled in the episode the cancel arrives in
    try:
        result = WaitJobResult.model_validate((yield sub))
    except Exception as exc:  # the sub-orchestration itself crashed (a bug); its message is all we get
        raise Stop(run.status.phase, error=ErrorInfo(code="JobWaitFailed", message=str(exc)[:500])) from None
    stopped = result.error is not None and result.error.code == JOB_WAIT_STOPPED
    if crr and (run.cancel_requested or stopped):  # the job wait may see the cancel before this run does
        raise _crr_not_cancelled(item, job_id)
    if result.error is not None or result.value is None:
        raise Stop(run.status.phase, error=result.error or ErrorInfo(code="JobWaitFailed", message="no job"))
    run.publish(progress=result.value.progress)
    return result.value
