"""`restore_plan`: restore many VMs in order. Find every VM, check every request, then run the groups one by one.

Every restore is a `restore_vm` sub-orchestration `{plan}:{n}` (n = the VM's number in plan order), so a plan's
restores are the single-restore runbook, never a copy of it. Nothing is triggered before every VM of the plan is
resolved and its request is valid; a group starts only once every restore of the group before it has ended.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import azure.durable_functions as df
from pydantic import ValidationError

from azbackup.errors import ErrorInfo
from azbackup.ids import fold
from orchestrators import plan_poll, waits
from orchestrators.outcome import plan_finished_event
from orchestrators.plan_approval import approved, await_plan_approval, pin_points
from orchestrators.plan_run import PlanRun
from orchestrators.plan_throttle import READS_PER_RESOLVE, READS_PER_RESTORE, ReadBudget, subscription_of
from orchestrators.policy import is_throttled, timer_seconds
from orchestrators.waits import Stop
from restore import events
from restore.contract import Activity, Orchestrator, RestoreOrder
from restore.errors import NotProtectedError
from restore.instance_ids import Source
from restore.payloads import PlanVmsInput, PlanVmsValue, ResolveItemInput, RestoreSettings
from restore.plan import MAX_PLAN_VMS, OnFailure
from restore.plan_entries import PlanEntry, explicit_entries, merged_request, vm_request
from restore.plan_status import PlanOrder, PlanPhase, PlanProblem, PlanStatus, VmState
from restore.values import ActivityResult, BackupItem

log = logging.getLogger(__name__)
RESOLVE_BATCH = 50  # VMs resolved at once (activities in flight) before anything starts
# Restores one execution starts before it drains and continues as new, so a plan's history stays bounded (about
# 4 events per restore plus the episodes) however many VMs it has.
RESTORES_PER_EXECUTION = 100
CONTINUED = object()
SELECTED_FROM_GROUPS = "resourceGroupIds"  # the field a VM found by a resource group selector is reported under


def run_plan(ctx: df.DurableOrchestrationContext) -> waits.Steps:
    """The whole plan; always completes with `PlanOutcome` (its `status` says how the plan ended)."""
    try:
        run = PlanRun(ctx, PlanOrder.model_validate(ctx.get_input(expected_type=dict)))
    except ValidationError as exc:  # a front door bug: end with the reason
        now = ctx.current_utc_datetime
        error = ErrorInfo(code="InvalidPlanOrder", message=str(exc)[:1000])
        return {"status": PlanStatus.FAILED.value, "error": error.dump(), "startedAt": now.isoformat(),
                "endedAt": now.isoformat()}
    run.publish()
    try:
        if (yield from _story(run)) is CONTINUED:
            return None
    except Stop as stop:
        run.error = stop.error
    for entry in run.entries:
        if not run.vms[entry.index].state.is_terminal:
            run.mark(entry, VmState.SKIPPED)
    run.group = None
    run.publish(PlanPhase.DONE)
    outcome = run.outcome()
    if not ctx.is_replaying:
        events.emit(log, plan_finished_event(ctx.instance_id, run.plan, outcome))
    return outcome.dump()


def _story(run: PlanRun) -> waits.Steps:
    """The plan, or the rest of it after a continue-as-new; returns `CONTINUED` when it continued as new."""
    if run.order.carry is None:
        settings = yield from _call(run, Activity.GET_RESTORE_SETTINGS, {})
        run.settings = RestoreSettings.model_validate(settings)
        run.reads = ReadBudget(per_minute=run.settings.plan_arm_reads_per_minute)
        run.add_entries((yield from _expand(run)))
        run.publish()
        items = yield from _resolve(run)
        run.regions = _regions(run, items)
        run.vaults = {index: item.vault_id for index, item in items.items()}
    _build_requests(run)
    if run.plan.dry_run or run.checking:  # a dry run, or the pre-flight of a plan that waits for approval
        run.publish(PlanPhase.DRY_RUN if run.plan.dry_run else PlanPhase.CHECKING)
        yield from _wave(run, _pending(run, run.entries), run.plan.max_parallel)
        if _pending(run, run.entries) and not _stopped(run):
            return _continue(run, 0)
        if run.plan.dry_run or _stopped(run):
            return None
        yield from _approve(run)
        if run.cancelled:
            return None
    for g in range(run.next_group, len(run.groups)):
        if _stopped(run):
            return None
        group = run.groups[g]
        run.group = group.name
        run.publish(PlanPhase.RUNNING)
        entries = [e for e in run.entries if e.group == g]
        yield from _wave(run, _pending(run, entries), group.max_parallel or run.plan.max_parallel)
        if _pending(run, entries) and not _stopped(run):
            return _continue(run, g)  # the budget of this execution is spent; the group goes on in the next one
        failed = any(run.vms[e.index].state is VmState.FAILED for e in entries)
        if failed and run.plan.on_failure is not OnFailure.CONTINUE:
            return None
        if run.started_here >= RESTORES_PER_EXECUTION and g + 1 < len(run.groups):
            return _continue(run, g + 1)
    return None


def _approve(run: PlanRun) -> waits.Steps:
    """Every VM checked: wait for the plan's approval (a failed check ends the plan first, nothing triggered)."""
    failed = [run.vms[e.index] for e in run.entries if run.vms[e.index].state is VmState.FAILED]
    if failed:
        shown = "; ".join(f"{vm.vm_id}: {vm.error.code if vm.error else 'failed'}" for vm in failed[:10])
        raise Stop(error=ErrorInfo(code="PlanCheckFailed", message=f"{len(failed)} of {len(run.entries)} VMs "
                                   f"failed the pre-flight check, nothing was started: {shown}"[:1000]))
    yield from await_plan_approval(run)
    if not run.cancelled:
        approved(run)


