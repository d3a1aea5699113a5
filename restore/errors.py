"""Errors of the restore domain: a restore cannot go on as asked. A sibling of the ARM client's tree.

```
azbackup.errors.BackupError          anything the client or the restore steps raise on purpose (see azbackup/errors.py)
└── RestoreError                     the restore cannot go on as asked                       (terminal)
    ├── NotProtectedError            the VM has no backup item                               VmNotProtected
    ├── NoRecoveryPointError         no recovery point fits the request; lists what was found NoMatchingRecoveryPoint
    └── CallbackRefusedError         the callback URL is not allowed (checked again on send) CallbackUrlRefused
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


class CallbackRefusedError(RestoreError):
    """The callback URL is not allowed (checked again before sending: defence in depth)."""

    default_code = "CallbackUrlRefused"
