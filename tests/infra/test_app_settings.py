"""Every app setting the deployed app reads is set by infra/: the code's settings table (found by
tests/infra/code_settings.py without importing the app), host.json's %NAME% references and the platform settings
(APPLICATIONINSIGHTS_AUTHENTICATION_STRING, AZURE_CLIENT_ID, the identity-based host storage). The code's settings
are documented in README.md and local.settings.example.json; the values infra sets agree with the code's defaults
and with RBAC."""

from __future__ import annotations

import json
import re

import pytest

from tests.infra.bicep_ast import INFRA, REPO, object_keys, param_default, parse, properties, string_value
from tests.infra.code_settings import (
    PLATFORM_SETTINGS,
    code_settings,
    host_json_settings,
    required_settings,
    settings_table,
)
from tests.infra.flex_rules import deprecated_settings

# Settings that would bring keys back: storage and Application Insights authenticate with the identity only.
KEY_BASED = {"AzureWebJobsStorage", "APPINSIGHTS_INSTRUMENTATIONKEY", "AzureWebJobsStorage__accountKey"}
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


def test_the_code_settings_table_is_found_in_the_app_source():
    path, table = settings_table()
    assert path.is_relative_to(REPO) and "tests" not in path.relative_to(REPO).parts
    assert {"ARM_ENDPOINT", "RESTORE_ALLOWED_SCOPES", "INCIDENT_WEBHOOK_SECRET"} <= set(table)
    assert host_json_settings() == {"TASK_HUB_NAME"}


def test_infra_sets_every_setting_the_code_and_the_platform_read(app_settings):
    assert "APPLICATIONINSIGHTS_AUTHENTICATION_STRING" in PLATFORM_SETTINGS
    assert sorted(required_settings() - set(app_settings)) == []


def test_infra_sets_no_key_based_setting_and_nothing_flex_deprecates(app_settings):
    assert sorted(KEY_BASED & set(app_settings)) == []
    assert deprecated_settings(app_settings) == []


def test_host_storage_uses_the_service_uris_of_the_deployment_cloud(main, app_settings):
    # The account name alone makes the host build *.core.windows.net URIs; the storage account's own endpoints
    # (primaryEndpoints) carry the sovereign-cloud suffix, as ARM_ENDPOINT follows environment().
    assert not [name for name in app_settings if name.lower() == "azurewebjobsstorage__accountname"]
    for service in ("blob", "queue", "table"):
        value = app_settings[f"AzureWebJobsStorage__{service}ServiceUri"]
        assert main.text(value) == f"storage.outputs.{service}Endpoint"
    storage = parse(INFRA / "modules" / "storage.bicep")
    for service in ("blob", "queue", "table"):
        output = storage.declaration("output_declaration", f"{service}Endpoint")
        assert output is not None and storage.text(output.children[-1]) == (
            f"storage.properties.primaryEndpoints.{service}")


def test_literal_infra_values_match_the_code_defaults(main, app_settings):
    defaults = code_settings()
    literal = {name: _value(main, node) for name, node in app_settings.items() if name in defaults}
    mismatched = {
        name: (value, defaults[name])
        for name, value in literal.items()
        if value is not None and value != defaults[name]
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


def test_the_app_and_the_event_subscription_use_the_same_event_type(main, app_settings):
    # The postdeploy hook filters the subscription on the EVENTGRID_RESTORE_EVENT_TYPE output (test_hooks.py).
    assert main.text(app_settings["EVENTGRID_RESTORE_EVENT_TYPE"]) == "eventGridRestoreEventType"
    output = main.declaration("output_declaration", "EVENTGRID_RESTORE_EVENT_TYPE")
    assert output is not None and main.text(output.children[-1]) == "eventGridRestoreEventType"


def test_task_hub_setting_matches_host_json(app_settings):
    host = json.loads((REPO / "host.json").read_text())
    assert host["extensions"]["durableTask"]["hubName"] == "%TASK_HUB_NAME%"
    assert "TASK_HUB_NAME" in app_settings


def test_local_settings_example_lists_every_setting():
    values = json.loads((REPO / "local.settings.example.json").read_text())["Values"]
    assert sorted(set(code_settings()) - set(values)) == []


def test_readme_configuration_table_lists_every_setting():
    readme = REPO / "README.md"
    assert readme.is_file(), "README.md with the configuration table is missing"
    documented = {m.group(1) for line in readme.read_text().splitlines() if (m := README_ROW.match(line.strip()))}
    assert sorted(set(code_settings()) - documented) == []
