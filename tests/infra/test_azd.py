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
    for hook in spec["hooks"]["postdeploy"].values():
        assert (REPO / hook["run"]).is_file()
    assert "'azd-service-name': 'api'" in (INFRA / "main.bicep").read_text()


def test_parameters_file_covers_every_parameter_without_a_default():
    main = parse(INFRA / "main.bicep")
    required = {
        main.text(d.children[1]) for d in main.declarations("parameter_declaration") if d.children[-2].type != "="
    }
    values = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
    declared = {main.text(d.children[1]) for d in main.declarations("parameter_declaration")}
    assert required == {"environmentName", "location", "incidentWebhookSecret"}
    assert required <= set(values)
    assert set(values) <= declared
    assert all(AZD_VALUE.match(v["value"]) for v in values.values())


def test_webhook_secret_is_reused_from_the_key_vault_it_is_stored_in():
    values = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
    assert values["incidentWebhookSecret"]["value"] == (
        "$(secretOrRandomPassword ${AZURE_KEY_VAULT_NAME} incident-webhook-secret)"
    )
    main = (INFRA / "main.bicep").read_text()
    assert "var incidentSecretName = 'incident-webhook-secret'" in main
    assert "output AZURE_KEY_VAULT_NAME string" in main


def test_funcignore_keeps_tooling_out_of_the_deployment_package():
    ignored = {line.strip().rstrip("/") for line in (REPO / ".funcignore").read_text().splitlines()}
    assert {"infra", "tests", ".venv", ".venv-checkov"} <= ignored
