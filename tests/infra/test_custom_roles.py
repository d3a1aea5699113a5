"""Custom role names (and IDs) are unique per tenant: no loop of modules or resources, and no second azd
environment, creates two role definitions with the same name."""

from __future__ import annotations

from tests.infra.bicep_ast import bicep_files, parse
from tests.infra.custom_roles import problems, role_definitions

ROLE = """targetScope = 'subscription'
param suffix string
resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, 'r', suffix)
  properties: {
    roleName: ROLE_NAME
    type: 'CustomRole'
    assignableScopes: [
      subscription().id
    ]
    permissions: []
  }
}
"""
MAIN = """targetScope = 'subscription'
param environmentName string
param subscriptionIds array
var resourceToken = uniqueString(environmentName)
module roles 'role.bicep' = [for id in subscriptionIds: {
  name: 'r-${id}'
  scope: subscription(id)
  params: {
    suffix: resourceToken
  }
}]
"""


def _infra():
    return [parse(p) for p in bicep_files()]


def test_custom_role_names_are_unique_per_tenant_across_module_loops_and_environments():
    files = _infra()
    assert role_definitions(files)
    assert problems(files) == []


def _probe(tmp_path, role_name, main=MAIN):
    (tmp_path / "role.bicep").write_text(ROLE.replace("ROLE_NAME", role_name))
    (tmp_path / "main.bicep").write_text(main)
    return problems([parse(tmp_path / "main.bicep"), parse(tmp_path / "role.bicep")])


def test_checker_flags_a_role_name_repeated_by_a_subscription_loop(tmp_path):
    assert _probe(tmp_path, "'Restore (${suffix})'") == [
        "role.bicep:role: roleName is the same in every iteration of its loop (custom role names and IDs are "
        "unique per tenant)"]


def test_checker_accepts_a_role_name_with_the_loop_subscription(tmp_path):
    assert _probe(tmp_path, "'Restore (${suffix}, ${subscription().subscriptionId})'") == []


def test_checker_flags_a_role_name_shared_by_every_environment(tmp_path):
    assert _probe(tmp_path, "'Restore (${subscription().subscriptionId})'") == [
        "role.bicep:role: roleName is the same for every azd environment in the tenant"]


def test_checker_flags_two_role_definitions_with_the_same_fixed_name(tmp_path):
    name = "'Restore (${suffix}, ${subscription().subscriptionId})'"
    (tmp_path / "role.bicep").write_text(ROLE.replace("ROLE_NAME", name))
    (tmp_path / "other.bicep").write_text(ROLE.replace("ROLE_NAME", name).replace("'r'", "'o'"))
    (tmp_path / "main.bicep").write_text(
        MAIN + "module other 'other.bicep' = {\n  name: 'o'\n  params: {\n    suffix: resourceToken\n  }\n}\n")
    files = [parse(tmp_path / n) for n in ("main.bicep", "role.bicep", "other.bicep")]
    assert problems(files) == ["role.bicep:role and other.bicep:role: same fixed role name 'Restore (|, |)'"]
