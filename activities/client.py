"""The cached ARM client of the activities, built from the app settings (tests clear `backup_client.cache_clear`)."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from azbackup.client import BackupClient
from azbackup.identity import record_answer
from restore.settings import Settings, get_settings


def make_credential(settings: Settings) -> Any:
    """Managed identity when the platform provides one (or a client ID is set), else `DefaultAzureCredential`."""
    from azure.identity import DefaultAzureCredential, ManagedIdentityCredential

    # IDENTITY_ENDPOINT is set by App Service/Functions (and by `make run` to the emulator); azure-identity reads it.
    # The hook lets the client tell a throttled identity endpoint (retry later) from a refusal (azbackup.identity).
    if os.environ.get("IDENTITY_ENDPOINT") or settings.azure_client_id:
        return ManagedIdentityCredential(client_id=settings.azure_client_id or None, raw_response_hook=record_answer)
    return DefaultAzureCredential(raw_response_hook=record_answer)


@lru_cache(maxsize=1)
def backup_client() -> BackupClient:
    """The process's Azure Backup client."""
    settings = get_settings()
    return BackupClient(settings.client_config(), credential=make_credential(settings))
