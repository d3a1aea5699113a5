"""RestoreRequest: fields, cross-field rules, and every bad field named at once."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from azbackup.ids import is_within_scope
from restore.request import (
    RecoveryPointPolicy,
    RestoreMode,
    RestoreRequest,
    callback_url_problem,
)

SUB = "/subscriptions/11111111-1111-1111-1111-111111111111"
RG = f"{SUB}/resourceGroups/rg-prod"
VM = f"{RG}/providers/Microsoft.Compute/virtualMachines/vm-web-01"
SA = f"{RG}/providers/Microsoft.Storage/storageAccounts/stagingsa01"
VNET = f"{RG}/providers/Microsoft.Network/virtualNetworks/vnet-prod"
SUBNET = f"{VNET}/subnets/default"
VAULT = f"{RG}/providers/Microsoft.RecoveryServices/vaults/vault1"
ITEM = (f"{RG}/providers/Microsoft.RecoveryServices/vaults/vault1/backupFabrics/Azure/protectionContainers/"
        "IaasVMContainer;iaasvmcontainerv2;rg-prod;vm-web-01/protectedItems/VM;iaasvmcontainerv2;rg-prod;vm-web-01")


def errors(data: dict[str, Any], **context: Any) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        RestoreRequest.model_validate(data, context=context or None)
    return {".".join(str(p) for p in e["loc"]): e["msg"] for e in info.value.errors()}


def test_minimal_request_defaults_to_latest_point_and_restore_disks() -> None:
    request = RestoreRequest.model_validate({"vmId": VM, "storageAccountId": SA})
    assert request.recovery_point_policy is RecoveryPointPolicy.LATEST
    assert request.mode is RestoreMode.RESTORE_DISKS
    assert request.cross_region is False


def test_wire_form_is_camel_case_and_round_trips() -> None:
    request = RestoreRequest.model_validate({"vmId": VM, "targetResourceGroupId": RG, "maxAge": "P7D",
                                             "storageAccountId": SA, "before": "2026-01-02T03:04:05Z"})
    wire = request.to_wire()
    assert wire["targetResourceGroupId"] == RG
    assert wire["maxAge"] == "P7D"
    assert "osDiskOnly" in wire and "diskLuns" not in wire
    assert RestoreRequest.model_validate(wire) == request


def test_snake_case_names_are_accepted_too() -> None:
    request = RestoreRequest.model_validate({"vm_id": VM, "storage_account_id": SA})
    assert request.vm_id == VM


def test_unknown_fields_are_rejected() -> None:
    assert errors({"vmId": VM, "storageAccountId": SA, "vmName": "x"}) == {"vmName": "Extra inputs are not permitted"}


def test_request_is_frozen() -> None:
    request = RestoreRequest.model_validate({"vmId": VM, "storageAccountId": SA})
    with pytest.raises(ValidationError):
        request.mode = RestoreMode.NEW_VM  # type: ignore[misc]


def test_source_is_required() -> None:
    assert "vmId" in errors({"storageAccountId": SA})


def test_vm_id_and_protected_item_id_exclude_each_other() -> None:
    assert "protectedItemId" in errors({"vmId": VM, "protectedItemId": ITEM, "storageAccountId": SA})


def test_protected_item_id_alone_is_a_source() -> None:
    assert RestoreRequest.model_validate({"protectedItemId": ITEM, "storageAccountId": SA}).source_id == ITEM


def test_recovery_point_id_excludes_policy_and_its_filters() -> None:
    found = errors({"vmId": VM, "storageAccountId": SA, "recoveryPointId": "123", "recoveryPointPolicy": "latest",
                    "before": "2026-01-01T00:00:00Z", "maxAge": "P1D"})
    assert set(found) == {"recoveryPointPolicy", "before", "maxAge"}


def test_explicit_recovery_point_leaves_policy_unset() -> None:
    request = RestoreRequest.model_validate({"vmId": VM, "storageAccountId": SA, "recoveryPointId": "123456"})
    assert request.recovery_point_policy is None


def test_recovery_point_accepts_a_full_id_but_not_another_resource() -> None:
    full = f"{ITEM}/recoveryPoints/987"
    assert RestoreRequest.model_validate({"vmId": VM, "storageAccountId": SA, "recoveryPointId": full})
    assert "recoveryPointId" in errors({"vmId": VM, "storageAccountId": SA, "recoveryPointId": VM})


def test_before_needs_a_time_zone_and_max_age_must_be_positive() -> None:
    found = errors({"vmId": VM, "storageAccountId": SA, "before": "2026-01-01T00:00:00", "maxAge": "-P1D"})
    assert set(found) == {"before", "maxAge"}


def test_new_vm_names_every_missing_target_field() -> None:
    found = errors({"vmId": VM, "mode": "newVm"})
    assert {"targetVmName", "targetResourceGroupId", "targetVnetId", "targetSubnetId"} <= set(found)
    assert found["targetVmName"] == "required when mode is newVm"


def test_new_vm_with_all_targets_is_valid() -> None:
    request = RestoreRequest.model_validate({"vmId": VM, "mode": "newVm", "targetVmName": "vm-web-01-restored",
                                             "targetResourceGroupId": RG, "targetVnetId": VNET,
                                             "targetSubnetId": SUBNET, "storageAccountId": SA, "zones": ["2"]})
    assert request.target_ids()["targetSubnetId"] == SUBNET


def test_every_mode_needs_a_staging_storage_account() -> None:
    for mode in ("restoreDisks", "replaceDisks", "newVm"):
        found = errors({"vmId": VM, "mode": mode, "targetResourceGroupId": RG})
        assert found["storageAccountId"].startswith("required: every restore stages through a storage account")
    assert RestoreRequest.model_validate({"vmId": VM, "storageAccountId": SA}).mode is RestoreMode.RESTORE_DISKS


def test_cross_region_needs_a_target_resource_group_and_refuses_rehydration() -> None:
    found = errors({"vmId": VM, "vaultId": VAULT, "crossRegion": True, "storageAccountId": SA,
                    "rehydration": {"priority": "High"}})
    assert set(found) == {"targetResourceGroupId", "rehydration"}
    assert found["targetResourceGroupId"].startswith("required for crossRegion")
    assert found["rehydration"].startswith("not supported for crossRegion")
    ok = RestoreRequest.model_validate({"vmId": VM, "vaultId": VAULT, "crossRegion": True, "storageAccountId": SA,
                                        "targetResourceGroupId": RG})
    assert ok.vault_id == VAULT


def test_vault_id_goes_with_vm_id_only() -> None:
    found = errors({"protectedItemId": ITEM, "vaultId": VAULT, "storageAccountId": SA})
    assert found == {"vaultId": "give vaultId with vmId; protectedItemId already names its vault"}
    assert "vaultId" in errors({"vmId": VM, "vaultId": VM, "storageAccountId": SA})


def test_new_vm_fields_are_refused_outside_new_vm() -> None:
    found = errors({"vmId": VM, "storageAccountId": SA, "targetVmName": "x", "targetVnetId": VNET})
    assert found["targetVmName"] == "only for mode newVm"
    assert "targetVnetId" in found


def test_replace_disks_refuses_cross_region_and_targets() -> None:
    found = errors({"vmId": VM, "mode": "replaceDisks", "crossRegion": True, "targetResourceGroupId": RG,
                    "storageAccountId": SA})
    assert set(found) == {"crossRegion", "targetResourceGroupId"}


def test_disk_luns_exclude_os_disk_only_and_must_be_unique_and_in_range() -> None:
    assert "osDiskOnly" in errors({"vmId": VM, "storageAccountId": SA, "diskLuns": [0], "osDiskOnly": True})
    assert "diskLuns" in errors({"vmId": VM, "storageAccountId": SA, "diskLuns": [1, 1]})
    assert "diskLuns.0" in errors({"vmId": VM, "storageAccountId": SA, "diskLuns": [64]})


def test_rehydration_priority_and_duration_are_bounded() -> None:
    found = errors({"vmId": VM, "storageAccountId": SA, "rehydration": {"priority": "Urgent", "durationDays": 31}})
    assert set(found) == {"rehydration.priority", "rehydration.durationDays"}
    ok = RestoreRequest.model_validate({"vmId": VM, "storageAccountId": SA,
                                        "rehydration": {"priority": "High", "durationDays": 10}})
    assert ok.rehydration is not None and ok.rehydration.duration_days == 10


def test_zones_take_one_of_1_2_3() -> None:
    assert "zones.0" in errors({"vmId": VM, "storageAccountId": SA, "zones": ["4"]})
    assert "zones" in errors({"vmId": VM, "storageAccountId": SA, "zones": ["1", "2"]})


def test_resource_ids_must_have_their_shape() -> None:
    found = errors({"vmId": f"{RG}/providers/Microsoft.Compute/disks/d1", "storageAccountId": VNET,
                    "targetResourceGroupId": "/subscriptions/not-a-guid/resourceGroups/x"})
    assert set(found) == {"vmId", "storageAccountId", "targetResourceGroupId"}
    assert "Microsoft.Compute/virtualMachines" in found["vmId"]


def test_resource_ids_compare_case_insensitively_in_shape() -> None:
    assert RestoreRequest.model_validate({"vmId": VM.lower(), "storageAccountId": SA.lower()})


def test_subnet_must_belong_to_the_target_vnet() -> None:
    other = f"{RG}/providers/Microsoft.Network/virtualNetworks/other/subnets/default"
    found = errors({"vmId": VM, "mode": "newVm", "targetVmName": "n", "targetResourceGroupId": RG,
                    "targetVnetId": VNET, "targetSubnetId": other, "storageAccountId": SA})
    assert found == {"targetSubnetId": "must be a subnet of targetVnetId"}


def test_targets_must_be_in_the_target_subscription() -> None:
    found = errors({"vmId": VM, "targetResourceGroupId": RG, "storageAccountId": SA,
                    "targetSubscriptionId": "/subscriptions/22222222-2222-2222-2222-222222222222"})
    assert found == {"targetResourceGroupId": "must be in targetSubscriptionId"}


def test_field_and_cross_field_errors_are_reported_together() -> None:
    found = errors({"vmId": "nope", "mode": "newVm", "reason": "x" * 1001})
    assert {"vmId", "reason", "targetVmName", "targetVnetId"} <= set(found)


def test_callback_must_be_https_to_a_public_host_when_front_doors_validate() -> None:
    base = {"vmId": VM, "storageAccountId": SA}
    assert "callbackUrl" in errors({**base, "callbackUrl": "http://example.com/cb"}, allow_insecure_callback=False)
    assert "callbackUrl" in errors({**base, "callbackUrl": "https://10.0.0.5/cb"}, allow_insecure_callback=False)
    assert "callbackUrl" in errors({**base, "callbackUrl": "https://localhost/cb"}, allow_insecure_callback=False)
    ok = RestoreRequest.model_validate({**base, "callbackUrl": "https://hooks.example.com/cb"},
                                       context={"allow_insecure_callback": False})
    assert ok.callback_url == "https://hooks.example.com/cb"


def test_insecure_callback_is_allowed_when_configured_and_on_internal_revalidation() -> None:
    data = {"vmId": VM, "storageAccountId": SA, "callbackUrl": "http://127.0.0.1:9000/cb"}
    assert RestoreRequest.model_validate(data, context={"allow_insecure_callback": True}).callback_url
    assert RestoreRequest.model_validate(data).callback_url


@pytest.mark.parametrize("url", ["ftp://example.com/x", "https://user:pw@example.com/x", "not a url"])
def test_callback_url_shape_is_always_checked(url: str) -> None:
    assert callback_url_problem(url, strict=False) is not None



def test_resource_guard_request_ids_must_name_a_resource_guard_operation() -> None:
    guard = f"{RG}/providers/Microsoft.DataProtection/resourceGuards/g1/triggerRestoreRequests/default"
    ok = RestoreRequest.model_validate({"vmId": VM, "storageAccountId": SA, "resourceGuardOperationRequests": [guard]})
    assert ok.resource_guard_operation_requests == [guard]
    with pytest.raises(ValidationError) as err:
        RestoreRequest.model_validate({"vmId": VM, "storageAccountId": SA,
                                       "resourceGuardOperationRequests": [f"{SUB}/not-a-guard"]})
    assert "resourceGuardOperationRequests" in str(err.value)


@pytest.mark.parametrize("host", ["2130706433", "0x7f.1", "127.1", "0", "017700000001", "168.63.129.16",
                                  "100.64.0.1", "[::ffff:127.0.0.1]", "[64:ff9b::a9fe:a9fe]",
                                  "127\uff0e0\uff0e0\uff0e1", "b\u00fccher.example", "1.2.3.4.5"])
def test_callback_hosts_that_spell_an_internal_address_are_refused_by_the_front_doors(host: str) -> None:
    base = {"vmId": VM, "storageAccountId": SA, "callbackUrl": f"https://{host}/cb"}
    assert "callbackUrl" in errors(base, allow_insecure_callback=False)


@pytest.mark.parametrize("host", ["169.254.169.254", "168.63.129.16", "[fe80::1]", "0", "[::ffff:a9fe:a9fe]"])
def test_metadata_and_link_local_callbacks_stay_refused_with_allow_insecure(host: str) -> None:
    assert "callbackUrl" in errors({"vmId": VM, "storageAccountId": SA, "callbackUrl": f"http://{host}/cb"},
                                   allow_insecure_callback=True)


@pytest.mark.parametrize(("field", "value"), [("crossRegion", "true"), ("crossRegion", 1), ("osDiskOnly", "yes"),
                                              ("restoreWithManagedDisks", "1")])
def test_booleans_are_strict(field: str, value: object) -> None:
    assert field in errors({"vmId": VM, "storageAccountId": SA, field: value})


def test_replace_disks_cannot_slip_cross_region_in_as_a_string() -> None:
    found = errors({"vmId": VM, "mode": "replaceDisks", "crossRegion": "true"})
    assert "crossRegion" in found


@pytest.mark.parametrize("bad", ["\u202e", "\u2066", "\u200b", "\x00", "\x1b", "\u2028"])
def test_control_and_text_direction_characters_in_ids_are_refused(bad: str) -> None:
    assert "vmId" in errors({"vmId": VM + bad, "storageAccountId": SA})
    assert "recoveryPointId" in errors({"vmId": VM, "storageAccountId": SA, "recoveryPointId": "123" + bad})


def test_ids_fold_ascii_case_only() -> None:
    des = VM.split("/providers/")[0] + "/providers/Microsoft.Compute/dis\u212aEncryptionSets/des"
    assert "diskEncryptionSetId" in errors({"vmId": VM, "storageAccountId": SA, "diskEncryptionSetId": des})
    assert not is_within_scope("/subscriptions/a/resourceGroups/rg-\u212a/x", "/subscriptions/a/resourceGroups/rg-k")
    assert is_within_scope("/subscriptions/a/resourceGroups/RG-K/x", "/subscriptions/a/resourceGroups/rg-k")


@pytest.mark.parametrize("age", ["P999999999D", "P36235D"])
def test_max_age_is_bounded(age: str) -> None:
    assert "maxAge" in errors({"vmId": VM, "storageAccountId": SA, "maxAge": age})


def test_a_full_recovery_point_id_must_belong_to_the_protected_item() -> None:
    item = SA.split("/providers/")[0] + ("/providers/Microsoft.RecoveryServices/vaults/v1/backupFabrics/Azure/"
                                         "protectionContainers/c1/protectedItems/i1")
    other = item.replace("/vaults/v1/", "/vaults/v2/") + "/recoveryPoints/123"
    assert "recoveryPointId" in errors({"protectedItemId": item, "storageAccountId": SA, "recoveryPointId": other})
    ok = RestoreRequest.model_validate({"protectedItemId": item, "storageAccountId": SA,
                                        "recoveryPointId": item.upper().replace("/SUBSCRIPTIONS/", "/subscriptions/")
                                        + "/recoveryPoints/123"})
    assert ok.recovery_point_id


def test_cross_field_id_rules_fold_ascii_case_only() -> None:
    kelvin_vnet = VNET.replace("vnet-prod", "vnet-\u212aey")  # KELVIN SIGN: str.lower() makes it "k"
    subnet = VNET.replace("vnet-prod", "vnet-key") + "/subnets/default"
    new_vm = {"vmId": VM, "storageAccountId": SA, "mode": "newVm", "targetVmName": "vm-new",
              "targetResourceGroupId": RG, "targetVnetId": kelvin_vnet, "targetSubnetId": subnet}
    assert errors(new_vm)["targetSubnetId"] == "must be a subnet of targetVnetId"
    ascii_case = {**new_vm, "targetVnetId": VNET.replace("vnet-prod", "VNET-KEY")}
    assert RestoreRequest.model_validate(ascii_case).target_subnet_id == subnet
