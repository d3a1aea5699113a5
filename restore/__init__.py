"""The restore domain: the public request, recovery point choice, restore bodies, orchestration payloads, settings.

Both the front doors (`triggers/`) and the runbook (`orchestrators/`, `activities/`) import it; it imports only the
ARM client (`azbackup/`), never Azure Functions.
"""
