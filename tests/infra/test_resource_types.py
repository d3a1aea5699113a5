"""Every resource type, api-version and literal property path in infra/ exists in the published resource type
definitions (Azure/bicep-types-az, vendored subset in tests/infra/bicep_types/), as the Bicep compiler requires."""

from __future__ import annotations

import json

import pytest

from tests.infra.bicep_ast import INFRA, bicep_files, declared_type, parse, parse_text
from tests.infra.bicep_types import TYPES_DIR, check_resources, resource_types
from tests.infra.module_params import problems as module_problems
from tests.infra.vendor_bicep_types import REPOSITORY


def _ids(path):
    return path.relative_to(INFRA).as_posix()


def test_every_vendored_file_names_its_source_repository_commit_and_path():
    files = sorted(TYPES_DIR.glob("*.json"))
    assert files
    for path in files:
        source = json.loads(path.read_text())["source"]
        assert source["repository"] == REPOSITORY
        assert len(source["commit"]) == 40
        assert source["path"].startswith("generated/") and source["path"].endswith("/types.json")


def test_vendored_types_are_exactly_the_ones_infra_uses():
    used = {declared_type(parse(p), d).lower() for p in bicep_files() for d in parse(p).declarations(
        "resource_declaration")}
    assert set(resource_types()) == used


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
