"""The `durableBackend` azd parameter: Azure Storage by default; `DurableTaskScheduler` adds a Microsoft.DurableTask
scheduler and task hub, the app identity's Durable Task Data Contributor role on the task hub, and the app settings
that switch host.json's storage provider to it with an identity-based connection."""

from __future__ import annotations

import json
import re

from tests.infra.bicep_ast import (
    INFRA,
    REPO,
    body,
    declared_type,
    module_params,
    param_default,
    parse,
    properties,
    string_value,
)

# MicrosoftDocs/azure-docs articles/role-based-access-control/built-in-roles.md, Integration: Durable Task Data
# Contributor.
DURABLE_TASK_DATA_CONTRIBUTOR = "0ad04412-c4d5-4796-b79c-f76d14c8d402"
# The docs' host.json for the scheduler (durable-task-scheduler/develop-with-durable-task-scheduler.md, "Update
# host.json"), as app settings that override host.json (functions-host-json.md, "Override host.json values").
OVERRIDE = "AzureFunctionsJobHost__extensions__durableTask__storageProvider__"


def _main():
    return parse(INFRA / "main.bicep")


def test_the_backend_is_an_azd_parameter_azure_storage_by_default():
    main = _main()
    assert main.declaration("parameter_declaration", "durableBackend") is not None
    allowed = re.search(r"@allowed\(\[([^\]]*)\]\)\s*param durableBackend string", (INFRA / "main.bicep").read_text())
    assert allowed and allowed.group(1).split() == ["'AzureStorage'", "'DurableTaskScheduler'"]
    assert string_value(main, param_default(main, "durableBackend")) == "AzureStorage"
    values = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
    assert values["durableBackend"]["value"] == "${DURABLE_BACKEND=AzureStorage}"


def test_the_scheduler_module_is_deployed_only_for_the_scheduler_backend():
    main = _main()
    use = main.declaration("variable_declaration", "useScheduler")
    assert main.text(use.children[-1]) == "durableBackend == 'DurableTaskScheduler'"
    module = main.declaration("module_declaration", "durableTask")
    assert declared_type(main, module) == "modules/durabletask.bicep"
    assert main.text(body(module).condition).strip("() ") == "useScheduler"
    params = module_params(main, module)
    assert main.text(params["taskHubName"]) == "taskHubName"  # the hub TASK_HUB_NAME names
    assert main.text(params["appPrincipalId"]) == "identity.outputs.principalId"


def test_the_app_identity_gets_the_data_contributor_role_on_the_task_hub_only():
    module = parse(INFRA / "modules" / "durabletask.bicep")
    (assignment,) = [d for d in module.declarations("resource_declaration")
                     if declared_type(module, d).startswith("Microsoft.Authorization/roleAssignments@")]
    props = properties(module, body(assignment).obj)
    assert module.text(props["scope"]) == "taskHub"
    inner = properties(module, props["properties"])
    assert module.text(inner["principalId"]) == "appPrincipalId"
    assert string_value(module, inner["principalType"]) == "ServicePrincipal"
    role = module.declaration("variable_declaration", "durableTaskDataContributor")
    assert string_value(module, role.children[-1]) == DURABLE_TASK_DATA_CONTRIBUTOR
    assert "durableTaskDataContributor" in module.text(inner["roleDefinitionId"])
    hub = module.declaration("resource_declaration", "taskHub")
    assert module.text(properties(module, body(hub).obj)["parent"]) == "scheduler"


def test_scheduler_settings_switch_the_storage_provider_with_an_identity_connection():
    main = _main()
    decl = main.declaration("variable_declaration", "durableTaskSchedulerSettings")
    ternary = decl.children[-1]
    assert ternary.type == "ternary_expression" and main.text(ternary.named_children[0]) == "useScheduler"
    chosen, otherwise = ternary.named_children[1:]
    assert main.text(otherwise) == "{}"
    settings = properties(main, chosen)
    assert string_value(main, settings[OVERRIDE + "type"]) == "azureManaged"
    assert string_value(main, settings[OVERRIDE + "connectionStringName"]) == "DURABLE_TASK_SCHEDULER_CONNECTION_STRING"
    # durable-task-scheduler-identity.md: "Endpoint={scheduler endpoint};Authentication=ManagedIdentity;ClientID=
    # {client id}" for a user-assigned identity.
    connection = main.text(settings["DURABLE_TASK_SCHEDULER_CONNECTION_STRING"])
    assert connection == ("'Endpoint=${durableTask.outputs.endpoint};Authentication=ManagedIdentity;"
                          "ClientID=${identity.outputs.clientId}'")
    app = main.text(main.declaration("variable_declaration", "appSettings").children[-1])
    assert "durableTaskSchedulerSettings, appSettingOverrides)" in app


def test_the_overridden_host_json_path_exists_and_defaults_to_azure_storage():
    durable = json.loads((REPO / "host.json").read_text())["extensions"]["durableTask"]
    assert durable["storageProvider"]["type"] == "AzureStorage"
    assert durable["hubName"] == "%TASK_HUB_NAME%"
