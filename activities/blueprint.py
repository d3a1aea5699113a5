"""The activity functions: dict in, one ARM step, `{value, error}` out (ARM errors are data, never raised)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import azure.durable_functions as df
from pydantic import BaseModel

from activities import drills, plans, steps, vault_poll
from activities.callback import post_callback
from activities.client import backup_client
from activities.events import publish_event as post_event
from activities.resolve import resolve_item
from azbackup.errors import BackupError, OperationFailedError
from azbackup.models_common import Wire
from restore.contract import Activity
from restore.drill_payloads import DeleteInput, DrillPointsInput, GroupVmsInput, InspectInput
from restore.errors import InvalidSettingError
from restore.payloads import (
    CancelValue,
    FindJobInput,
    GroupTagsInput,
    GroupTagsValue,
    JobInput,
    NotifyInput,
    OperationInput,
    OperationValue,
    PlanVmsInput,
    PublishEventInput,
    ResolveItemInput,
    RestoreSettings,
    SelectPointInput,
    TriggerInput,
    ValidateInput,
    VaultPollInput,
)
from restore.settings import get_settings
from restore.values import ActivityResult

log = logging.getLogger(__name__)
bp = df.Blueprint()
InputT = TypeVar("InputT", bound=BaseModel)


def run(name: Activity, model: type[InputT], payload: dict[str, Any], step: Callable[[InputT], Wire]) -> dict[str, Any]:
    """Validate `payload`, run `step`, and return its value, or the `BackupError` it raised as `error` data."""
    inp = model.model_validate(payload)
    try:
        return ActivityResult.ok(step(inp))
    except BackupError as exc:
        info = exc.to_info()
        log.warning("activity.failed", extra={"activity": name.value, "code": info.code, "status": info.status,
                                              "transient": info.transient, "x-ms-request-id": info.request_id})
        return ActivityResult.fail(info)


@bp.activity_trigger(input_name="payload", activity=Activity.GET_RESTORE_SETTINGS)
def get_restore_settings(payload: Any) -> dict[str, Any]:
    """The settings the orchestrations need (read here so that replays see the same values)."""
    try:
        s = get_settings()
    except InvalidSettingError as exc:  # the restore fails naming the setting, as data like every ARM error
        log.warning("activity.failed", extra={"activity": Activity.GET_RESTORE_SETTINGS.value, "code": exc.code})
        return ActivityResult.fail(exc.to_info())
    return ActivityResult.ok(RestoreSettings(
        retry_after_default=s.retry_after_default_seconds, retry_after_max=s.retry_after_max_seconds,
        job_poll_interval=s.job_poll_interval_seconds, job_poll_mode=s.job_poll_mode,
        job_poll_max_interval=s.job_poll_max_interval_seconds, plan_arm_reads_per_minute=s.plan_arm_reads_per_minute,
        restore_timeout_hours=s.restore_timeout_hours,
        validate_before_restore=s.validate_before_restore, allowed_scopes=list(s.restore_allowed_scopes),
        events_enabled=bool(s.event_grid_topic_endpoint), delete_tags=s.restore_on_delete_tags))


@bp.activity_trigger(input_name="payload", activity=Activity.RESOLVE_BACKUP_ITEM)
def resolve_backup_item(payload: dict[str, Any]) -> dict[str, Any]:
    return run(Activity.RESOLVE_BACKUP_ITEM, ResolveItemInput, payload,
               lambda i: resolve_item(backup_client(), i))


@bp.activity_trigger(input_name="payload", activity=Activity.SELECT_RECOVERY_POINT)
def select_recovery_point(payload: dict[str, Any]) -> dict[str, Any]:
    return run(Activity.SELECT_RECOVERY_POINT, SelectPointInput, payload,
               lambda i: steps.select_point(backup_client(), i))


@bp.activity_trigger(input_name="payload", activity=Activity.VALIDATE_RESTORE)
def validate_restore(payload: dict[str, Any]) -> dict[str, Any]:
    return run(Activity.VALIDATE_RESTORE, ValidateInput, payload, lambda i: steps.validate(backup_client(), i))


@bp.activity_trigger(input_name="payload", activity=Activity.TRIGGER_RESTORE)
def trigger_restore(payload: dict[str, Any]) -> dict[str, Any]:
    return run(Activity.TRIGGER_RESTORE, TriggerInput, payload, lambda i: steps.trigger(backup_client(), i))


def _operation(inp: OperationInput) -> Wire:
    state = backup_client().get_operation(inp.url)
    if state.error is not None:
        raise OperationFailedError(state.error.code, state.error.message, status=state.status.value)
    return OperationValue(status=state.status, job_id=state.job_id, retry_after=state.retry_after)


@bp.activity_trigger(input_name="payload", activity=Activity.GET_OPERATION_STATUS)
def get_operation_status(payload: dict[str, Any]) -> dict[str, Any]:
    return run(Activity.GET_OPERATION_STATUS, OperationInput, payload, _operation)


@bp.activity_trigger(input_name="payload", activity=Activity.FIND_RESTORE_JOB)
def find_restore_job(payload: dict[str, Any]) -> dict[str, Any]:
    return run(Activity.FIND_RESTORE_JOB, FindJobInput, payload, lambda i: steps.find_job(backup_client(), i))


@bp.activity_trigger(input_name="payload", activity=Activity.GET_RESTORE_JOB)
def get_restore_job(payload: dict[str, Any]) -> dict[str, Any]:
    return run(Activity.GET_RESTORE_JOB, JobInput, payload, lambda i: steps.get_job(backup_client(), i))


@bp.activity_trigger(input_name="payload", activity=Activity.CANCEL_RESTORE_JOB)
def cancel_restore_job(payload: dict[str, Any]) -> dict[str, Any]:
    def cancel(inp: JobInput) -> Wire:
        backup_client().cancel_job(inp.item.vault_id, inp.job_id)
        return CancelValue(accepted=True)

    return run(Activity.CANCEL_RESTORE_JOB, JobInput, payload, cancel)


@bp.activity_trigger(input_name="payload", activity=Activity.NOTIFY_CALLBACK)
def notify_callback(payload: dict[str, Any]) -> dict[str, Any]:
    return run(Activity.NOTIFY_CALLBACK, NotifyInput, payload, lambda i: post_callback(i, get_settings()))


@bp.activity_trigger(input_name="payload", activity=Activity.GET_RESOURCE_GROUP_TAGS)
def get_resource_group_tags(payload: dict[str, Any]) -> dict[str, Any]:
    """The tags of a (deleted) VM's resource group, for `RESTORE_ON_DELETE_TAGS`."""
    return run(Activity.GET_RESOURCE_GROUP_TAGS, GroupTagsInput, payload,
               lambda i: GroupTagsValue(tags=backup_client().get_resource_group_tags(i.vm_id)))


