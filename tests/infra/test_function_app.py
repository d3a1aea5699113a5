"""The Flex Consumption function app as azd and Durable Functions need it: only the site carries azd's service tag,
and the Durable task hub follows Microsoft's Flex Consumption recommendations."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from tests.infra.bicep_ast import (
    INFRA,
    REPO,
    BicepFile,
    bicep_files,
    body,
    declared_type,
    identifiers,
    module_params,
    module_target,
    param_default,
    parse,
    properties,
    string_value,
)

SERVICE_TAG = "azd-service-name"


def _resources_tagged(files: list[BicepFile], tag: str) -> list[str]:
    """Resources whose tags contain `tag`, directly or through a module parameter a caller fills with it."""
    tagged_params = {
        (module_target(f, m), name)
        for f in files for m in f.declarations("module_declaration")
        for name, value in module_params(f, m).items() if f"'{tag}'" in f.text(value)
    }
    found = []
    for bicep in files:
        for decl in bicep.declarations("resource_declaration"):
            tags = properties(bicep, body(decl).obj).get("tags")
            if tags is None:
                continue
            direct = f"'{tag}'" in bicep.text(tags)
            via = any((bicep.path.resolve(), p) in tagged_params for p in identifiers(bicep, tags))
            if direct or via:
                found.append(f"{bicep.path.name}:{bicep.text(decl.children[1])} ({declared_type(bicep, decl)})")
    return found


def test_only_the_function_app_site_is_tagged_with_the_azd_service_name():
    # azd deploys the service to the resource tagged azd-service-name: api and, before Azure/azure-dev#6674
    # (cli/azd/pkg/project/resource_manager.go, GetServiceResource), failed with "expecting only '1' resource tagged
    # with 'azd-service-name: api'" when the plan carried the tag as well. The official Flex template
    # (Azure-Samples/functions-quickstart-python-http-azd infra/app/api.bicep) tags the site only.
    tagged = _resources_tagged([parse(p) for p in bicep_files()], SERVICE_TAG)
    assert tagged == ["functionapp.bicep:app (Microsoft.Web/sites@2024-04-01)"]


def _site() -> tuple[BicepFile, dict]:
    module = parse(INFRA / "modules" / "functionapp.bicep")
    site = module.declaration("resource_declaration", "app")
    return module, properties(module, properties(module, body(site).obj)["properties"])


def _int_value(bicep: BicepFile, node, main: BicepFile, module_decl) -> int:
    """A literal int, or the default of the main.bicep parameter that feeds the module parameter `node` names."""
    if node.type == "number":
        return int(bicep.text(node))
    passed = module_params(main, module_decl)[bicep.text(node)]
    default = param_default(main, main.text(passed))
    assert default is not None, f"{main.text(passed)} has no default"
    return int(main.text(default))


def test_durable_functions_group_keeps_one_always_ready_instance():
    # MicrosoftDocs/azure-docs articles/azure-functions/durable/durable-functions-azure-storage-provider.md,
    # "Flex Consumption Plan": "Set the always ready instance count for the durable group to 1".
    module, site = _site()
    scale = properties(module, properties(module, site["functionAppConfig"])["scaleAndConcurrency"])
    groups = {string_value(module, properties(module, g)["name"]): properties(module, g)["instanceCount"]
              for g in scale["alwaysReady"].named_children}
    assert "durable" in groups
    main = parse(INFRA / "main.bicep")
    assert _int_value(module, groups["durable"], main, main.declaration("module_declaration", "functionApp")) >= 1
    mapped = json.loads((INFRA / "main.parameters.json").read_text())["parameters"].get(
        "durableAlwaysReadyInstanceCount")
    assert mapped is None or re.fullmatch(r"\$\{[A-Z_]+=1\}", mapped["value"])


def _timespan(text: str) -> timedelta:
    hours, minutes, seconds = (int(x) for x in text.split(":"))
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


def test_durable_queue_polling_interval_is_ten_seconds_or_less():
    # Same source: "Reduce the queue polling interval to 10 seconds or less" (the Azure Storage provider's
    # maxQueuePollingInterval, default 30 s, host.json durableTask/storageProvider).
    provider = json.loads((REPO / "host.json").read_text())["extensions"]["durableTask"]["storageProvider"]
    assert provider["type"] == "AzureStorage"
    assert timedelta(0) < _timespan(provider["maxQueuePollingInterval"]) <= timedelta(seconds=10)
