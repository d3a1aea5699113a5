"""The app settings the code reads, found in the source without importing it (the settings table may move).

The code keeps one table of its settings, a module-level `DEFAULTS = {name: default}` (today settings.py; the
README and local.settings.example.json document the same names). Beyond that table the app reads a few settings
through libraries, and the Functions host reads its own; `PLATFORM_SETTINGS` lists those with where each is read.
"""

from __future__ import annotations

import ast
import json
import re
from functools import cache
from pathlib import Path

from tests.infra.bicep_ast import REPO

# Folders that are not the deployed app: tooling, tests and the local stand-ins (emulator, devhost) that must not
# share the app's settings.
# `mutants`: the work copy `make mutation` (mutmut) leaves in the checkout (git-ignored), not the app.
NOT_APP = {"tests", "emulator", "devhost", "bench", "infra", "docs", "examples", "scripts", "build", "mutants"}

PLATFORM_SETTINGS = {
    # azure-monitor-opentelemetry-exporter reads it to send telemetry with Entra ID (ClientId=...;Authorization=AAD)
    # when the component has local auth disabled; the Functions host reads it too (MicrosoftDocs/azure-docs
    # articles/azure-functions/functions-app-settings.md, APPLICATIONINSIGHTS_AUTHENTICATION_STRING).
    "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
    "APPLICATIONINSIGHTS_CONNECTION_STRING",
    # azure-identity ManagedIdentityCredential: which user-assigned identity the ARM calls use.
    "AZURE_CLIENT_ID",
    # The host's storage (AzureWebJobsStorage) through the identity; the Durable Functions Azure Storage provider
    # uses the same connection for its queues, tables and blobs, so each service needs its URI
    # (functions-reference.md, "Connecting to host storage with an identity"; the Flex quickstart template
    # Azure-Samples/functions-quickstart-python-http-azd infra/app/api.bicep sets these names).
    "AzureWebJobsStorage__credential",
    "AzureWebJobsStorage__clientId",
    "AzureWebJobsStorage__blobServiceUri",
    "AzureWebJobsStorage__queueServiceUri",
    "AzureWebJobsStorage__tableServiceUri",
}
HOST_JSON_SETTING = re.compile(r"%([A-Za-z0-9_]+)%")


def _app_sources() -> list[Path]:
    return [p for p in sorted(REPO.rglob("*.py"))
            if not ({part for part in p.relative_to(REPO).parts[:-1]} & NOT_APP or any(
                part.startswith(".") for part in p.relative_to(REPO).parts))]


def _defaults_in(path: Path) -> dict[str, str] | None:
    for node in ast.parse(path.read_text()).body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else getattr(
            node, "target", None)
        value = getattr(node, "value", None)
        if isinstance(target, ast.Name) and target.id == "DEFAULTS" and isinstance(value, ast.Dict):
            table = ast.literal_eval(value)
            if isinstance(table, dict) and all(isinstance(k, str) for k in table):
                return {str(k): str(v) for k, v in table.items()}
    return None


@cache
def settings_table() -> tuple[Path, dict[str, str]]:
    """(file, {name: default}) of the one module-level DEFAULTS table in the app's source."""
    found = [(p, t) for p in _app_sources() if (t := _defaults_in(p)) is not None]
    assert len(found) == 1, f"expected one DEFAULTS settings table in the app, found {[str(p) for p, _ in found]}"
    return found[0]


def code_settings() -> dict[str, str]:
    return settings_table()[1]


def host_json_settings() -> set[str]:
    """App settings host.json refers to as %NAME%."""
    return set(HOST_JSON_SETTING.findall(json.dumps(json.loads((REPO / "host.json").read_text()))))


def required_settings() -> set[str]:
    """Every app setting the deployed app needs set: the code's table, host.json references, platform settings."""
    return set(code_settings()) | host_json_settings() | PLATFORM_SETTINGS
