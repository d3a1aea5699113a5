"""The restore domain's errors: one tree under the client's `BackupError`, returned by activities as data."""

from __future__ import annotations

import pytest

from azbackup.errors import BackupError
from restore.errors import CallbackRefusedError, NoRecoveryPointError, NotProtectedError, RestoreError


@pytest.mark.parametrize(("cls", "code"), [
    (NotProtectedError, "VmNotProtected"),
    (NoRecoveryPointError, "NoMatchingRecoveryPoint"),
    (CallbackRefusedError, "CallbackUrlRefused"),
])
def test_restore_errors_are_terminal_backup_errors_with_their_code(cls: type[RestoreError], code: str) -> None:
    error = cls("it cannot be done")
    assert isinstance(error, RestoreError) and isinstance(error, BackupError)
    info = error.to_info()
    assert (info.code, info.message, info.transient) == (code, "it cannot be done", False)
