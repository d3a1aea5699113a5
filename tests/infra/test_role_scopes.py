"""No role assignment lands at subscription or management-group scope unless a default-false parameter asks."""

from __future__ import annotations

from tests.infra.bicep_ast import bicep_files, parse, parse_text
from tests.infra.role_scopes import describe, role_assignments, violations

SUBSCRIPTION_MODULE = """targetScope = 'subscription'
param principalId string
resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(principalId)
  properties: {}
}
"""


def _infra():
    return [parse(p) for p in bicep_files()]


def test_no_role_assignment_reaches_subscription_or_management_group_scope_ungated():
    assert violations(_infra()) == []


def test_infra_declares_the_restore_role_assignments():
    names = {describe(f, d).name for f in _infra() for d in role_assignments(f)}
    assert {
        "backupOperatorOnVault",
        "restoreTargetOnGroup",
        "contributorOnStagingAccount",
        "lookupAssignment",
        "blobOwner",
        "queueContributor",
        "tableContributor",
        "appSecretsUser",
        "metricsPublisher",
        "deadLetterWriter",
    } <= names


def test_only_the_opt_in_lookup_role_is_broad():
    broad = {describe(f, d).name for f in _infra() for d in role_assignments(f) if describe(f, d).is_broad}
    assert broad == {"lookupAssignment"}


def test_subscription_lookups_default_to_off():
    main = parse(next(p for p in bicep_files() if p.name == "main.bicep"))
    decl = main.declaration("parameter_declaration", "enableSubscriptionScopeLookups")
    assert decl is not None
    assert main.text(decl).endswith("bool = false")


def test_checker_flags_an_ungated_subscription_module():
    main = parse_text(
        "targetScope = 'subscription'\nmodule sub 'modules/sub.bicep' = {\n  name: 'sub'\n}\n", "/virtual/main.bicep"
    )
    sub = parse_text(SUBSCRIPTION_MODULE, "/virtual/modules/sub.bicep")
    assert len(violations([main, sub])) == 1


def test_checker_accepts_a_module_gated_by_a_false_bool_parameter():
    main = parse_text(
        "targetScope = 'subscription'\nparam grant bool = false\n"
        "module sub 'modules/sub.bicep' = if (grant) {\n  name: 'sub'\n}\n",
        "/virtual/main.bicep",
    )
    sub = parse_text(SUBSCRIPTION_MODULE, "/virtual/modules/sub.bicep")
    assert violations([main, sub]) == []


def test_checker_rejects_a_gate_that_defaults_to_true():
    main = parse_text(
        "targetScope = 'subscription'\nparam grant bool = true\n"
        "module sub 'modules/sub.bicep' = if (grant) {\n  name: 'sub'\n}\n",
        "/virtual/main.bicep",
    )
    sub = parse_text(SUBSCRIPTION_MODULE, "/virtual/modules/sub.bicep")
    assert len(violations([main, sub])) == 1


def test_checker_flags_an_explicit_subscription_scope_in_a_resource_group_module():
    rg = parse_text(
        "resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {\n"
        "  name: 'x'\n  scope: subscription()\n  properties: {}\n}\n",
        "/virtual/rg.bicep",
    )
    assert len(violations([rg])) == 1


def test_checker_accepts_a_resource_scope_in_a_resource_group_module():
    rg = parse_text(
        "resource vault 'Microsoft.RecoveryServices/vaults@2024-04-01' existing = {\n  name: 'v'\n}\n"
        "resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {\n"
        "  name: 'x'\n  scope: vault\n  properties: {}\n}\n",
        "/virtual/rg.bicep",
    )
    assert violations([rg]) == []