def _pending(run: PlanRun, entries: list[PlanEntry]) -> list[PlanEntry]:
    return [e for e in entries if run.vms[e.index].state is VmState.PENDING]


def _stopped(run: PlanRun) -> bool:
    return run.cancelled or run.stop_starting


def _continue(run: PlanRun, group: int) -> object:
    """Continue as new with what this execution did (its last action: later ones would be dropped)."""
    order = run.order.model_copy(update={"carry": run.carry(group)})
    if not run.ctx.is_replaying:
        log.info("plan.continued", extra={"instance_id": run.ctx.instance_id, "executions": run.executions})
    run.publish()
    run.ctx.continue_as_new(order.dump())
    return CONTINUED


def _call(run: PlanRun, name: Activity, payload: dict[str, Any]) -> waits.Steps:
    result = yield from waits.call(run.ctx, name, payload, run.settings, run.cancel)
    if result.error is not None:
        raise Stop(error=result.error)
    return result.value or {}


def _invalid(run: PlanRun) -> Stop:
    details = "; ".join(f"{p.field}: {p.reason}" for p in run.problems[:20])
    return Stop(error=ErrorInfo(code="PlanInvalid", message=f"nothing was started: {details}"[:1000]))


def _cross_region(run: PlanRun, g: int) -> bool:
    group = run.groups[g]
    for level in (group, run.plan):
        if "cross_region" in level.model_fields_set:
            return bool(getattr(level, "cross_region", False))
    return False


def _expand(run: PlanRun) -> waits.Steps:
    """Every VM of the plan in order: the listed ones, and each selector's (listed now)."""
    named = explicit_entries(run.plan)
    entries: list[PlanEntry] = []
    seen: dict[str, str] = {}
    for g, group in enumerate(run.groups):
        if group.selector is None:
            found = [e for e in named if e.group == g]
        else:
            selector = group.selector
            payload = PlanVmsInput(vault_id=selector.vault_id, resource_group_ids=selector.resource_group_ids or [],
                                   tags=selector.tags, cross_region=_cross_region(run, g))
            listed = PlanVmsValue.model_validate((yield from _call(run, Activity.LIST_PLAN_VMS, payload.dump())))
            field = "vaultId" if selector.vault_id else SELECTED_FROM_GROUPS
            loc = (*run.plan.group_loc(g), "selector", field) if run.plan.groups else (field,)
            run.problems += [PlanProblem(field=_path(loc), reason=f"{rid} is outside RESTORE_ALLOWED_SCOPES")
                             for rid in listed.outside_scopes]
            found = [PlanEntry(index=0, group=g, source_id=vm.protected_item_id or vm.vm_id or "", loc=loc)
                     for vm in listed.vms]
        for entry in found:
            key = fold(entry.source_id)
            if key in seen:
                run.problems.append(PlanProblem(field=_path(entry.loc), reason=f"{entry.source_id} is also in "
                                                f"{seen[key]}"))
                continue
            seen[key] = _path(entry.loc)
            entries.append(entry.model_copy(update={"index": len(entries)}))
    if len(entries) > MAX_PLAN_VMS:
        run.problems.append(PlanProblem(field="groups", reason=f"{len(entries)} VMs; at most {MAX_PLAN_VMS}"))
    if run.problems:
        raise _invalid(run)
    return entries


