"""The settings module: defaults, parsing, and that every setting is documented where users look."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from restore import settings
from restore.errors import InvalidSettingError
from restore.payloads import MAX_TIMER_SECONDS

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_apply_when_environment_is_empty() -> None:
    s = settings.read_settings({})
    assert s.arm_endpoint == "https://management.azure.com"
    assert s.backup_api_version == "2026-02-01"
    assert s.crr_api_version == "2023-01-15"
    assert s.validate_before_restore is True
    assert s.restore_allowed_scopes == ()


def test_scopes_are_split_and_trailing_slashes_removed() -> None:
    s = settings.read_settings({"RESTORE_ALLOWED_SCOPES": " /subscriptions/a/ , /subscriptions/b/resourceGroups/rg,,"})
    assert s.restore_allowed_scopes == ("/subscriptions/a", "/subscriptions/b/resourceGroups/rg")


def test_client_config_carries_endpoint_versions_and_retry_bounds() -> None:
    s = settings.read_settings({"ARM_ENDPOINT": "http://127.0.0.1:7072/", "BACKUP_API_VERSION": "2019-05-13",
                                "RETRY_AFTER_MAX_SECONDS": "120"})
    cfg = s.client_config()
    assert cfg.arm_endpoint == "http://127.0.0.1:7072"
    assert cfg.api_version == "2019-05-13"
    assert cfg.retry_after_max == 120
    assert cfg.token_scope == "http://127.0.0.1:7072/.default"


def test_invalid_number_is_rejected_with_the_setting_name() -> None:
    with pytest.raises(InvalidSettingError) as err:
        settings.read_settings({"ARM_MAX_ATTEMPTS": "zero"})
    assert err.value.names == ("ARM_MAX_ATTEMPTS",) and "ARM_MAX_ATTEMPTS" in str(err.value)
    assert err.value.code == "InvalidAppSetting" and "zero" not in str(err.value)


def test_every_bad_setting_is_named_and_no_value_is_echoed() -> None:
    with pytest.raises(InvalidSettingError) as err:
        settings.read_settings({"LOG_LEVEL": "LOUD", "INCIDENT_DEFAULT_REQUEST": "{not json",
                                "RESTORE_TIMEOUT_HOURS": "-1", "INCIDENT_WEBHOOK_SECRET": "s3cr3t-value"})
    assert set(err.value.names) == {"LOG_LEVEL", "INCIDENT_DEFAULT_REQUEST", "RESTORE_TIMEOUT_HOURS"}
    assert "LOUD" not in str(err.value) and "s3cr3t" not in str(err.value)
    assert settings.read_settings({"LOG_LEVEL": "debug"}).log_level == "DEBUG"


def test_secrets_do_not_appear_in_repr() -> None:
    s = settings.read_settings({"INCIDENT_WEBHOOK_SECRET": "s3cr3t-value"})
    assert "s3cr3t-value" not in repr(s)


def test_every_setting_is_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", readme, flags=re.MULTILINE))
    assert set(settings.DEFAULTS) <= documented


def test_every_setting_is_in_local_settings_example_with_its_default() -> None:
    values = json.loads((ROOT / "local.settings.example.json").read_text())["Values"]
    missing = set(settings.DEFAULTS) - set(values)
    assert not missing
    assert values["ARM_ENDPOINT"] == settings.DEFAULTS["ARM_ENDPOINT"]


def test_job_poll_mode_is_adaptive_by_default_and_only_adaptive_or_fixed() -> None:
    assert settings.read_settings({}).job_poll_mode == "adaptive"
    assert settings.read_settings({"JOB_POLL_MODE": "fixed"}).job_poll_mode == "fixed"
    with pytest.raises(InvalidSettingError) as err:
        settings.read_settings({"JOB_POLL_MODE": "sometimes"})
    assert err.value.names == ("JOB_POLL_MODE",)


@pytest.mark.parametrize("name", ["RETRY_AFTER_DEFAULT_SECONDS", "RETRY_AFTER_MAX_SECONDS",
                                  "JOB_POLL_INTERVAL_SECONDS", "JOB_POLL_MAX_INTERVAL_SECONDS"])
def test_timer_settings_are_capped_well_under_the_six_day_long_timer_threshold(name: str) -> None:
    assert MAX_TIMER_SECONDS == 86_400 < 6 * 86_400
    accepted = settings.read_settings({name: str(MAX_TIMER_SECONDS)})
    assert getattr(accepted, name.lower()) == MAX_TIMER_SECONDS
    with pytest.raises(InvalidSettingError) as err:
        settings.read_settings({name: str(MAX_TIMER_SECONDS + 1)})
    assert err.value.names == (name,) and "86400" in str(err.value)


def test_a_bad_docs_base_url_is_an_invalid_setting_named_without_its_value() -> None:
    with pytest.raises(InvalidSettingError) as err:
        settings.read_settings({"DOCS_BASE_URL": "javascript:alert(1)"})
    assert err.value.names == ("DOCS_BASE_URL",) and "alert" not in str(err.value)
    assert settings.read_settings({"DOCS_BASE_URL": "https://x.example/r/"}).docs_base_url == "https://x.example/r"


@pytest.mark.parametrize(("name", "too_long", "longest"), [("ARM_TIMEOUT_SECONDS", "301", "300"),
                                                          ("RESTORE_TIMEOUT_HOURS", "721", "720"),
                                                          ("APPROVAL_TIMEOUT", "P1DT1S", "P1D")])
def test_every_duration_setting_is_bounded(name: str, too_long: str, longest: str) -> None:
    with pytest.raises(InvalidSettingError) as err:
        settings.read_settings({name: too_long})
    assert err.value.names == (name,)
    settings.read_settings({name: longest})
