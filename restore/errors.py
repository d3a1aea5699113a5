"""Errors of the restore domain: a restore cannot go on as asked. A sibling of the ARM client's tree.

```
azbackup.errors.BackupError          anything the client or the restore steps raise on purpose (see azbackup/errors.py)
├── RestoreError                     the restore cannot go on as asked                       (terminal)
│   ├── NotProtectedError            the VM has no backup item                               VmNotProtected
│   ├── NoRecoveryPointError         no recovery point fits the request; lists what was found NoMatchingRecoveryPoint
│   ├── ForeignRecoveryPointError    a full recoveryPointId names another item's point       RecoveryPointNotOfItem
│   ├── CallbackRefusedError         the callback URL is not allowed (checked again on send) CallbackUrlRefused
│   └── DrillScopeError              a drill delete outside the drill's target group          DrillScopeRefused
└── InvalidSettingError              an app setting has a value the app cannot use; names it  InvalidAppSetting
```

They derive from `BackupError`, so an activity returns them as `ErrorInfo` data (`to_info()`) like an ARM error,
with the code in the right column.
"""

from __future__ import annotations

from azbackup.errors import BackupError


class RestoreError(BackupError):
    """Base of the restore domain's errors: the request cannot be carried out as asked."""

    default_code = "RestoreRefused"


class NotProtectedError(RestoreError):
    """The VM has no backup item (Azure Backup does not protect it)."""

    default_code = "VmNotProtected"


class NoRecoveryPointError(RestoreError):
    """No recovery point fits the request; the message lists what was found."""

    default_code = "NoMatchingRecoveryPoint"


class ForeignRecoveryPointError(RestoreError):
    """A full `recoveryPointId` is not a point of the resolved item (subscription, vault, container, item)."""

    default_code = "RecoveryPointNotOfItem"


class InvalidSettingError(BackupError):
    """App settings with values the app cannot use; `names` are the settings (environment variable names)."""

    default_code = "InvalidAppSetting"

    def __init__(self, problems: dict[str, str]) -> None:
        # Only names and reasons: a value may be a secret (INCIDENT_WEBHOOK_SECRET, a connection string).
        super().__init__("invalid app settings: " + "; ".join(f"{name}: {why}" for name, why in problems.items()))
        self.names = tuple(problems)


class CallbackRefusedError(RestoreError):
    """The callback URL is not allowed (checked again before sending: defence in depth)."""

    default_code = "CallbackUrlRefused"


class DrillScopeError(RestoreError):
    """A drill cleanup was asked to delete outside the drill's target resource group (refused, nothing sent)."""

    default_code = "DrillScopeRefused"
