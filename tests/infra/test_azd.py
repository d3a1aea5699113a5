"""azure.yaml deploys this folder as a Python Flex Consumption app; main.parameters.json feeds every required
parameter of main.bicep; .funcignore keeps tooling out of the deployment package."""

from __future__ import annotations

import json
import re

import yaml

from tests.infra.bicep_ast import INFRA, REPO, parse

AZD_VALUE = re.compile(r"^\$\{[A-Z0-9_]+(=[^}]*)?\}$|^\$\(secretOrRandomPassword \$\{[A-Z0-9_]+\} [a-z0-9-]+\)$")


def test_azure_yaml_deploys_the_repository_root_as_a_python_function_app():
    spec = yaml.safe_load((REPO / "azure.yaml").read_text())
    assert spec["infra"] == {"provider": "bicep", "path": "infra", "module": "main"}
    api = spec["services"]["api"]
    assert api == {"project": ".", "language": "python", "host": "function"}


def test_parameters_file_covers_every_parameter_without_a_default():
    main = parse(INFRA / "main.bicep")
    required = {
        main.text(d.children[1]) for d in main.declarations("parameter_declaration") if d.children[-2].type != "="
    }
    values = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
    declared = {main.text(d.children[1]) for d in main.declarations("parameter_declaration")}
    assert required == {"environmentName", "location", "incidentWebhookSecret", "keyVaultName"}
    assert required <= set(values)
    assert set(values) <= declared
    assert all(AZD_VALUE.match(v["value"]) for v in values.values())


def test_webhook_secret_is_reused_from_the_key_vault_it_is_stored_in():
    values = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
    assert values["incidentWebhookSecret"]["value"] == (
        "$(secretOrRandomPassword ${AZURE_KEY_VAULT_NAME} incident-webhook-secret)"
    )
    # A new vault's secret comes from the preprovision hook (azd's own has 15 characters); it wins when set.
    assert values["newIncidentWebhookSecret"]["value"] == "${INCIDENT_WEBHOOK_SECRET_NEW=}"
    main = (INFRA / "main.bicep").read_text()
    assert "var webhookSecret = empty(newIncidentWebhookSecret) ? incidentWebhookSecret : newIncidentWebhookSecret" \
        in main and "secretValue: webhookSecret" in main
    keyvault = (INFRA / "modules" / "keyvault.bicep").read_text()
    assert "@minLength(32)\nparam secretValue string" in keyvault
    assert "var incidentSecretName = 'incident-webhook-secret'" in main
    assert "output AZURE_KEY_VAULT_NAME string" in main


def test_funcignore_keeps_tooling_out_of_the_deployment_package():
    ignored = {line.strip().rstrip("/") for line in (REPO / ".funcignore").read_text().splitlines()}
    assert {"infra", "tests", "scripts", ".venv", ".venv-checkov"} <= ignored


def _parameters():
    return json.loads((INFRA / "main.parameters.json").read_text())["parameters"]


def test_principal_type_comes_from_azd_so_a_service_principal_in_ci_works():
    # azd substitutes ${AZURE_PRINCIPAL_TYPE} with the signed-in principal's type, ServicePrincipal for a
    # client-credential login (Azure/azure-dev cli/azd/pkg/infra/provisioning/current_principal_id_provider.go,
    # CurrentPrincipalType; bicep_provider.go evalParamEnvSubst), since azd 1.17.1 (CHANGELOG, #5285). A default of
    # User makes ARM refuse the deployer's role assignment in CI with UnmatchedPrincipalType.
    assert _parameters()["principalType"]["value"] == "${AZURE_PRINCIPAL_TYPE}"
    for path in (INFRA / "main.bicep", INFRA / "modules" / "keyvault.bicep"):
        assert "'User'" not in [parse(path).text(d.children[-1]) for d in parse(path).declarations(
            "parameter_declaration")], path.name
    spec = yaml.safe_load((REPO / "azure.yaml").read_text())
    assert spec["requiredVersions"]["azd"] == ">= 1.17.1"


def test_key_vault_name_comes_from_the_preprovision_hook_not_from_the_environment_name():
    # A deterministic name (kv-<hash of subscription, environment, location>) collides with the purge-protected
    # vault `azd down` leaves behind; the preprovision hook picks a name no deleted vault holds (test_hooks.py).
    assert _parameters()["keyVaultName"]["value"] == "${KEY_VAULT_NAME}"
    main = parse(INFRA / "main.bicep")
    assert main.text(main.declaration("parameter_declaration", "keyVaultName")).endswith("string")
    assert "'kv-${" not in (INFRA / "main.bicep").read_text()


def test_provision_never_creates_the_event_subscription():
    # An Event Grid subscription to an AzureFunction endpoint fails while the function does not exist, which is the
    # case at every provision that precedes a deploy (first `azd up`, `azd up` after `azd down`). The postdeploy
    # hook creates it instead (test_hooks.py).
    assert "deployEventSubscription" not in _parameters()
    texts = {p.name: p.read_text() for p in INFRA.rglob("*.bicep")}
    assert [n for n, t in texts.items() if "deployEventSubscription" in t or "/eventSubscriptions@" in t] == []
