"""Every resource type, api-version and literal property path in infra/ exists in the published resource type
definitions (Azure/bicep-types-az, written down in tests/infra/resource_types.py), as the Bicep compiler requires."""

from __future__ import annotations

import re

import pytest

from tests.infra.bicep_ast import INFRA, bicep_files, declared_type, parse, parse_text
from tests.infra.bicep_types import check_resources, resource_types
from tests.infra.module_params import problems as module_problems
from tests.infra.resource_types import REPOSITORY, TYPES
from tests.infra.type_shapes import STR, Obj

# Azure/bicep-types-az lays its definitions out as generated/<folder>/<namespace>/<api-version>/types.json
# (its README, "Repository structure").
SOURCE = re.compile(r"generated/[a-z0-9_]+/(?P<namespace>[a-z0-9.]+)/(?P<version>[0-9a-z-]+)/types\.json")


def _ids(path):
    return path.relative_to(INFRA).as_posix()


def test_every_entry_names_the_types_json_of_its_namespace_and_api_version():
    assert REPOSITORY == "Azure/bicep-types-az"
    for name, resource in TYPES.items():
        match = SOURCE.fullmatch(resource.source)
        assert match, (name, resource.source)
        namespace, version = name.split("/")[0].lower(), name.split("@")[1]
        assert (match["namespace"], match["version"]) == (namespace, version), name


def test_written_down_types_are_exactly_the_ones_infra_uses():
    used = {declared_type(parse(p), d).lower() for p in bicep_files() for d in parse(p).declarations(
        "resource_declaration")}
    assert set(resource_types()) == used


def test_an_object_refuses_a_shape_for_a_property_it_does_not_list():
    with pytest.raises(ValueError, match="siteConfgi"):
        Obj("siteConfig", siteConfgi=STR)


@pytest.mark.parametrize("path", bicep_files(), ids=_ids)
def test_every_resource_type_and_property_path_exists_in_bicep_types(path):
    assert check_resources(parse(path)) == []


def _check(text):
    return check_resources(parse_text(text, "probe.bicep"))


def test_checker_flags_an_unknown_api_version():
    problems = _check("resource s 'Microsoft.Storage/storageAccounts@2099-01-01' = {\n  name: 'x'\n}\n")
    assert len(problems) == 1 and "no such resource type" in problems[0]


def test_checker_flags_a_property_the_type_does_not_define():
    problems = _check(
        "resource s 'Microsoft.Web/sites@2024-04-01' = {\n  name: 'x'\n  location: 'l'\n"
        "  properties: {\n    siteConfig: {\n      ftpState: 'Disabled'\n    }\n  }\n}\n")
    assert problems == ["probe.bicep:6: Microsoft.Web/sites@2024-04-01.properties.siteConfig.ftpState: "
                        "not a property of this type"]


def test_checker_flags_a_property_spelt_in_another_case_a_read_only_one_and_a_missing_required_one():
    problems = _check(
        "resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {\n  name: 'x'\n"
        "  properties: {\n    PrincipalId: 'p'\n    createdOn: 'now'\n  }\n}\n")
    assert any("spells it 'principalId'" in p for p in problems)
    assert any("createdOn: read-only property is set" in p for p in problems)
    assert any("roleDefinitionId: required property is missing" in p for p in problems)


def test_checker_flags_a_literal_outside_a_closed_enum_and_follows_array_loops():
    problems = _check(
        "resource s 'Microsoft.Web/sites@2024-04-01' = {\n  name: 'x'\n  location: 'l'\n"
        "  identity: {\n    type: 'Userassigned'\n  }\n  properties: {\n    siteConfig: {\n"
        "      appSettings: [for s in items(o): {\n        name: s.key\n        val: s.value\n      }]\n"
        "    }\n  }\n}\n")
    assert any("identity.type: 'Userassigned' is not one of ['SystemAssigned', 'UserAssigned'," in p
               for p in problems)
    assert any("appSettings[].val: not a property of this type" in p for p in problems)


def test_checker_accepts_bicep_keywords_and_existing_resources():
    assert _check(
        "resource st 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {\n  name: 'x'\n}\n"
        "resource b 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {\n  parent: st\n"
        "  name: 'default'\n  dependsOn: [\n    st\n  ]\n}\n") == []


@pytest.mark.parametrize("path", bicep_files(), ids=_ids)
def test_every_module_call_passes_declared_and_required_parameters(path):
    assert module_problems(parse(path)) == []


def test_module_check_flags_an_unknown_and_a_missing_parameter(tmp_path):
    (tmp_path / "child.bicep").write_text("param needed string\nparam optional string = ''\n")
    main = tmp_path / "main.bicep"
    main.write_text("module c 'child.bicep' = {\n  name: 'c'\n  params: {\n    optionl: 'x'\n  }\n}\n")
    assert module_problems(parse(main)) == [
        "main.bicep:1: module c: optionl is not a parameter of child.bicep",
        "main.bicep:1: module c: required parameter needed is not passed",
    ]


def test_checker_refuses_a_literal_where_no_shape_is_written_down():
    problems = _check(
        "resource s 'Microsoft.Web/sites@2024-04-01' = {\n  name: 'x'\n  location: 'l'\n"
        "  properties: {\n    clientCertMode: 'Required'\n    serverFarmId: plan.id\n  }\n}\n")
    assert problems == ["probe.bicep:5: Microsoft.Web/sites@2024-04-01.properties.clientCertMode: a literal where "
                        "tests/infra/resource_types.py records no shape; write it down from the types.json the "
                        "entry names"]


def test_checker_flags_a_boolean_where_the_type_is_a_string_and_a_string_where_it_is_a_boolean():
    problems = _check(
        "resource s 'Microsoft.Web/sites@2024-04-01' = {\n  name: 'x'\n  location: 'l'\n"
        "  properties: {\n    httpsOnly: 'true'\n    publicNetworkAccess: false\n  }\n}\n")
    assert problems == [
        "probe.bicep:5: Microsoft.Web/sites@2024-04-01.properties.httpsOnly: a string where the type is BooleanType",
        "probe.bicep:6: Microsoft.Web/sites@2024-04-01.properties.publicNetworkAccess: false where the type is "
        "StringType",
    ]
