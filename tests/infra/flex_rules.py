"""Flex Consumption rules: site properties and app settings that a Flex Consumption function app must not carry.

Source: MicrosoftDocs/azure-docs articles/azure-functions/functions-app-settings.md, "Flex Consumption plan
deprecations" ("these site properties and application settings are deprecated and shouldn't be used when creating
function app resources"), read at xtqqczze/MicrosoftDocs-azure-docs@025a55b670db7e1ae73598bfa2bb206c1a60a690 (a
mirror of MicrosoftDocs/azure-docs, ms.date 07/11/2025), and articles/azure-functions/flex-consumption-plan.md,
"Considerations" (time zones and certificates). ARM rejects some of them outright (a deployment with
`siteConfig.ftpsState` fails naming `Site.SiteConfig.FtpsState`); the rest are ignored or break the app, so all
are refused here. Names are compared case-insensitively, as ARM compares them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import tree_sitter

from tests.infra.bicep_ast import (
    BicepFile,
    body,
    declared_type,
    module_params,
    module_target,
    param_default,
    properties,
    string_value,
    walk,
)

# "Flex Consumption plan deprecations": the app settings, with the doc's reason.
DEPRECATED_SETTINGS = {
    "ENABLE_ORYX_BUILD": "replaced by the remoteBuild parameter when deploying",
    "FUNCTIONS_EXTENSION_VERSION": "set by the backend",
    "FUNCTIONS_WORKER_RUNTIME": "replaced by properties.functionAppConfig.runtime.name",
    "FUNCTIONS_WORKER_RUNTIME_VERSION": "replaced by properties.functionAppConfig.runtime.version",
    "FUNCTIONS_MAX_HTTP_CONCURRENCY": "replaced by scaleAndConcurrency's trigger section",
    "FUNCTIONS_WORKER_PROCESS_COUNT": "not valid",
    "FUNCTIONS_WORKER_DYNAMIC_CONCURRENCY_ENABLED": "not valid",
    "SCM_DO_BUILD_DURING_DEPLOYMENT": "replaced by the remoteBuild parameter when deploying",
    "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING": "replaced by functionAppConfig's deployment section",
    "WEBSITE_CONTENTOVERVNET": "not used for networking in Flex Consumption",
    "WEBSITE_CONTENTSHARE": "replaced by functionAppConfig's deployment section",
    "WEBSITE_DNS_SERVER": "DNS is inherited from the integrated virtual network",
    "WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT": "replaced by scaleAndConcurrency.maximumInstanceCount",
    "WEBSITE_NODE_DEFAULT_VERSION": "replaced by properties.functionAppConfig.runtime.version",
    "WEBSITE_RUN_FROM_PACKAGE": "not used for deployments in Flex Consumption",
    "WEBSITE_SKIP_CONTENTSHARE_VALIDATION": "content share isn't used in Flex Consumption",
    "WEBSITE_VNET_ROUTE_ALL": "not used for networking in Flex Consumption",
    # flex-consumption-plan.md, Considerations.
    "WEBSITE_TIME_ZONE": "time zones aren't supported on Flex Consumption",
    "TZ": "time zones aren't supported on Flex Consumption",
    "WEBSITE_LOAD_CERTIFICATES": "certificate loading isn't supported on Flex Consumption",
}

# "Flex Consumption plan deprecations": the site properties. The table names them `properties.X` (and
# `properties.siteConfig.X`); ARM places most in siteConfig, some on the site, so both levels are checked.
DEPRECATED_SITE_PROPERTIES = {
    "alwaysOn": "not valid",
    "containerSize": "renamed as functionAppConfig.scaleAndConcurrency.instanceMemoryMB",
    "ftpsState": "FTPS not supported",
    "isReserved": "not valid",
    "isXenon": "not valid",
    "javaVersion": "replaced by properties.functionAppConfig.runtime.version",
    "linuxFxVersion": "replaced by properties.functionAppConfig.runtime",
    "netFrameworkVersion": "replaced by properties.functionAppConfig.runtime.version",
    "powerShellVersion": "replaced by properties.functionAppConfig.runtime.version",
    "functionAppScaleLimit": "renamed as maximumInstanceCount",
    "preWarmedInstanceCount": "renamed as alwaysReady instances",
    "use32BitWorkerProcess": "32-bit not supported",
    "vnetBackupRestoreEnabled": "not used for networking in Flex Consumption",
    "vnetContentShareEnabled": "not used for networking in Flex Consumption",
    "vnetImagePullEnabled": "not used for networking in Flex Consumption",
    "vnetRouteAllEnabled": "not used for networking in Flex Consumption",
    "windowsFxVersion": "not valid",
}

SITES = "microsoft.web/sites@"
SITE_CONFIG = "microsoft.web/sites/config@"
PLANS = "microsoft.web/serverfarms@"


def _lower(table: dict[str, str]) -> dict[str, tuple[str, str]]:
    return {k.lower(): (k, why) for k, why in table.items()}


@dataclass(frozen=True)
class Site:
    file: BicepFile
    decl: tree_sitter.Node

    @property
    def name(self) -> str:
        return self.file.text(self.decl.children[1])

    @property
    def props(self) -> dict[str, tree_sitter.Node]:
        node = properties(self.file, body(self.decl).obj).get("properties")
        return {} if node is None or node.type != "object" else properties(self.file, node)


def _resources(bicep: BicepFile, prefix: str) -> list[tree_sitter.Node]:
    return [d for d in bicep.declarations("resource_declaration") if declared_type(bicep, d).lower().startswith(prefix)]


def _is_flex_plan(bicep: BicepFile, decl: tree_sitter.Node) -> bool:
    sku = properties(bicep, body(decl).obj).get("sku")
    if sku is None or sku.type != "object":
        return False
    values = {k: string_value(bicep, v) for k, v in properties(bicep, sku).items()}
    return values.get("tier") == "FlexConsumption" or values.get("name") == "FC1"


def flex_sites(bicep: BicepFile) -> list[Site]:
    """Sites on a Flex Consumption plan of the same file, or carrying functionAppConfig (Flex only)."""
    plans = {bicep.text(d.children[1]) for d in _resources(bicep, PLANS) if _is_flex_plan(bicep, d)}
    found = []
    for decl in _resources(bicep, SITES):
        site = Site(bicep, decl)
        farm = site.props.get("serverFarmId")
        on_flex_plan = farm is not None and bool({bicep.text(n) for n in walk(farm) if n.type == "identifier"} & plans)
        if on_flex_plan or "functionAppConfig" in site.props:
            found.append(site)
    return found


def _config_resources(site: Site, config_name: str) -> list[tree_sitter.Node]:
    """`Microsoft.Web/sites/config` children of `site` named `config_name` (web, appsettings)."""
    found = []
    for decl in _resources(site.file, SITE_CONFIG):
        props = properties(site.file, body(decl).obj)
        parent, name = props.get("parent"), props.get("name")
        if parent is not None and name is not None and site.file.text(parent) == site.name and string_value(
                site.file, name) == config_name:
            inner = props.get("properties")
            if inner is not None and inner.type == "object":
                found.append(inner)
    return found


def site_property_problems(bicep: BicepFile) -> list[str]:
    """Deprecated site / site-config properties set on a Flex site, in siteConfig or a sites/config 'web'."""
    table = _lower(DEPRECATED_SITE_PROPERTIES)
    problems = []
    for site in flex_sites(bicep):
        objects: list[tuple[str, dict[str, tree_sitter.Node]]] = [("properties", site.props)]
        config = site.props.get("siteConfig")
        if config is not None and config.type == "object":
            objects.append(("properties.siteConfig", properties(bicep, config)))
        objects += [("config 'web'", properties(bicep, c)) for c in _config_resources(site, "web")]
        for where, props in objects:
            for key, node in props.items():
                if key.lower() in table:
                    name, why = table[key.lower()]
                    problems.append(f"{bicep.path.name}:{node.start_point.row + 1}: {site.name} {where}.{key}: "
                                    f"Flex Consumption deprecates {name} ({why})")
    return problems


@dataclass
class SettingNames:
    """App setting names a Flex site receives, followed through variables, parameters and module calls."""

    files: list[BicepFile]
    unresolved: list[str]

    def callers(self, target: BicepFile) -> Iterable[tuple[BicepFile, tree_sitter.Node]]:
        for bicep in self.files:
            for decl in bicep.declarations("module_declaration"):
                if module_target(bicep, decl) == target.path.resolve():
                    yield bicep, decl

    def keys(self, bicep: BicepFile, node: tree_sitter.Node) -> set[str]:
        if node.type == "object":
            return set(properties(bicep, node))
        if node.type == "call_expression" and bicep.text(node.child_by_field_name("function")) == "union":
            return {k for arg in node.child_by_field_name("arguments").named_children for k in self.keys(bicep, arg)}
        if node.type == "identifier":
            return self.identifier_keys(bicep, bicep.text(node))
        if node.type == "ternary_expression":  # `cond ? {...} : {...}`: a site may get either branch's settings
            return {k for branch in node.named_children[1:] for k in self.keys(bicep, branch)}
        self.unresolved.append(f"{bicep.path.name}:{node.start_point.row + 1}: {bicep.text(node)[:60]}")
        return set()

    def identifier_keys(self, bicep: BicepFile, name: str) -> set[str]:
        var = bicep.declaration("variable_declaration", name)
        if var is not None:
            return self.keys(bicep, var.children[-1])
        if bicep.declaration("parameter_declaration", name) is None:
            self.unresolved.append(f"{bicep.path.name}: {name} is neither a variable nor a parameter")
            return set()
        found = set()
        default = param_default(bicep, name)
        if default is not None:
            found |= self.keys(bicep, default)
        for caller, decl in self.callers(bicep):
            value = module_params(caller, decl).get(name)
            if value is not None:
                found |= self.keys(caller, value)
        return found

    def of_site(self, site: Site) -> set[str]:
        names: set[str] = set()
        config = site.props.get("siteConfig")
        settings = None if config is None or config.type != "object" else properties(site.file, config).get(
            "appSettings")
        if settings is not None:
            names |= self.of_array(site.file, settings)
        for config_object in _config_resources(site, "appsettings"):
            names |= set(properties(site.file, config_object))
        return names

    def of_array(self, bicep: BicepFile, node: tree_sitter.Node) -> set[str]:
        if node.type == "array":
            return {string_value(bicep, properties(bicep, item)["name"]) or "?" for item in node.named_children
                    if item.type == "object" and "name" in properties(bicep, item)}
        if node.type == "for_statement":
            iterable = next(c for c in node.named_children if c.type == "call_expression")
            if bicep.text(iterable.child_by_field_name("function")) == "items":
                return self.keys(bicep, iterable.child_by_field_name("arguments").named_children[0])
        self.unresolved.append(f"{bicep.path.name}:{node.start_point.row + 1}: {bicep.text(node)[:60]}")
        return set()


def flex_setting_names(files: list[BicepFile]) -> dict[str, set[str]]:
    """Flex site (file:symbol) -> every app setting name it is given; raises when a source cannot be read."""
    resolver = SettingNames(files, [])
    found = {f"{s.file.path.name}:{s.name}": resolver.of_site(s) for f in files for s in flex_sites(f)}
    if resolver.unresolved:
        raise AssertionError(f"app settings built from expressions the check cannot read: {resolver.unresolved}")
    return found


def deprecated_settings(names: Iterable[str]) -> list[str]:
    table = _lower(DEPRECATED_SETTINGS)
    return [f"{n}: Flex Consumption deprecates it ({table[n.lower()][1]})" for n in sorted(names) if n.lower() in table]


def parameter_file_overrides(path: Path, parameter: str) -> set[str]:
    """Setting names a parameters file passes in an object parameter (for example appSettingOverrides)."""
    value = json.loads(path.read_text())["parameters"].get(parameter, {}).get("value", {})
    return set(value) if isinstance(value, dict) else set()
