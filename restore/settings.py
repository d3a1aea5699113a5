"""App settings: the one place that reads environment variables (Azure app settings).

Every name here is documented in the README, set in `local.settings.example.json` and by `infra/`.
"""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from azbackup.config import ClientConfig
from restore.errors import InvalidSettingError
from restore.payloads import MAX_TIMER_SECONDS, JobPollMode
from restore.request import MAX_APPROVAL_TIMEOUT
from restore.tags import parse_tag_filter

# name -> default, in the order the README documents them. tests/unit/test_settings.py cross-checks this table
# against the README, local.settings.example.json and infra/.
DEFAULTS: dict[str, str] = {
    "ARM_ENDPOINT": "https://management.azure.com",
    "BACKUP_API_VERSION": "2026-02-01",
    "CRR_API_VERSION": "2023-01-15",
    "AZURE_CLIENT_ID": "",
    "ARM_TIMEOUT_SECONDS": "30",
    "ARM_MAX_ATTEMPTS": "4",
    "RETRY_AFTER_DEFAULT_SECONDS": "30",
    "RETRY_AFTER_MAX_SECONDS": "600",
    "JOB_POLL_INTERVAL_SECONDS": "60",
    "JOB_POLL_MODE": "adaptive",
    "JOB_POLL_MAX_INTERVAL_SECONDS": "900",
    "PLAN_ARM_READS_PER_MINUTE": "600",
    "RESTORE_TIMEOUT_HOURS": "48",
    "VALIDATE_BEFORE_RESTORE": "true",
    "RESTORE_ALLOWED_SCOPES": "",
    "INCIDENT_WEBHOOK_SECRET": "",
    "INCIDENT_DEFAULT_REQUEST": "{}",
    "INCIDENT_AAD_TENANT_ID": "",
    "INCIDENT_AAD_AUDIENCE": "",
    "INCIDENT_AAD_AUTHORITY": "https://login.microsoftonline.com",
    "EVENTGRID_RESTORE_EVENT_TYPE": "Contoso.Restore.Requested",
    "CALLBACK_ALLOW_INSECURE": "false",
    "APPLICATIONINSIGHTS_CONNECTION_STRING": "",
    "LOG_LEVEL": "INFO",
    "RESOURCE_GUARD_TENANT_ID": "",
    "DOCS_BASE_URL": "",
    "RESTORE_ON_DELETE": "off",
    "RESTORE_ON_DELETE_REQUEST": "{}",
    "RESTORE_ON_DELETE_TAGS": "",
    "APPROVAL_REQUIRED": "false",
    "APPROVAL_TIMEOUT": "PT2H",
    "EVENT_GRID_TOPIC_ENDPOINT": "",
    "EVENT_GRID_APPROVAL_EVENT_TYPE": "Contoso.Restore.ApprovalPending",
    "DRILLS": "",
    "DRILLS_FILE": "",
    "DRILL_FAILED_EVENT_TYPE": "Contoso.Restore.DrillFailed",
}


MAX_ARM_TIMEOUT_SECONDS = 300
MAX_RESTORE_TIMEOUT_HOURS = 30 * 24  # a month: far past any restore job; the run's history stays bounded
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_VALUE_ERROR_PREFIX = "Value error, "


class RestoreOnDelete(StrEnum):
    """What a `Microsoft.Resources.ResourceDeleteSuccess` event of a protected VM does."""

    OFF = "off"  # ignored (logged)
    PROPOSE = "propose"  # a restore as a new VM that waits for approval
    AUTO = "auto"  # the same restore, started at once (unless APPROVAL_REQUIRED)


