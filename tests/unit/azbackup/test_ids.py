from __future__ import annotations

import pytest

from azbackup import ids
from azbackup.errors import InvalidResourceIdError

SUB = "00000000-0000-0000-0000-000000000000"
VM = f"/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1"
VAULT = f"/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.RecoveryServices/vaults/vault1"
ITEM = (
    f"{VAULT}/backupFabrics/Azure/protectionContainers/IaasVMContainer;iaasvmcontainerv2;rg1;vm1"
    "/protectedItems/VM;iaasvmcontainerv2;rg1;vm1"
)


def test_vm_id_round_trips_through_parse_and_build() -> None:
    parsed = ids.parse_vm_id(VM)
    assert (parsed.subscription_id, parsed.resource_group, parsed.name) == (SUB, "rg1", "vm1")
    assert parsed.id == VM


def test_vm_id_keywords_are_case_insensitive() -> None:
    parsed = ids.parse_vm_id(f"/Subscriptions/{SUB}/resourcegroups/RG1/providers/microsoft.compute/VirtualMachines/VM1")
    assert (parsed.resource_group, parsed.name) == ("RG1", "VM1")


@pytest.mark.parametrize(
    ("value", "part"),
    [
        ("subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm", "resource ID"),
        (f"/subscription/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm", "subscriptions"),
        (f"/subscriptions/{SUB}/groups/rg/providers/Microsoft.Compute/virtualMachines/vm", "resourceGroups"),
        (f"/subscriptions/{SUB}/resourceGroups/rg./providers/Microsoft.Compute/virtualMachines/vm", "resourceGroups"),
        (f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Storage/virtualMachines/vm", "provider"),
        (f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/disks/d1", "virtualMachines"),
        (f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines", "virtualMachines"),
        (f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm/x", "virtualMachines"),
        (f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/a;b", "virtualMachines"),
    ],
)
def test_bad_vm_id_names_the_wrong_part(value: str, part: str) -> None:
    with pytest.raises(InvalidResourceIdError) as caught:
        ids.parse_vm_id(value)
    assert caught.value.part == part
    assert part in str(caught.value)


def test_container_and_item_names_follow_the_iaas_vm_pattern() -> None:
    assert ids.container_name("rg1", "vm1") == "IaasVMContainer;iaasvmcontainerv2;rg1;vm1"
    assert ids.item_name("rg1", "vm1") == "VM;iaasvmcontainerv2;rg1;vm1"


def test_container_and_item_names_parse_in_any_case() -> None:
    assert ids.parse_container_name("iaasvmcontainer;iaasVMContainerV2;testRg;testVm") == ("testRg", "testVm")
    assert ids.parse_item_name("vm;IAASVMCONTAINERV2;testRg;testVm") == ("testRg", "testVm")
    assert ids.parse_container_name("iaasvmcontainerv2;rg;vm") == ("rg", "vm")


@pytest.mark.parametrize("name", ["VM;iaasvmcontainerv2;rg", "Foo;iaasvmcontainerv2;rg;vm", "VM;classic;rg;vm", ""])
def test_malformed_item_name_is_rejected(name: str) -> None:
    with pytest.raises(InvalidResourceIdError) as caught:
        ids.parse_item_name(name)
    assert caught.value.part == "protected item name"


def test_protected_item_id_round_trips() -> None:
    item = ids.parse_protected_item_id(ITEM)
    assert item.vault_id == VAULT
    assert (item.fabric, item.container, item.item) == (
        "Azure",
        "IaasVMContainer;iaasvmcontainerv2;rg1;vm1",
        "VM;iaasvmcontainerv2;rg1;vm1",
    )
    assert ids.protected_item_id(VAULT, ids.container_name("rg1", "vm1"), ids.item_name("rg1", "vm1")) == ITEM
    assert item.id == ITEM


def test_protected_item_id_with_bad_container_names_the_container() -> None:
    bad = ITEM.replace("IaasVMContainer;iaasvmcontainerv2;rg1;vm1", "SQLContainer;x")
    with pytest.raises(InvalidResourceIdError) as caught:
        ids.parse_protected_item_id(bad)
    assert caught.value.part == "container name"


def test_recovery_point_id_round_trips() -> None:
    rp = ids.recovery_point_id(ITEM, "348916168024334")
    parsed = ids.parse_recovery_point_id(rp)
    assert parsed.name == "348916168024334"
    assert parsed.item.id == ITEM
    assert parsed.id == rp


def test_recovery_point_id_without_name_is_rejected() -> None:
    with pytest.raises(InvalidResourceIdError) as caught:
        ids.parse_recovery_point_id(ITEM + "/recoveryPoints/")
    assert caught.value.part == "recoveryPoints"


def test_vault_storage_resource_group_and_subnet_ids_round_trip() -> None:
    assert ids.parse_vault_id(VAULT).id == VAULT
    sa = ids.storage_account_id(SUB, "rg1", "stor1")
    assert ids.parse_storage_account_id(sa) == (SUB, "rg1", "stor1")
    assert ids.parse_resource_group_id(ids.resource_group_id(SUB, "rg1")) == (SUB, "rg1")
    subnet = ids.parse_subnet_id(
        f"/subscriptions/{SUB}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/default"
    )
    assert (subnet.virtual_network, subnet.name) == ("v", "default")
    assert subnet.virtual_network_id == ids.virtual_network_id(SUB, "net", "v")


def test_storage_account_name_must_be_lowercase_alphanumeric() -> None:
    with pytest.raises(InvalidResourceIdError) as caught:
        ids.parse_storage_account_id(ids.storage_account_id(SUB, "rg1", "Bad_Name"))
    assert caught.value.part == "storageAccounts"


def test_subscription_of_accepts_bare_ids_and_resource_ids() -> None:
    assert ids.subscription_of(SUB) == SUB
    assert ids.subscription_of(VAULT) == SUB
    with pytest.raises(InvalidResourceIdError):
        ids.subscription_of("/tenants/x")


@pytest.mark.parametrize(
    ("resource_id", "scope", "inside"),
    [
        (VM, f"/subscriptions/{SUB}", True),
        (VM, f"/subscriptions/{SUB}/resourceGroups/rg1", True),
        (VM, f"/SUBSCRIPTIONS/{SUB}/resourcegroups/RG1/", True),
        (VM, f"/subscriptions/{SUB}/resourceGroups/rg", False),
        (VM.replace("rg1", "rg10"), f"/subscriptions/{SUB}/resourceGroups/rg1", False),
        (f"/subscriptions/{SUB}/resourceGroups/rg2", f"/subscriptions/{SUB}/resourceGroups/rg", False),
        (f"/subscriptions/{SUB}", f"/subscriptions/{SUB}/resourceGroups/rg1", False),
        (f"/subscriptions/{SUB}/resourceGroups/rg1/../rg2", f"/subscriptions/{SUB}/resourceGroups/rg1", False),
        (VM, "", False),
        ("", f"/subscriptions/{SUB}", False),
    ],
)
def test_is_within_scope_compares_whole_segments_case_insensitively(resource_id: str, scope: str, inside: bool) -> None:
    assert ids.is_within_scope(resource_id, scope) is inside


def test_same_id_ignores_case_and_trailing_slash() -> None:
    assert ids.same_id(VM, VM.upper() + "/")
    assert not ids.same_id(VM, VM + "2")