def _path(loc: tuple[int | str, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(loc))


def _resolve(run: PlanRun) -> waits.Steps:
    """The backup item of every VM, `RESOLVE_BATCH` at a time, racing `cancel`; any failure stops the plan here."""
    items: dict[int, BackupItem] = {}
    for start in range(0, len(run.entries), RESOLVE_BATCH):
        batch = run.entries[start:start + RESOLVE_BATCH]
        reads: dict[str, int] = {}
        for entry in batch:
            sub = subscription_of(entry.source_id)
            reads[sub] = reads.get(sub, 0) + READS_PER_RESOLVE
        for sub, count in reads.items():
            yield from _hold(run, sub, count)
        payloads = [_resolve_input(run, e) for e in batch]
        tasks = [run.ctx.call_activity(Activity.RESOLVE_BACKUP_ITEM, p, expected_type=dict) for p in payloads]
        raw = yield from waits.race(run.ctx, run.ctx.task_all(tasks), run.cancel)
        for entry, payload, value in zip(batch, payloads, raw, strict=True):
            result = ActivityResult.model_validate(value)
            if result.error is not None and result.error.transient:  # retried on durable timers, one by one
                sub = subscription_of(entry.source_id)
                if is_throttled(result.error) and result.error.retry_after:
                    run.reads.block(sub, result.error.retry_after, run.now)
                yield from _hold(run, sub, READS_PER_RESOLVE)
                result = yield from waits.call(run.ctx, Activity.RESOLVE_BACKUP_ITEM, payload, run.settings,
                                               run.cancel)
            if result.error is not None and _is_unprotected_pick(entry, result.error):
                # A resource group selector picks the protected VMs: the others are shown, never restored (a dry
                # run reports them as failing).
                run.mark(entry, VmState.FAILED if run.plan.dry_run else VmState.SKIPPED, error=result.error)
            elif result.error is not None:
                run.problems.append(PlanProblem(field=_path(entry.loc),
                                                reason=f"{result.error.code}: {result.error.message}"))
            else:
                items[entry.index] = item = BackupItem.model_validate(result.value)
                run.mark(entry, VmState.PENDING, vm_id=item.vm_id or entry.source_id)
    if run.problems:
        raise _invalid(run)
    return items


def _is_unprotected_pick(entry: PlanEntry, error: ErrorInfo) -> bool:
    return entry.loc[-1:] == (SELECTED_FROM_GROUPS,) and error.code == NotProtectedError.default_code


def _hold(run: PlanRun, subscription: str, reads: int) -> waits.Steps:
    """Wait (racing `cancel`) until `subscription` has `reads` in its budget and no `Retry-After` block; take them."""
    while (seconds := run.reads.wait_seconds(subscription, reads, run.now)) > 0:
        yield from waits.sleep(run.ctx, seconds, run.cancel)
    run.reads.take(subscription, reads, run.now)


def _subscription(run: PlanRun, entry: PlanEntry) -> str:
    """The subscription a restore of `entry` reads (its vault's), for the read budget."""
    return subscription_of(run.vaults.get(entry.index) or entry.source_id)


def _resolve_input(run: PlanRun, entry: PlanEntry) -> dict[str, Any]:
    cross = _cross_region(run, entry.group) if "crossRegion" not in entry.overrides \
        else bool(entry.overrides["crossRegion"])
    if entry.is_item:
        return ResolveItemInput(protected_item_id=entry.source_id, cross_region=cross).dump()
    return ResolveItemInput(vm_id=entry.source_id, cross_region=cross).dump()


def _regions(run: PlanRun, items: dict[int, BackupItem]) -> dict[int, str]:
    """The restore region of every VM: the vault's, or its paired region for a cross-region restore."""
    regions: dict[int, str] = {}
    for entry in run.entries:
        item = items.get(entry.index)
        if item is None:  # not restored (an unprotected VM a selector found)
            continue
        body, _ = merged_request(run.plan, entry, None)
        regions[entry.index] = (item.secondary_region if body.get("crossRegion")
                                else (item.vault_region or item.vm_region)) or ""
    return regions


def _build_requests(run: PlanRun) -> None:
    """Each VM's restore request, with the staging account of its restore region; any problem stops the plan."""
    for entry in run.entries:
        state = run.vms[entry.index].state
        if state.is_terminal and state is not VmState.VALIDATED:  # settled before any restore (an unprotected VM a
            continue  # selector found, or one restored by an earlier execution); a checked VM is restored next
        request, problems = vm_request(run.plan, entry, run.regions.get(entry.index, ""))
        run.problems += [PlanProblem(field=_path(loc), reason=reason) for loc, reason in problems]
        if request is not None:
            run.requests[entry.index] = request
    if run.problems:
        raise _invalid(run)
    pin_points(run)  # a plan approved in an earlier execution


def _start(run: PlanRun, entry: PlanEntry) -> Any:
    order = RestoreOrder(request=run.requests[entry.index], requested_at=run.now, source=Source.PLAN,
                         dry_run=run.plan.dry_run or run.checking)
    run.started(entry)
    run.started_here += 1
    return run.ctx.call_sub_orchestrator(Orchestrator.RESTORE_VM, order.dump(), run.restore_id(entry))


def _wave(run: PlanRun, entries: list[PlanEntry], max_parallel: int) -> waits.Steps:
    """Run `entries` as `restore_vm` sub-orchestrations, at most `max_parallel` at once; True if one failed.

    A cancel (or a failure under `onFailure: stop`) starts no more; the running restores are waited for (the
    cancel endpoint hands the cancel to each of them, so their Azure jobs are cancelled).

    The extension awaits an episode's actions one after another and the SDK leaves already-scheduled tasks out of
    a later `task_any` (see `orchestrators/waits.py`, `CancelWatch`): the newest race's new tasks gate every later
    action, and a task scheduled in an earlier race (a timer kept from one race to the next) does not end the newest
    one. So while restores run, every race gets a fresh timer for the next vault poll (at the poll's planned time,
    so polls keep their pace) and for a start held back by the read budget, and a fresh wait for `cancel`; the race
    then ends at the next poll at the latest (a restore ending meanwhile is taken in then, at most one
    `JOB_POLL_INTERVAL_SECONDS` later). A race without a timer (a dry run) gets a fresh cancel wait only when it also
    starts restores, else it reuses the newest wait: a race whose only new task is a wait for `cancel` would hold
    back every later action (the next group's starts) until a cancel came.
    """
    pending = list(entries)
    running: list[tuple[Any, PlanEntry]] = []
    failed = False
    interval = timedelta(seconds=timer_seconds(run.settings.job_poll_interval))
    next_poll: datetime | None = None  # the next vault poll (plan_poll.py)
    hold_until: datetime | None = None  # no start before (the subscription's read budget, plan_throttle.py)
    while True:
        started = 0
        if hold_until is not None and run.now >= hold_until:
            hold_until = None
        while hold_until is None and pending and len(running) < max_parallel and not _stopped(run) \
                and run.started_here < RESTORES_PER_EXECUTION:
            sub = _subscription(run, pending[0])
            if (seconds := run.reads.wait_seconds(sub, READS_PER_RESTORE, run.now)) > 0:
                hold_until = run.now + timedelta(seconds=timer_seconds(seconds))
                break
            run.reads.take(sub, READS_PER_RESTORE, run.now)
            entry = pending.pop(0)
            running.append((_start(run, entry), entry))
            started += 1
        if hold_until is not None and (_stopped(run) or not pending):
            hold_until = None
        if not running and hold_until is None:
            return failed
        run.publish(PlanPhase.CANCELLING if run.cancelled else None)
        polling = not run.plan.dry_run and bool(running)
        next_poll = (next_poll or run.now + interval) if polling else None
        timers = [run.ctx.create_timer(at) for at in (next_poll, hold_until) if at is not None]
        race = [task for task, _ in running]
        if not run.cancelled:
            fresh = started or timers or run.cancel.latest is None
            race.append(run.cancel.fresh_wait() if fresh else run.cancel.latest)
        yield run.ctx.task_any(race + timers)
        for timer in timers:
            if not timer.is_completed:
                timer.cancel()
        if next_poll is not None and run.now >= next_poll:
            yield from plan_poll.poll_vaults(run, [entry for task, entry in running if not task.is_completed])
            next_poll = run.now + interval
        if run.cancelled and not any(task.is_completed for task, _ in running):
            if not run.ctx.is_replaying:
                log.info("plan.cancel", extra={"instance_id": run.ctx.instance_id})
            continue
        still: list[tuple[Any, PlanEntry]] = []
        for task, entry in running:
            if not task.is_completed:
                still.append((task, entry))
                continue
            if run.finished(entry, task) is VmState.FAILED:
                failed = True
                run.stop_starting = run.stop_starting or run.plan.on_failure is OnFailure.STOP
        running = still
