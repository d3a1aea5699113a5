"""Look for any token the emulator issued in files and texts the app produced."""

from __future__ import annotations

from pathlib import Path

from tests.reliability.harness import ARTIFACTS, TALLY


def find_leaks(tokens: set[str], files: list[Path], texts: list[str]) -> list[str]:
    """Where a token appears: 'file:<path>' or 'text:<index>' entries (the token itself is never shown)."""
    needles = {t.encode() for t in tokens if len(t) >= 16}
    found = []
    for path in files:
        if not path.is_file():
            continue
        data = path.read_bytes()
        found += [f"file:{path} (token sha prefix {hash(n) & 0xffff:04x})" for n in needles if n in data]
    for index, text in enumerate(texts):
        found += [f"text:{index}" for n in needles if n.decode() in text]
    return found


def scan_artifacts() -> tuple[int, list[str]]:
    """(tokens checked, leaks) over everything the suite recorded."""
    leaks = find_leaks(ARTIFACTS.tokens, ARTIFACTS.files, ARTIFACTS.texts)
    TALLY.leaked = len(leaks)
    return len(ARTIFACTS.tokens), leaks
