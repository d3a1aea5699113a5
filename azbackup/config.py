"""Configuration of the ARM client: endpoint, API versions, timeouts and Retry-After bounds."""

from __future__ import annotations

from dataclasses import dataclass

from azbackup import __version__


@dataclass(frozen=True)
class ClientConfig:
    """Where and how the client talks to Azure Resource Manager."""

    arm_endpoint: str = "https://management.azure.com"
    api_version: str = "2026-02-01"
    crr_api_version: str = "2023-01-15"
    timeout: float = 30.0
    max_attempts: int = 4
    retry_after_default: int = 30
    retry_after_max: int = 600
    user_agent: str = f"vm-restore-orchestrator/{__version__}"
    # Client ID of a user-assigned managed identity (AZURE_CLIENT_ID); None = DefaultAzureCredential defaults.
    managed_identity_client_id: str | None = None

    @property
    def token_scope(self) -> str:
        """The OAuth scope for ARM tokens in this cloud."""
        return f"{self.arm_endpoint.rstrip('/')}/.default"
