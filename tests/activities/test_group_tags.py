"""`get_resource_group_tags` against the emulator's `ResourceGroups_Get`: the tags of a deleted VM's group."""

from __future__ import annotations

import requests

from activities.blueprint import get_resource_group_tags
from emulator.demo_seed import APP_GROUP_TAGS
from tests.activities.conftest import Emulator


def test_the_tags_of_a_deleted_vms_group_are_read_from_arm(emu: Emulator) -> None:
    vm_id = emu.vm("vm-web-01")["id"]
    emu.post("vms/delete", {"id": vm_id})
    result = get_resource_group_tags({"vmId": vm_id})
    assert result["error"] is None and result["value"] == {"tags": APP_GROUP_TAGS}
    [get] = [r for r in emu.requests() if r["method"] == "GET"]
    assert get["path"].split("?")[0].lower() == vm_id.split("/providers/")[0].lower()
    assert "api-version=2021-04-01" in get["path"] and get["status"] == 200


def test_a_group_that_is_gone_is_a_terminal_not_found(emu: Emulator) -> None:
    vm_id = emu.vm("vm-web-01")["id"].replace("/rg-app/", "/rg-gone/")
    result = get_resource_group_tags({"vmId": vm_id})
    assert result["value"] is None and result["error"]["code"] == "ResourceGroupNotFound"
    assert result["error"]["transient"] is False


def test_the_route_answers_as_resource_groups_get(emu: Emulator) -> None:
    group = emu.vm("vm-web-01")["id"].split("/providers/")[0]
    token = requests.get(f"{emu.url}/msi/token", params={"api-version": "2019-08-01", "resource": emu.url},
                         headers={"X-IDENTITY-HEADER": "local-dev"}, timeout=10).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    body = requests.get(f"{emu.url}{group.replace('resourceGroups', 'resourcegroups')}",
                        params={"api-version": "2024-03-01"}, headers=headers, timeout=10).json()
    assert body == {"id": group, "name": "rg-app", "type": "Microsoft.Resources/resourceGroups",
                    "properties": {"provisioningState": "Succeeded"}, "location": "westeurope",
                    "tags": APP_GROUP_TAGS}
    old = requests.get(f"{emu.url}{group}", params={"api-version": "2026-02-01"}, headers=headers, timeout=10)
    assert old.status_code == 400 and old.json()["error"]["code"] == "NoRegisteredProviderFound"
    assert requests.get(f"{emu.url}{group}", params={"api-version": "2021-04-01"}, timeout=10).status_code == 401
