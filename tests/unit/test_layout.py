"""Imports go one way: triggers -> orchestrators/activities -> restore -> azbackup (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = {"function_app", "triggers", "orchestrators", "activities", "restore", "azbackup", "vmrestore", "emulator",
       "devhost", "bench"}
# package -> the app packages it may import (besides itself)
ALLOWED = {
    "azbackup": set(),
    "restore": {"azbackup"},
    "orchestrators": {"restore", "azbackup"},
    "activities": {"restore", "azbackup"},
    "triggers": {"restore", "azbackup"},
    "vmrestore": set(),
}
NO_FUNCTIONS = {"azbackup", "restore", "vmrestore"}  # usable without Azure Functions


def _imports(package: str) -> dict[str, set[str]]:
    """Module path -> the top-level names it imports (absolute imports; the app uses no relative ones)."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_package_imports_only_the_layers_below_it(package: str) -> None:
    wrong = {module: sorted(n for n in names if n.split(".")[0] in APP - {package} - ALLOWED[package])
             for module, names in _imports(package).items()}
    assert {module: names for module, names in wrong.items() if names} == {}
    if package in NO_FUNCTIONS:
        functions = {module: sorted(n for n in names if n.startswith(("azure.functions", "azure.durable_functions")))
                     for module, names in _imports(package).items()}
        assert {module: names for module, names in functions.items() if names} == {}
