"""Find role assignments at subscription or management-group scope that no default-false bool parameter gates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import tree_sitter

from tests.infra.bicep_ast import (
    BROAD_SCOPE_CALLS,
    ROLE_ASSIGNMENT_TYPE,
    BicepFile,
    body,
    calls,
    declared_type,
    param_default,
    param_type,
    properties,
    walk,
)

BROAD_RESOURCE_TYPES = ("microsoft.management/", "microsoft.subscription/", "microsoft.resources/subscriptions@")


@dataclass(frozen=True)
class Assignment:
    file: Path
    name: str
    scope: str
    is_broad: bool


def role_assignments(bicep: BicepFile) -> list[tree_sitter.Node]:
    return [
        d
        for d in bicep.declarations("resource_declaration")
        if declared_type(bicep, d).lower().startswith(ROLE_ASSIGNMENT_TYPE)
    ]


def describe(bicep: BicepFile, decl: tree_sitter.Node) -> Assignment:
    """Where one role assignment lands: its `scope:` (or the file's target scope) and whether that is broad."""
    scope = properties(bicep, body(decl).obj).get("scope")
    name = bicep.text(decl.children[1])
    if scope is None:
        return Assignment(bicep.path, name, bicep.target_scope, bicep.target_scope != "resourceGroup")
    scope_text = bicep.text(scope)
    if scope.type == "identifier":
        target = bicep.declaration("resource_declaration", scope_text)
        # A scope that is not a resource declared in this file (a parameter, a module output) could be anything.
        is_broad = target is None or declared_type(bicep, target).lower().startswith(BROAD_RESOURCE_TYPES)
        return Assignment(bicep.path, name, scope_text, is_broad)
    called = calls(bicep, scope)
    is_broad = bool(called & set(BROAD_SCOPE_CALLS)) or not called <= {"resourceGroup"}
    return Assignment(bicep.path, name, scope_text, is_broad)


def is_gated(bicep: BicepFile, decl: tree_sitter.Node) -> bool:
    """True when the declaration's `if (...)` is false by default: an `&&` of terms, one a bool param = false."""
    condition = body(decl).condition
    if condition is None:
        return False
    tokens = {n.type for n in walk(condition)}
    if {"||", "!", "?"} & tokens:
        return False
    names = {bicep.text(n) for n in walk(condition) if n.type == "identifier"}
    return any(
        param_type(bicep, name) == "bool"
        and (default := param_default(bicep, name)) is not None
        and bicep.text(default) == "false"
        for name in names
    )


def module_references(files: list[BicepFile]) -> dict[Path, list[tuple[BicepFile, tree_sitter.Node]]]:
    """Resolved module path -> every (file, module declaration) that deploys it."""
    refs: dict[Path, list[tuple[BicepFile, tree_sitter.Node]]] = {}
    for bicep in files:
        for decl in bicep.declarations("module_declaration"):
            target = (bicep.path.parent / declared_type(bicep, decl)).resolve()
            refs.setdefault(target, []).append((bicep, decl))
    return refs


def violations(files: list[BicepFile]) -> list[str]:
    """Broad role assignments that can be deployed without a parameter asking for them."""
    refs = module_references(files)
    found: list[str] = []
    for bicep in files:
        for decl in role_assignments(bicep):
            assignment = describe(bicep, decl)
            if not assignment.is_broad or is_gated(bicep, decl):
                continue
            deployers = refs.get(bicep.path.resolve(), [])
            ungated = [f"{f.path.name}:{f.text(m.children[1])}" for f, m in deployers if not is_gated(f, m)]
            if not deployers or ungated:
                where = f"deployed ungated by {ungated}" if ungated else "in a root template, not gated"
                found.append(f"{bicep.path.name}:{assignment.name} at scope {assignment.scope!r} {where}")
    return found
