"""Custom role definitions whose name would repeat across the instances a deployment creates.

A custom role's name "must be unique to your tenant" (MicrosoftDocs/azure-docs
articles/role-based-access-control/custom-roles.md, "Custom role properties"), and its ID (the definition's
`name`, a GUID) identifies one definition in the tenant. So a role definition deployed once per loop iteration
(a module in a `[for ...]`, or a resource loop) must take both from something that differs per iteration, and from
something that differs per azd environment (two environments deploy into the same tenant). Distinct role
definitions must not share a fixed name either.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import tree_sitter

from tests.infra.bicep_ast import (
    BicepFile,
    body,
    calls,
    declared_type,
    identifiers,
    loop_variables,
    module_params,
    module_target,
    properties,
    walk,
)

ROLE_DEFINITION = "microsoft.authorization/roledefinitions@"
# Expressions whose value differs between azd environments (main.bicep: resourceToken derives from them).
PER_ENVIRONMENT = {"resourceToken", "environmentName"}


@dataclass(frozen=True)
class RoleDefinition:
    file: BicepFile
    decl: tree_sitter.Node

    @property
    def symbol(self) -> str:
        return self.file.text(self.decl.children[1])

    def field(self, name: str) -> tree_sitter.Node | None:
        top = properties(self.file, body(self.decl).obj)
        if name == "name":
            return top.get("name")
        inner = top.get("properties")
        return None if inner is None or inner.type != "object" else properties(self.file, inner).get(name)


@dataclass(frozen=True)
class Deployment:
    """One way a role definition gets deployed: by a module call (or as a root template when `module` is None)."""

    caller: BicepFile | None
    module: tree_sitter.Node | None

    def loop(self) -> set[str]:
        return set() if self.module is None or self.caller is None else loop_variables(self.module, self.caller)

    def scope_varies(self) -> bool:
        if self.module is None or self.caller is None:
            return False
        scope = properties(self.caller, body(self.module).obj).get("scope")
        return scope is not None and bool(identifiers(self.caller, scope) & self.loop())

    def argument(self, name: str) -> tree_sitter.Node | None:
        return None if self.module is None or self.caller is None else module_params(self.caller, self.module).get(name)


def role_definitions(files: Iterable[BicepFile]) -> list[RoleDefinition]:
    return [RoleDefinition(f, d) for f in files for d in f.declarations("resource_declaration")
            if declared_type(f, d).lower().startswith(ROLE_DEFINITION)]


def deployments(files: list[BicepFile], role: RoleDefinition) -> list[Deployment]:
    found = [Deployment(f, d) for f in files for d in f.declarations("module_declaration")
             if module_target(f, d) == role.file.path.resolve()]
    return found or [Deployment(None, None)]


def _params_used(role: RoleDefinition, expr: tree_sitter.Node) -> set[str]:
    declared = {role.file.text(d.children[1]) for d in role.file.declarations("parameter_declaration")}
    return identifiers(role.file, expr) & declared


def varies_per_iteration(role: RoleDefinition, expr: tree_sitter.Node, deployment: Deployment) -> bool:
    """True when `expr` differs between the iterations of the deployment's (or the resource's own) loop."""
    if identifiers(role.file, expr) & loop_variables(role.decl, role.file):
        return True
    if deployment.scope_varies() and calls(role.file, expr) & {"subscription", "resourceGroup"}:
        return True
    if deployment.caller is None:
        return False
    return any((arg := deployment.argument(p)) is not None and identifiers(deployment.caller, arg) & deployment.loop()
               for p in _params_used(role, expr))


def varies_per_environment(role: RoleDefinition, expr: tree_sitter.Node, deployment: Deployment) -> bool:
    if identifiers(role.file, expr) & PER_ENVIRONMENT:
        return True
    return deployment.caller is not None and any(
        (arg := deployment.argument(p)) is not None and identifiers(deployment.caller, arg) & PER_ENVIRONMENT
        for p in _params_used(role, expr))


def fixed_text(bicep: BicepFile, expr: tree_sitter.Node) -> str:
    """The literal parts of an (interpolated) string, or of the string arguments of a call such as guid()."""
    return "|".join(bicep.text(n) for n in walk(expr) if n.type == "string_content")


def problems(files: list[BicepFile]) -> list[str]:
    found = []
    roles = role_definitions(files)
    for role in roles:
        for field in ("roleName", "name"):
            expr = role.field(field)
            if expr is None:
                found.append(f"{role.file.path.name}:{role.symbol}: no {field}")
                continue
            for deployment in deployments(files, role):
                in_loop = bool(deployment.loop() or loop_variables(role.decl, role.file))
                if in_loop and not varies_per_iteration(role, expr, deployment):
                    found.append(f"{role.file.path.name}:{role.symbol}: {field} is the same in every iteration of "
                                 "its loop (custom role names and IDs are unique per tenant)")
                if not varies_per_environment(role, expr, deployment):
                    found.append(f"{role.file.path.name}:{role.symbol}: {field} is the same for every azd "
                                 "environment in the tenant")
    names = [(fixed_text(r.file, r.field("roleName")), r) for r in roles if r.field("roleName") is not None]
    for i, (text, role) in enumerate(names):
        found += [f"{role.file.path.name}:{role.symbol} and {other.file.path.name}:{other.symbol}: same fixed role "
                  f"name {text!r}" for other_text, other in names[i + 1:] if other_text == text]
    return found
