"""Azure Backup (Recovery Services) REST client for Azure VM restores; usable without Azure Functions."""

__version__ = "0.1.0"
