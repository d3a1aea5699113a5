"""A Flex Consumption site carries no site property and no app setting that Flex Consumption rejects or
deprecates, wherever it is set: the site, its siteConfig, a sites/config resource, or an override parameter."""

from __future__ import annotations

import pytest

from tests.infra.bicep_ast import INFRA, bicep_files, parse
from tests.infra.flex_rules import (
    deprecated_settings,
    flex_setting_names,
    flex_sites,
    parameter_file_overrides,
    site_property_problems,
)


def _infra():
    return [parse(p) for p in bicep_files()]


def test_infra_has_one_flex_consumption_site():
    assert [s.name for f in _infra() for s in flex_sites(f)] == ["app"]


def test_flex_site_sets_no_site_property_flex_rejects_or_deprecates():
    assert [p for f in _infra() for p in site_property_problems(f)] == []


def test_flex_site_gets_no_app_setting_flex_deprecates():
    names = flex_setting_names(_infra())
    assert len(names) == 1
    (settings,) = names.values()
    assert "APPLICATIONINSIGHTS_CONNECTION_STRING" in settings
    assert deprecated_settings(settings) == []


def test_parameters_file_overrides_no_app_setting_flex_deprecates():
    overrides = parameter_file_overrides(INFRA / "main.parameters.json", "appSettingOverrides")
    assert deprecated_settings(overrides) == []


FLEX_SITE = """
resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'p'
  location: 'l'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
}
resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: 'a'
  location: 'l'
  properties: {
    serverFarmId: plan.id
    siteConfig: {
      AlwaysOn: false
      appSettings: [for s in items(appSettings): {
        name: s.key
        value: s.value
      }]
    }
  }
}
resource web 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'web'
  properties: {
    use32BitWorkerProcess: false
  }
}
resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'appsettings'
  properties: {
    WEBSITE_TIME_ZONE: 'UTC'
  }
}
"""


def _probe(tmp_path):
    (tmp_path / "site.bicep").write_text("param appSettings object\n" + FLEX_SITE)
    (tmp_path / "main.bicep").write_text(
        "param appSettingOverrides object = {\n  FUNCTIONS_WORKER_RUNTIME: 'python'\n}\n"
        "var appSettings = union({\n  LOG_LEVEL: 'INFO'\n}, appSettingOverrides)\n"
        "module site 'site.bicep' = {\n  name: 's'\n  params: {\n    appSettings: appSettings\n  }\n}\n")
    return [parse(tmp_path / "main.bicep"), parse(tmp_path / "site.bicep")]


def test_checker_finds_deprecated_site_properties_in_site_config_and_config_resources(tmp_path):
    files = _probe(tmp_path)
    problems = site_property_problems(files[1])
    assert [p.split(": ", 1)[1].split(":")[0] for p in problems] == [
        "app properties.siteConfig.AlwaysOn", "app config 'web'.use32BitWorkerProcess"]


def test_checker_follows_app_settings_through_modules_overrides_and_config_resources(tmp_path):
    names = flex_setting_names(_probe(tmp_path))
    assert names == {"site.bicep:app": {"LOG_LEVEL", "FUNCTIONS_WORKER_RUNTIME", "WEBSITE_TIME_ZONE"}}
    assert [p.split(":")[0] for p in deprecated_settings(names["site.bicep:app"])] == [
        "FUNCTIONS_WORKER_RUNTIME", "WEBSITE_TIME_ZONE"]


def test_checker_refuses_app_settings_it_cannot_read(tmp_path):
    (tmp_path / "site.bicep").write_text(FLEX_SITE.replace("items(appSettings)", "items(json(raw))"))
    with pytest.raises(AssertionError, match=r"json\(raw\)"):
        flex_setting_names([parse(tmp_path / "site.bicep")])
