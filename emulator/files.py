"""Atomic file writes for the state file and the clock file: a reader sees the old content or the new, never half."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def _temp_copy(path: Path, data: bytes) -> Path:
    """`data` in a synced temporary file next to `path` (same file system, so rename and link are atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def replace_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file and a rename (POSIX rename(2) replaces atomically)."""
    temp = _temp_copy(path, data)
    try:
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def create_exclusively(path: Path, data: bytes) -> bool:
    """Create `path` with `data` unless it exists: link(2) of a complete temporary file fails with EEXIST when
    another process got there first, so the first writer wins and nobody reads a half-written file."""
    temp = _temp_copy(path, data)
    try:
        os.link(temp, path)
    except FileExistsError:
        return False
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return True
