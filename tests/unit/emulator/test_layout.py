"""The emulator's layout rules (moto's models / responses / urls split): no import cycles, handlers never touch
the service state, wire bodies only in the serialisation modules."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[3] / "emulator"
HANDLERS = ("responses.py", "responses_crr.py", "responses_resources.py", "responses_compute.py", "admin.py",
            "app.py")
RULES = ("backend.py", "lookups.py", "jobs.py", "restores.py", "crr.py", "outage.py", "validation.py",
         "restore_effects.py", "state.py", "lifecycle.py", "progress.py", "compute.py")


def _tree(name: str) -> ast.Module:
    return ast.parse((PACKAGE / name).read_text())


def _imports(name: str) -> set[str]:
    found = set()
    for node in ast.walk(_tree(name)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("emulator"):
            parts = node.module.split(".")
            found |= {parts[1]} if len(parts) > 1 else {alias.name for alias in node.names}
    return found


def test_no_module_imports_itself_back() -> None:
    graph = {p.stem: _imports(p.name) for p in PACKAGE.glob("*.py")}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(dep == goal or (dep not in seen and reaches(dep, goal, seen | {dep}))
                   for dep in graph.get(start, ()))

    assert [m for m in graph if reaches(m, m, {m})] == []


def _is_backend(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id == "backend") or \
        (isinstance(node, ast.Attribute) and node.attr == "backend")


def test_handlers_reach_the_state_only_through_rule_objects() -> None:
    touching = [(name, node.lineno) for name in HANDLERS for node in ast.walk(_tree(name))
                if isinstance(node, ast.Attribute) and node.attr in ("state", "world") and _is_backend(node.value)]
    assert touching == []


def test_rules_build_no_response_bodies() -> None:
    # A dict literal whose keys look like wire fields (camelCase or ARM envelope keys) is a response body.
    wire = [(name, node.lineno) for name in RULES for node in ast.walk(_tree(name)) if isinstance(node, ast.Dict)
            and any(isinstance(k, ast.Constant) and isinstance(k.value, str)
                    and (k.value in ("error", "properties", "value", "id") or (k.value[:1].islower()
                                                                               and any(c.isupper() for c in k.value)))
                    for k in node.keys)]
    assert wire == []
