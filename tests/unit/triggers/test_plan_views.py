"""A running plan's public body names each VM's group (plan order) and the VMs the plan runs now."""

from __future__ import annotations

from tests.unit.triggers.fakes import IDS, T0, status
from triggers.plan_views import plan_view

PLAN = "pln-" + "b" * 32
VM = IDS["VM_ID"].rsplit("/", 1)[0] + "/"


def test_a_running_plan_shows_the_group_of_every_listed_vm_and_the_vm_of_each_running_restore() -> None:
    custom = {"phase": "running", "group": "web", "total": 3, "counts": {"succeeded": 2, "running": 1},
              "groups": [{"name": "db", "total": 2, "counts": {"succeeded": 2}},
                         {"name": "web", "total": 1, "counts": {"running": 1}}],
              "running": [{"index": 2, "restoreId": f"{PLAN}:2", "vmId": VM + "web0"}]}
    children = [status(f"{PLAN}:0", "Completed"), status(f"{PLAN}:1", "Completed"), status(f"{PLAN}:2", "Running")]
    view = plan_view(status(PLAN, "Running", custom=custom, name="restore_plan"), children, T0)
    assert [(vm.index, vm.group, vm.vm_id) for vm in view.vms] == [(0, "db", None), (1, "db", None),
                                                                   (2, "web", VM + "web0")]
