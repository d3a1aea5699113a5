"""A running plan's body: each started VM with the group it belongs to and, while it runs, which VM it is."""

from __future__ import annotations

from tests.unit.triggers.fakes import T0, status
from triggers.plan_views import plan_view

PLAN = "pln-" + "b" * 32
VM = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/"


def test_a_running_plan_names_the_group_of_every_started_vm_and_the_vm_of_each_running_one() -> None:
    custom = {"phase": "running", "group": "web", "total": 4,
              "counts": {"succeeded": 1, "running": 2, "pending": 1},
              "groups": [{"name": "db", "total": 1, "counts": {"succeeded": 1}},
                         {"name": "web", "total": 3, "counts": {"running": 2, "pending": 1}}],
              "running": [{"index": 1, "restoreId": f"{PLAN}:1", "vmId": VM + "web0"},
                          {"index": 2, "restoreId": f"{PLAN}:2", "vmId": VM + "web1"}]}
    done = {"status": "succeeded", "phase": "done", "request": {"vmId": VM + "db0"}, "jobId": "job-0",
            "startedAt": "2026-03-01T08:00:00Z", "endedAt": "2026-03-01T08:20:00Z"}
    children = [status(f"{PLAN}:0", runtime="Completed", output=done),
                status(f"{PLAN}:1", custom={"phase": "waitingForJob", "jobId": "job-1", "progress": 10.0}),
                status(f"{PLAN}:2", custom={"phase": "triggering"})]
    view = plan_view(status(PLAN, custom=custom, name="restore_plan"), children, T0)
    assert [(v.index, v.group, v.vm_id, v.state) for v in view.vms] == [
        (0, "db", None, "succeeded"), (1, "web", VM + "web0", "running"), (2, "web", VM + "web1", "running")]
    assert view.vms[1].phase == "waitingForJob" and view.vms[1].progress == 10.0


def test_a_running_plan_shows_the_group_of_every_listed_vm_and_the_vm_of_each_running_restore() -> None:
    custom = {"phase": "running", "group": "web", "total": 3, "counts": {"succeeded": 2, "running": 1},
              "groups": [{"name": "db", "total": 2, "counts": {"succeeded": 2}},
                         {"name": "web", "total": 1, "counts": {"running": 1}}],
              "running": [{"index": 2, "restoreId": f"{PLAN}:2", "vmId": VM + "web0"}]}
    children = [status(f"{PLAN}:0", "Completed"), status(f"{PLAN}:1", "Completed"), status(f"{PLAN}:2", "Running")]
    view = plan_view(status(PLAN, "Running", custom=custom, name="restore_plan"), children, T0)
    assert [(vm.index, vm.group, vm.vm_id) for vm in view.vms] == [(0, "db", None), (1, "db", None),
                                                                   (2, "web", VM + "web0")]
