"""What a restore creates (VM with NIC and instance view, disks of the source's size and SKU, the config container),
the knobs that stage failed restores, and Compute/Network/Storage GET and DELETE over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from emulator.backend import Backend
from emulator.clock import ManualClock
from tests.support.procs import Proc, running, start_emulator
from tests.unit.emulator.conftest import inventory, item_of, newest_usable, restore_disks, storage


def _restore(backend: Backend, clock: ManualClock, vm: str, new_vm: bool) -> dict[str, Any]:
    vault, item = item_of(backend, vm)
    rg = item.vm_id.split("/resourceGroups/")[0] + "/resourceGroups/rg-restore"
    extra: dict[str, Any] = {"targetResourceGroupId": rg}
    if new_vm:
        subnet = next(s for s in inventory(backend)["subnets"] if s["region"] == "westeurope")
        extra |= {"recoveryType": "AlternateLocation", "virtualNetworkId": subnet["vnetId"], "subnetId": subnet["id"],
                  "targetVirtualMachineId": f"{rg}/providers/Microsoft.Compute/virtualMachines/{vm}-drill"}
    op = backend.restores.trigger(vault, item, newest_usable(item),
                                  restore_disks(item, newest_usable(item), storage(backend, "westeurope"), **extra))
    clock.advance(backend.scenario.job_seconds + backend.scenario.operation_seconds + 1)
    backend.tick()
    return {"job": str(op.job_name), "inventory": inventory(backend)}


def _created(inv: dict[str, Any], kind: str, job: str) -> list[dict[str, Any]]:
    return [r for r in inv[kind] if r.get("createdByJob") == job]


def test_new_vm_restore_creates_a_running_vm_with_a_nic_disks_like_the_source_and_a_config_container(
        backend: Backend, clock: ManualClock) -> None:
    done = _restore(backend, clock, "vm-web-01", new_vm=True)
    inv, job = done["inventory"], done["job"]
    [vm] = _created(inv, "vms", job)
    [nic] = _created(inv, "networkInterfaces", job)
    assert (vm["powerState"], vm["provisioningState"], vm["nicIds"]) == ("running", "Succeeded", [nic["id"]])
    source = {d["lun"]: d for d in inv["disks"] if d["vmId"] and "/rg-app/" in d["vmId"] and "vm-web-01" in d["vmId"]}
    restored = _created(inv, "disks", job)
    assert len(restored) == len(source) == 3
    assert all((d["sizeGb"], d["sku"]) == (source[d["lun"]]["sizeGb"], source[d["lun"]]["sku"]) for d in restored)
    [container] = _created(inv, "blobContainers", job)
    assert "/resourceGroups/rg-restore/" in container["id"] and container["blobs"][0].startswith("config-")


def test_knobs_stage_a_stopped_vm_a_failed_provisioning_and_a_disk_of_another_size(
        backend: Backend, clock: ManualClock) -> None:
    backend.set_scenario({"restoredVmStopped": ["VM-WEB-01"], "restoredVmProvisioningFailed": ["vm-sql-01"],
                          "restoredDiskSizeDiffers": ["vm-ops-01"], "restoredDiskSizeDeltaGb": 10})
    web = _restore(backend, clock, "vm-web-01", new_vm=True)
    [vm] = _created(web["inventory"], "vms", web["job"])
    assert (vm["powerState"], vm["provisioningState"]) == ("stopped", "Succeeded")
    sql = _restore(backend, clock, "vm-sql-01", new_vm=True)
    [vm] = _created(sql["inventory"], "vms", sql["job"])
    assert vm["provisioningState"] == "Failed"
    vault, item = item_of(backend, "vm-ops-01")
    account = next(a["id"] for a in inventory(backend)["storageAccounts"] if a["id"].endswith("/stagingeus"))
    op = backend.restores.trigger(vault, item, newest_usable(item), restore_disks(item, newest_usable(item), account))
    clock.advance(backend.scenario.job_seconds + backend.scenario.operation_seconds + 1)
    inv = inventory(backend)
    source = {d["lun"]: d["sizeGb"] for d in inv["disks"] if d["vmId"] and d["vmId"].endswith("/vm-ops-01")}
    restored = _created(inv, "disks", str(op.job_name))
    assert restored and all(d["sizeGb"] == source[d["lun"]] + 10 for d in restored)


@pytest.fixture(scope="module")
def emulator() -> Iterator[Proc]:
    with running(start_emulator(time_scale=100000)) as proc:
        yield proc


def _token(emu: Proc) -> str:
    reply = requests.get(emu.url + "/msi/token", params={"api-version": "2019-08-01", "resource": emu.url},
                         headers={"X-IDENTITY-HEADER": "local-dev"}, timeout=5)
    return str(reply.json()["access_token"])


def test_compute_network_and_storage_get_and_delete_over_http(emulator: Proc) -> None:
    requests.post(emulator.url + "/_emulator/reset", timeout=5).raise_for_status()
    headers = {"Authorization": f"Bearer {_token(emulator)}"}
    inv = requests.get(emulator.url + "/_emulator/inventory", timeout=5).json()
    vm = next(v for v in inv["vms"] if v["name"] == "vm-web-01")

    def call(method: str, path: str, version: str, **params: str) -> requests.Response:
        return requests.request(method, emulator.url + path, params={"api-version": version, **params},
                                headers=headers, timeout=5)

    view = call("GET", vm["id"], "2024-07-01", **{"$expand": "instanceView"}).json()["properties"]["instanceView"]
    assert [s["code"] for s in view["statuses"]] == ["ProvisioningState/succeeded", "PowerState/running"]
    assert call("GET", vm["id"] + "/instanceView", "2024-07-01").json()["statuses"][1]["code"] == "PowerState/running"
    disk = vm["disks"][1]["id"]
    assert call("GET", disk, "2024-03-02").json()["properties"]["diskState"] == "Attached"
    assert call("DELETE", disk, "2024-03-02").status_code == 409  # attached to the VM
    assert call("GET", disk, "2024-07-01").json()["error"]["code"] == "NoRegisteredProviderFound"
    assert call("DELETE", vm["id"], "2024-07-01").status_code == 200
    assert call("GET", vm["id"], "2024-07-01").status_code == 404
    assert call("DELETE", vm["id"], "2024-07-01").status_code == 204  # already gone
    assert call("DELETE", disk, "2024-03-02").status_code == 200  # detached by the VM delete
    assert call("GET", disk, "2024-03-02").status_code == 404
    missing = "/subscriptions/" + vm["id"].split("/")[2] + "/resourceGroups/rg-restore/providers/Microsoft.Network/" \
                                                            "networkInterfaces/none"
    assert call("DELETE", missing, "2024-05-01").status_code == 204
    account = next(a["id"] for a in inv["storageAccounts"] if a["id"].endswith("/stagingweu"))
    container = account + "/blobServices/default/containers/none"
    assert call("GET", container, "2023-05-01").json()["error"]["code"] == "ContainerNotFound"
    assert call("DELETE", container, "2023-05-01").status_code == 204


def test_what_a_restore_created_survives_the_state_file(backend: Backend, clock: ManualClock) -> None:
    from emulator import persistence

    backend.set_scenario({"restoredVmStopped": ["vm-web-01"]})
    done = _restore(backend, clock, "vm-web-01", new_vm=True)
    state, _ = persistence.load(persistence.dump(backend.state, None))
    world = state.world
    [vm] = [v for v in world.vms.values() if v.created_by_job == done["job"]]
    assert vm.power_state == "stopped" and vm.nic_ids and vm.nic_ids[0].lower() in world.nics
    assert world.nics[vm.nic_ids[0].lower()].vm_id == vm.id
    assert [c for c in world.containers.values() if c.created_by_job == done["job"]]
    # The VM's disks are the world's own objects again (a delete detaches them).
    assert all(world.disks[d.id.lower()] is d for d in vm.disks())