@bp.activity_trigger(input_name="payload", activity=Activity.PUBLISH_EVENT)
def publish_event(payload: dict[str, Any]) -> dict[str, Any]:
    """One CloudEvent to `EVENT_GRID_TOPIC_ENDPOINT` (activities/events.py): an approval pending, a drill failed."""
    return run(Activity.PUBLISH_EVENT, PublishEventInput, payload, lambda i: post_event(i, get_settings()))


@bp.activity_trigger(input_name="payload", activity=Activity.LIST_PLAN_VMS)
def list_plan_vms(payload: dict[str, Any]) -> dict[str, Any]:
    return run(Activity.LIST_PLAN_VMS, PlanVmsInput, payload, lambda i: plans.list_plan_vms(backup_client(), i))


@bp.activity_trigger(input_name="payload", activity=Activity.LIST_DRILL_POINTS)
def list_drill_points(payload: dict[str, Any]) -> dict[str, Any]:
    return run(Activity.LIST_DRILL_POINTS, DrillPointsInput, payload, lambda i: drills.list_points(backup_client(), i))


@bp.activity_trigger(input_name="payload", activity=Activity.LIST_DRILL_VMS)
def list_drill_vms(payload: dict[str, Any]) -> dict[str, Any]:
    return run(Activity.LIST_DRILL_VMS, GroupVmsInput, payload, lambda i: drills.list_group_vms(backup_client(), i))


@bp.activity_trigger(input_name="payload", activity=Activity.INSPECT_DRILL_RESTORE)
def inspect_drill_restore(payload: dict[str, Any]) -> dict[str, Any]:
    return run(Activity.INSPECT_DRILL_RESTORE, InspectInput, payload, lambda i: drills.inspect(backup_client(), i))


@bp.activity_trigger(input_name="payload", activity=Activity.DELETE_DRILL_RESOURCE)
def delete_drill_resource(payload: dict[str, Any]) -> dict[str, Any]:
    """Delete one resource a drill created; refuses (as data) anything outside the drill's target group."""
    return run(Activity.DELETE_DRILL_RESOURCE, DeleteInput, payload, lambda i: drills.delete(backup_client(), i))


@bp.activity_trigger(input_name="payload", activity=Activity.POLL_VAULT_JOBS)
@bp.durable_client_input(client_name="client")
async def poll_vault_jobs(payload: dict[str, Any], client: df.DurableOrchestrationClient) -> dict[str, Any]:
    """One jobs-list read for the plan's restores in one vault; `jobEnded` to each whose job ended."""
    inp = VaultPollInput.model_validate(payload)
    try:
        return ActivityResult.ok(await vault_poll.poll_vault(client, backup_client(), inp))
    except BackupError as exc:
        info = exc.to_info()
        log.warning("activity.failed", extra={"activity": Activity.POLL_VAULT_JOBS.value, "code": info.code,
                                              "status": info.status, "transient": info.transient,
                                              "x-ms-request-id": info.request_id})
        return ActivityResult.fail(info)
