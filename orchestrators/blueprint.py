"""The orchestrator functions: `restore_vm` (the runbook), `wait_for_restore_job` (its job-waiting loop) and
`restore_plan` (many restores in order) and `restore_drill` (a scheduled test restore, validated and cleaned up)."""

from __future__ import annotations

import azure.durable_functions as df

from orchestrators.drill import run_drill
from orchestrators.job_wait import run_job_wait
from orchestrators.plan import run_plan
from orchestrators.restore import run_restore
from orchestrators.waits import Steps
from restore.contract import Orchestrator

bp = df.Blueprint()


@bp.orchestration_trigger(context_name="context", orchestration=Orchestrator.RESTORE_VM)  # type: ignore[untyped-decorator]
def restore_vm(context: df.DurableOrchestrationContext) -> Steps:
    """Restore a VM as the input `RestoreOrder` asks; output `RestoreOutcome`, or fail with it as JSON."""
    return (yield from run_restore(context))


@bp.orchestration_trigger(context_name="context", orchestration=Orchestrator.WAIT_FOR_RESTORE_JOB)  # type: ignore[untyped-decorator]
def wait_for_restore_job(context: df.DurableOrchestrationContext) -> Steps:
    """Poll one restore job until it ends (sub-orchestration `{parent}:job`, continue-as-new every N polls)."""
    return (yield from run_job_wait(context))


@bp.orchestration_trigger(context_name="context", orchestration=Orchestrator.RESTORE_PLAN)  # type: ignore[untyped-decorator]
def restore_plan(context: df.DurableOrchestrationContext) -> Steps:
    """Restore the VMs of the input `PlanOrder` group after group; output `PlanOutcome`."""
    return (yield from run_plan(context))


@bp.orchestration_trigger(context_name="context", orchestration=Orchestrator.RESTORE_DRILL)  # type: ignore[untyped-decorator]
def restore_drill(context: df.DurableOrchestrationContext) -> Steps:
    """Run the input `DrillOrder`: restore, validate, clean up; output `DrillReport`."""
    return (yield from run_drill(context))
