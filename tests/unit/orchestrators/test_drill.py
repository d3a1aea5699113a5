"""`restore_drill` through the real SDK replay: what it asks `restore_vm` for, and that its cleanup deletes only
what the jobs reported inside the drill's target group, whatever the jobs claim."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.unit.orchestrators.fakes import ITEM, POINT, SETTINGS, SUB, err, ok
from tests.unit.orchestrators.replay import ACTIVITY, TIMER, Replay
from tests.unit.orchestrators.replay import SUB as SUB_KIND

GROUP = f"/subscriptions/{SUB}/resourceGroups/rg-drill"
VNET = f"{GROUP}/providers/Microsoft.Network/virtualNetworks/vnet-drill"
STAGING = f"{GROUP}/providers/Microsoft.Storage/storageAccounts/stagingdrill"
SOURCE = f"/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1"
SOURCE_DISK = f"/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.Compute/disks/vm1_OsDisk_1"
NEAR_MISS = f"/subscriptions/{SUB}/resourceGroups/rg-drill2/providers/Microsoft.Compute/disks/looks-close"
RUN_ID = "drill-weekly-20260302T0300Z"
START = datetime(2026, 3, 2, 3, 1, tzinfo=UTC)


def _order(**restore: Any) -> dict[str, Any]:
    drill = {"name": "weekly", "schedule": "0 3 * * 1", "vms": {"ids": [SOURCE]}, "retentionHours": 1,
             "restore": {"mode": "newVm", "targetResourceGroupId": GROUP, "storageAccountId": STAGING,
                         "targetVnetId": VNET, "targetSubnetId": f"{VNET}/subnets/default", **restore}}
    return {"drill": drill, "startedBy": "schedule", "scheduledFor": "2026-03-02T03:00:00Z",
            "requestedAt": "2026-03-02T03:01:00Z"}


def _outcome(request: dict[str, Any], created: list[str], config: str | None) -> dict[str, Any]:
    vm = f"{GROUP}/providers/Microsoft.Compute/virtualMachines/{request['targetVmName']}"
    return {"status": "succeeded", "phase": "done", "request": request, "jobId": "job-1", "recoveryPoint": POINT,
            "result": {"jobId": "job-1", "vmId": vm, "disks": created, "configBlobUri": config,
                       "restoredItems": []},
            "startedAt": "2026-03-02T03:01:00Z", "endedAt": "2026-03-02T03:41:00Z"}


def _handlers(deleted: list[str], replay: Replay | None = None, times: list[Any] | None = None,
              **overrides: Any) -> dict[str, Any]:
    def delete(payload: dict[str, Any]) -> dict[str, Any]:
        deleted.append(payload["resourceId"])
        if replay is not None and times is not None:
            times.append(replay.now)
        return ok({"result": "deleted"})

    facts = {"sourceDisks": [{"sizeGb": 128, "sku": "Premium_LRS"}],
             "restoredDisks": {f"{GROUP}/providers/Microsoft.Compute/disks/os-1": {"sizeGb": 128,
                                                                                   "sku": "Premium_LRS"}},
             "vm": {"provisioningState": "Succeeded", "powerState": "running",
                    "nicIds": [f"{GROUP}/providers/Microsoft.Network/networkInterfaces/nic-1"]}, "vmExpected": True}
    return {"get_restore_settings": lambda _: ok(SETTINGS), "resolve_backup_item": lambda _: ok(ITEM),
            "list_drill_points": lambda _: ok({"points": [POINT]}),
            "inspect_drill_restore": lambda _: ok(facts), "delete_drill_resource": delete,
            "notify_callback": lambda _: ok({"status": 202}),
            "publish_event": lambda _: ok({"published": True, "status": 200}), **overrides}


def _run(order: dict[str, Any], created: list[str], config: str | None, verdict_after: float | None = None,
         times: list[Any] | None = None, **overrides: Any) -> tuple[Replay, list[str], list[Any]]:
    """Drive the run; a verdict (if asked) is posted `verdict_after` seconds into the custom validation."""
    replay = Replay("restore_drill", order, instance_id=RUN_ID, now=START).start()
    deleted: list[str] = []
    children: list[Any] = []
    handlers = _handlers(deleted, replay, times, **overrides)
    for _ in range(500):
        if replay.is_done:
            return replay, deleted, children
        if verdict_after is not None and replay.waiters and not replay.waiters[-1].received:
            replay.advance(verdict_after)
            replay.raise_event("drill_validation", {"status": "passed", "message": "app answers"})
            continue
        activities, subs, timers = replay.pending(ACTIVITY), replay.pending(SUB_KIND), replay.pending(TIMER)
        if activities:
            replay.complete(activities[0], handlers[activities[0].name](activities[0].input))
        elif subs:
            children.append(subs[0])
            replay.complete(subs[0], _outcome(subs[0].input["request"], created, config))
        elif timers:
            replay.now = max(replay.now, timers[0].fire_at or replay.now)
            replay.fire(timers[0])
        else:
            raise AssertionError(f"waits for nothing: {replay.pending()}")
    raise AssertionError("the drill did not finish")


def test_the_restore_asked_for_is_a_new_vm_in_the_drill_group_never_replace_disks() -> None:
    good = f"{GROUP}/providers/Microsoft.Compute/disks/os-1"
    replay, _, children = _run(_order(), [good], None)
    [child] = children
    assert child.instance_id == f"{RUN_ID}:0"
    request = child.input["request"]
    assert request["mode"] == "newVm" and request["targetResourceGroupId"] == GROUP
    assert request["recoveryPointId"] == POINT["id"] and request["targetVmName"].startswith("vm1-drill-")
    assert child.input["source"] == "drill"
    assert replay.output["status"] == "passed"


def test_cleanup_refuses_what_lies_outside_the_target_group_even_when_the_job_reports_it() -> None:
    good = f"{GROUP}/providers/Microsoft.Compute/disks/os-1"
    foreign_blob = "https://otheraccount.blob.core.windows.net/vm1-job/config-vm1.json"
    replay, deleted, children = _run(_order(), [good, SOURCE_DISK, NEAR_MISS], foreign_blob)
    report = replay.output
    vm_id = f"{GROUP}/providers/Microsoft.Compute/virtualMachines/{children[0].input['request']['targetVmName']}"
    nic = f"{GROUP}/providers/Microsoft.Network/networkInterfaces/nic-1"
    assert deleted == [vm_id, nic, good]  # the VM first (its NIC and disks can only go once it is gone)
    refused = {r["id"] for r in report["cleanup"]["refused"]}
    assert refused == {SOURCE_DISK, NEAR_MISS, foreign_blob}
    assert report["cleanup"]["status"] == "failed" and report["status"] == "failed"
    assert all("outside the drill's target resource group" in r["reason"] for r in report["cleanup"]["refused"])


def test_what_was_restored_is_kept_retention_hours_from_the_restores_end_or_until_a_later_verdict() -> None:
    good = f"{GROUP}/providers/Microsoft.Compute/disks/os-1"
    times: list[Any] = []
    _run(_order(), [good], None, times=times)
    # The harness answers the restores at the run's start: cleanup comes `retentionHours` (1 h) after it.
    assert times[0] - START == timedelta(hours=1)
    order = _order()
    order["drill"]["validation"] = {"validationUrl": "https://checks.contoso.com/drill", "validationTimeoutHours": 3}
    times_custom: list[Any] = []
    replay, _, _ = _run(order, [good], None, verdict_after=2 * 3600, times=times_custom)
    assert replay.output["customValidation"] == {"status": "passed", "reasons": ["app answers"]}
    # The verdict came 2 h after the restores, later than the 1 h retention: cleanup follows the verdict at once.
    assert times_custom[0] - START == timedelta(hours=2)


def _publisher(answers: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], Any]:
    """A `publish_event` that records each payload and answers from `answers` (then `published`)."""
    sent: list[dict[str, Any]] = []

    def publish(payload: dict[str, Any]) -> dict[str, Any]:
        sent.append(payload)
        return answers.pop(0) if answers else ok({"published": True, "status": 200})
    return sent, publish


EVENTS_ON = {"get_restore_settings": lambda _: ok({**SETTINGS, "eventsEnabled": True})}


def test_a_failed_run_publishes_one_drill_failed_event_with_its_report_through_publish_event() -> None:
    good = f"{GROUP}/providers/Microsoft.Compute/disks/os-1"
    sent, publish = _publisher([])
    replay, _, _ = _run(_order(), [good, SOURCE_DISK], None, publish_event=publish, **EVENTS_ON)
    assert replay.output["status"] == "failed"
    [event] = sent
    assert {k: event[k] for k in ("kind", "instanceId", "drill")} == {"kind": "drillFailed", "instanceId": RUN_ID,
                                                                      "drill": "weekly"}
    assert event["data"] == replay.output and event["id"]
    assert event["time"] == replay.output["endedAt"], "the orchestration's time, not the activity's"


def test_a_retried_publish_sends_the_same_event_and_a_failed_one_leaves_the_report_as_it_is() -> None:
    good = f"{GROUP}/providers/Microsoft.Compute/disks/os-1"
    sent, publish = _publisher([err("EventGrid503", "busy", transient=True, status=503)])
    replay, _, _ = _run(_order(), [good, SOURCE_DISK], None, publish_event=publish, **EVENTS_ON)
    assert len(sent) == 2 and sent[0] == sent[1], "the same id and body on the retry"
    refused, publish = _publisher([err("EventGrid403", "not a data sender", status=403)])
    failed, _, _ = _run(_order(), [good, SOURCE_DISK], None, publish_event=publish, **EVENTS_ON)
    assert len(refused) == 1 and failed.is_done and failed.output == replay.output


def test_no_event_for_a_passed_run_nor_without_a_topic() -> None:
    good = f"{GROUP}/providers/Microsoft.Compute/disks/os-1"
    sent, publish = _publisher([])
    passed, _, _ = _run(_order(), [good], None, publish_event=publish, **EVENTS_ON)
    assert passed.output["status"] == "passed" and sent == []
    failed, _, _ = _run(_order(), [good, SOURCE_DISK], None, publish_event=publish)
    assert failed.output["status"] == "failed" and sent == []
