"""Every app setting the code reads (settings.DEFAULTS) is set by infra/, documented in README.md and listed in
local.settings.example.json; the values infra sets agree with the code's defaults and with RBAC."""

from __future__ import annotations

import json
import re

import pytest

from restore import settings
from tests.infra.bicep_ast import INFRA, REPO, object_keys, param_default, parse, properties, string_value

HOST_SETTINGS = {
    "TASK_HUB_NAME",
    "AzureWebJobsStorage__accountName",
    "AzureWebJobsStorage__credential",
    "AzureWebJobsStorage__clientId",
    "APPLICATIONINSIGHTS_CONNECTION_STRING",
}
README_ROW = re.compile(r"^\|\s*`([A-Za-z0-9_]+)`\s*\|")


@pytest.fixture(scope="module")
def main():
    return parse(INFRA / "main.bicep")


@pytest.fixture(scope="module")
def app_settings(main):
    decl = main.declaration("variable_declaration", "appSettings")
    assert decl is not None, "main.bicep must build the app settings in `var appSettings`"
    return object_keys(main, decl.children[-1])


def _value(main, node):
    """A setting's literal value, or the default of the parameter it names."""
    if node.type == "identifier" and (default := param_default(main, main.text(node))) is not None:
        node = default
    return string_value(main, node)


def test_infra_sets_every_setting_the_code_reads(app_settings):
    assert sorted(set(settings.DEFAULTS) - set(app_settings)) == []


def test_infra_sets_what_the_functions_host_needs(app_settings):
    assert sorted(HOST_SETTINGS - set(app_settings)) == []


def test_infra_sets_no_key_based_or_flex_rejected_setting(app_settings):
    forbidden = {
        "AzureWebJobsStorage",
        "APPINSIGHTS_INSTRUMENTATIONKEY",
        "FUNCTIONS_WORKER_RUNTIME",
        "FUNCTIONS_EXTENSION_VERSION",
        "WEBSITE_RUN_FROM_PACKAGE",
    }
    assert sorted(forbidden & set(app_settings)) == []


def test_literal_infra_values_match_the_code_defaults(main, app_settings):
    literal = {name: _value(main, node) for name, node in app_settings.items() if name in settings.DEFAULTS}
    mismatched = {
        name: (value, settings.DEFAULTS[name])
        for name, value in literal.items()
        if value is not None and value != settings.DEFAULTS[name]
    }
    assert mismatched == {}
    assert sum(value is not None for value in literal.values()) >= 10


def test_storage_uses_the_managed_identity(main, app_settings):
    assert _value(main, app_settings["AzureWebJobsStorage__credential"]) == "managedidentity"
    assert main.text(app_settings["AzureWebJobsStorage__clientId"]) == "identity.outputs.clientId"
    assert main.text(app_settings["AZURE_CLIENT_ID"]) == "identity.outputs.clientId"


def test_webhook_secret_is_a_key_vault_reference_resolved_by_the_user_assigned_identity(main, app_settings):
    assert main.text(app_settings["INCIDENT_WEBHOOK_SECRET"]).startswith("'@Microsoft.KeyVault(SecretUri=${")
    site_module = parse(INFRA / "modules" / "functionapp.bicep")
    site = site_module.declaration("resource_declaration", "app")
    site_props = properties(site_module, properties(site_module, site.children[-1])["properties"])
    assert site_module.text(site_props["keyVaultReferenceIdentity"]) == "identityId"


def test_arm_endpoint_follows_the_deployment_cloud(main, app_settings):
    assert main.text(app_settings["ARM_ENDPOINT"]) == "armEndpoint"
    arm = main.text(main.declaration("variable_declaration", "resourceManager"))
    assert "environment().resourceManager" in arm
    trimmed = main.text(main.declaration("variable_declaration", "armEndpoint"))
    assert "endsWith(resourceManager, '/')" in trimmed


def test_allowed_scopes_are_the_scopes_rbac_grants(main, app_settings):
    assert main.text(app_settings["RESTORE_ALLOWED_SCOPES"]) == "restoreAllowedScopes"
    scopes = main.text(main.declaration("variable_declaration", "restoreAllowedScopes"))
    assert "concat(vaultIdList, targetResourceGroupIdList)" in scopes
    loops = {
        "vaultRoles": "in vaultIdList:",
        "targetGroupRoles": "in targetResourceGroupIdList:",
    }
    for module, loop in loops.items():
        assert loop in main.text(main.declaration("module_declaration", module))


def test_event_subscription_targets_restore_from_event_with_the_same_event_type(main, app_settings):
    assert main.text(app_settings["EVENTGRID_RESTORE_EVENT_TYPE"]) == "eventGridRestoreEventType"
    module = main.declaration("module_declaration", "eventGrid")
    params = properties(main, properties(main, module.children[-1])["params"])
    assert main.text(params["eventType"]) == "eventGridRestoreEventType"
    assert string_value(main, params["functionName"]) == "restore_from_event"
    grid = (INFRA / "modules" / "eventgrid.bicep").read_text()
    assert "endpointType: 'AzureFunction'" in grid
    assert "resourceId: '${functionAppId}/functions/${functionName}'" in grid
    assert "deadLetterWithResourceIdentity" in grid and "retryPolicy" in grid


def test_task_hub_setting_matches_host_json(app_settings):
    host = json.loads((REPO / "host.json").read_text())
    assert host["extensions"]["durableTask"]["hubName"] == "%TASK_HUB_NAME%"
    assert "TASK_HUB_NAME" in app_settings


def test_local_settings_example_lists_every_setting():
    values = json.loads((REPO / "local.settings.example.json").read_text())["Values"]
    assert sorted(set(settings.DEFAULTS) - set(values)) == []


def test_readme_configuration_table_lists_every_setting():
    readme = REPO / "README.md"
    assert readme.is_file(), "README.md with the configuration table is missing"
    documented = {m.group(1) for line in readme.read_text().splitlines() if (m := README_ROW.match(line.strip()))}
    assert sorted(set(settings.DEFAULTS) - documented) == []
