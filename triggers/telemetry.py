"""Logging for the front doors: every record carries `restore_id`; Application Insights when configured.

`function_app.py` calls `configure()` once for the whole app (never a trigger module at import). When
`APPLICATIONINSIGHTS_CONNECTION_STRING` is set, it hands logs, traces and metrics (`restore/metrics.py`) to the Azure
Monitor OpenTelemetry distro (`configure_azure_monitor`, which also sets the global meter provider); otherwise logging
stays with the Functions host and the metrics are no-ops.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from restore.errors import InvalidSettingError
from restore.settings import get_settings

restore_id_var: ContextVar[str | None] = ContextVar("restore_id", default=None)
_state = {"configured": False}
NO_RESTORE = "-"


class RestoreIdFilter(logging.Filter):
    """Adds `restore_id` (from `extra`, else the current context, else "-") to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "restore_id", None):
            record.restore_id = restore_id_var.get() or NO_RESTORE
        return True


_FILTER = RestoreIdFilter()


def get_logger(name: str) -> logging.Logger:
    """The module's logger, with the restore ID filter attached once."""
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger


@contextmanager
def restore_context(restore_id: str | None) -> Iterator[None]:
    """Log lines inside the block carry `restore_id` unless they name another."""
    token = restore_id_var.set(restore_id)
    try:
        yield
    finally:
        restore_id_var.reset(token)


APP_LOGGERS = ("triggers", "orchestrators", "activities", "restore", "azbackup")
# The Azure SDK's own HTTP logging repeats what azbackup logs per call (and the identity endpoint's URLs).
QUIET_LOGGERS = ("azure.core.pipeline.policies.http_logging_policy", "azure.identity", "azure.monitor")


def configure_levels() -> None:
    """Apply LOG_LEVEL to the app's loggers and keep the Azure SDK's request logging at WARNING."""
    level = get_settings().log_level.upper()
    for name in APP_LOGGERS:
        logging.getLogger(name).setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def configure() -> bool:
    """Send logs, traces and metrics to Application Insights when a connection string is set; True if it did (once)."""
    if _state["configured"]:
        return True
    try:
        configure_levels()
        connection_string = get_settings().applicationinsights_connection_string
    except InvalidSettingError as exc:  # never fail the import of function_app: the functions must still index
        get_logger(__name__).error("settings.invalid", extra={"settings": list(exc.names), "reason": exc.message})
        return False
    if not connection_string:
        return False
    from azure.monitor.opentelemetry import configure_azure_monitor  # heavy import, only when used

    configure_azure_monitor(connection_string=connection_string, enable_live_metrics=False)
    _state["configured"] = True
    return True