class Settings(BaseModel):
    """Typed view of the app settings."""

    model_config = ConfigDict(frozen=True)

    arm_endpoint: str
    backup_api_version: str
    crr_api_version: str
    azure_client_id: str
    # One HTTP call to ARM; past 5 minutes a read is hung, not slow (and a worker stays blocked as long).
    arm_timeout_seconds: float = Field(gt=0, le=MAX_ARM_TIMEOUT_SECONDS)
    arm_max_attempts: int = Field(ge=1, le=10)
    # Each is a durable timer's length: capped well under the 6-day long-timer threshold (see MAX_TIMER_SECONDS).
    retry_after_default_seconds: int = Field(ge=1, le=MAX_TIMER_SECONDS)
    retry_after_max_seconds: int = Field(ge=1, le=MAX_TIMER_SECONDS)
    job_poll_interval_seconds: int = Field(ge=1, le=MAX_TIMER_SECONDS)
    job_poll_mode: JobPollMode
    job_poll_max_interval_seconds: int = Field(ge=1, le=MAX_TIMER_SECONDS)
    plan_arm_reads_per_minute: int = Field(ge=1, le=100_000)
    restore_timeout_hours: float = Field(gt=0, le=MAX_RESTORE_TIMEOUT_HOURS)
    validate_before_restore: bool
    restore_allowed_scopes: tuple[str, ...]
    incident_webhook_secret: str = Field(repr=False)
    incident_default_request: dict[str, Any]
    incident_aad_tenant_id: str
    incident_aad_audience: tuple[str, ...]
    incident_aad_authority: str
    eventgrid_restore_event_type: str
    callback_allow_insecure: bool
    applicationinsights_connection_string: str = Field(repr=False)
    log_level: str
    resource_guard_tenant_id: str
    docs_base_url: str
    restore_on_delete: RestoreOnDelete
    restore_on_delete_request: dict[str, Any]
    restore_on_delete_tags: dict[str, str | None]
    approval_required: bool
    approval_timeout: timedelta
    event_grid_topic_endpoint: str
    event_grid_approval_event_type: str = Field(min_length=1, max_length=256, pattern=r"^[A-Za-z0-9._-]+$")

    @field_validator("event_grid_topic_endpoint")
    @classmethod
    def _topic_endpoint(cls, value: str) -> str:
        value = value.strip()
        if value and topic_endpoint_problem(value):
            raise ValueError(topic_endpoint_problem(value))
        return value

    # Read as text and validated when a drill is used (restore/drills.py `load_drills`), never here: a bad drill
    # document must not stop the restores.
    drills: str
    drills_file: str
    # CloudEvents `type` of a failed drill run's event, sent to EVENT_GRID_TOPIC_ENDPOINT (activities/events.py).
    drill_failed_event_type: str = Field(min_length=1, max_length=256, pattern=r"^[A-Za-z0-9._-]+$")

    @field_validator("approval_timeout")
    @classmethod
    def _approval_timeout(cls, value: timedelta) -> timedelta:
        if not timedelta(minutes=1) <= value <= MAX_APPROVAL_TIMEOUT:
            raise ValueError("must be an ISO-8601 duration from PT1M to P1D")
        return value

    @field_validator("incident_aad_tenant_id")
    @classmethod
    def _tenant(cls, value: str) -> str:
        # A tenant ID, never `common`/`organizations`: the issuer names one tenant (triggers/entra.py).
        if value and not _GUID.match(value):
            raise ValueError("must be a tenant ID (a GUID) or empty")
        return value.lower()

    @field_validator("incident_aad_audience", mode="before")
    @classmethod
    def _audiences(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(a.strip() for a in value.split(",") if a.strip())
        return value

    @field_validator("incident_aad_authority")
    @classmethod
    def _authority(cls, value: str) -> str:
        if not is_authority_url(value):
            raise ValueError("must be an https URL (http only on a loopback host, for local tests)")
        return value.rstrip("/")

    @field_validator("incident_aad_audience")
    @classmethod
    def _audience_with_tenant(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        if bool(value) != bool(info.data.get("incident_aad_tenant_id", True)):
            raise ValueError("set together with INCIDENT_AAD_TENANT_ID, or both empty")
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        if value.upper() not in _LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(_LOG_LEVELS)}")
        return value.upper()

    @field_validator("docs_base_url")
    @classmethod
    def _docs_url(cls, value: str) -> str:
        if value and not is_docs_base_url(value):
            raise ValueError("must be an absolute http(s) or file URL (or empty)")
        return value.rstrip("/")

    @field_validator("arm_endpoint")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("restore_allowed_scopes", mode="before")
    @classmethod
    def _split_scopes(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(s.strip().rstrip("/") for s in value.split(",") if s.strip())
        return value

    @field_validator("restore_on_delete", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("restore_on_delete_tags", mode="before")
    @classmethod
    def _tags(cls, value: Any) -> Any:
        return parse_tag_filter(value) if isinstance(value, str) else value

    @field_validator("incident_default_request", "restore_on_delete_request", mode="before")
    @classmethod
    def _parse_json(cls, value: Any) -> Any:
        return json.loads(value or "{}") if isinstance(value, str) else value

    def client_config(self) -> ClientConfig:
        """The ARM client configuration these settings describe."""
        return ClientConfig(
            arm_endpoint=self.arm_endpoint,
            api_version=self.backup_api_version,
            crr_api_version=self.crr_api_version,
            timeout=self.arm_timeout_seconds,
            max_attempts=self.arm_max_attempts,
            retry_after_default=self.retry_after_default_seconds,
            retry_after_max=self.retry_after_max_seconds,
            managed_identity_client_id=self.azure_client_id or None,
        )


def is_authority_url(value: str) -> bool:
    """An Entra authority host: https, or http on loopback (the local key server of the tests)."""
    parsed = urlsplit(value.strip())
    if parsed.scheme == "https" and parsed.hostname:
        return not parsed.query and not parsed.fragment and value.isascii() and value.isprintable()
    return parsed.scheme == "http" and parsed.hostname in ("127.0.0.1", "localhost", "::1")


def topic_endpoint_problem(value: str) -> str:
    """Why `value` cannot be an Event Grid topic endpoint ("" when it can): https with a host, no query or
    credentials (the Entra token goes there); plain http only to a loopback address (the local emulator)."""
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "must be an absolute https URL (the topic's endpoint, ending /api/events)"
    if parts.username or parts.password or parts.query or parts.fragment:
        return "must not carry credentials, a query or a fragment"
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK_HOSTS:
        return "must be https (plain http only to a loopback address)"
    return ""


def public_base_url(env: dict[str, str] | None = None) -> str:
    """The app's own base URL, from `WEBSITE_HOSTNAME` (set by App Service / Functions to the default host name;
    the local host sets it too), or "" when unknown. https, except for a loopback host (the local host)."""
    host = (os.environ if env is None else env).get("WEBSITE_HOSTNAME", "").strip().rstrip("/")
    if not host or not host.isprintable() or any(c in host for c in " /?#@"):
        return ""
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return f"{'http' if name in _LOOPBACK_HOSTS else 'https'}://{host}"


def is_docs_base_url(value: str) -> bool:
    scheme, _, rest = value.partition("://")
    return scheme in ("https", "http", "file") and bool(rest) and value.isprintable() and " " not in value


def docs_base_url(env: dict[str, str] | None = None) -> str:
    """`DOCS_BASE_URL` without a trailing slash, or "" when unset or unusable. Read on its own, never raising: the
    problem documents that report bad settings need it too."""
    value = (os.environ if env is None else env).get("DOCS_BASE_URL", "").strip()
    return value.rstrip("/") if is_docs_base_url(value) else ""


def read_settings(env: dict[str, str] | None = None) -> Settings:
    """Build settings from `env` (default: the process environment), defaults filled in.

    Raises:
        InvalidSettingError: naming every setting whose value cannot be used, and why (never the value).
    """
    source = os.environ if env is None else env
    values = {name.lower(): source.get(name, default) for name, default in DEFAULTS.items()}
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        problems = {str(err["loc"][0]).upper(): str(err["msg"]).removeprefix(_VALUE_ERROR_PREFIX)
                    for err in exc.errors(include_url=False, include_input=False)}
        raise InvalidSettingError(problems) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read when first needed (never at import: a bad value must not stop indexing).

    Raises:
        InvalidSettingError: see `read_settings`; not cached, so every caller that needs settings reports it.
    """
    return read_settings()
