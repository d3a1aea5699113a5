"""Read Bicep files with the tree-sitter Bicep grammar: declarations, properties and role-assignment scopes."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import tree_sitter
import tree_sitter_bicep

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO / "infra"
BROAD_SCOPE_CALLS = ("subscription", "managementGroup", "tenant")
ROLE_ASSIGNMENT_TYPE = "microsoft.authorization/roleassignments@"


@cache
def _parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_bicep.language()))


@dataclass(frozen=True)
class BicepFile:
    path: Path
    source: bytes
    root: tree_sitter.Node

    def text(self, node: tree_sitter.Node) -> str:
        return self.source[node.start_byte : node.end_byte].decode()

    @property
    def target_scope(self) -> str:
        for node in self.root.children:
            if node.type == "target_scope_assignment":
                return string_value(self, node.children[-1]) or ""
        return "resourceGroup"

    def declarations(self, kind: str) -> list[tree_sitter.Node]:
        return [n for n in self.root.children if n.type == kind]

    def declaration(self, kind: str, name: str) -> tree_sitter.Node | None:
        return next((n for n in self.declarations(kind) if self.text(n.children[1]) == name), None)


def parse(path: Path) -> BicepFile:
    source = path.read_bytes()
    return BicepFile(path, source, _parser().parse(source).root_node)


def parse_text(text: str, name: str = "inline.bicep") -> BicepFile:
    source = text.encode()
    return BicepFile(Path(name), source, _parser().parse(source).root_node)


def bicep_files() -> list[Path]:
    return sorted(INFRA.rglob("*.bicep"))


def walk(node: tree_sitter.Node):
    yield node
    for child in node.children:
        yield from walk(child)


def problems(node: tree_sitter.Node) -> list[tree_sitter.Node]:
    """ERROR and MISSING nodes: the grammar could not read this part."""
    return [n for n in walk(node) if n.type == "ERROR" or n.is_missing]


def string_value(bicep: BicepFile, node: tree_sitter.Node) -> str | None:
    """The value of a plain string literal (no interpolation), else None."""
    if node.type != "string" or any(c.type == "interpolation" for c in node.children):
        return None
    return "".join(bicep.text(c) for c in node.children if c.type == "string_content")


def declared_type(bicep: BicepFile, decl: tree_sitter.Node) -> str:
    """The type string of a resource declaration or the path of a module declaration."""
    return string_value(bicep, decl.children[2]) or ""


@dataclass(frozen=True)
class Body:
    """The object of a resource/module declaration and what wraps it (`for` loop, `if` condition)."""

    obj: tree_sitter.Node
    condition: tree_sitter.Node | None


def body(decl: tree_sitter.Node) -> Body:
    value = decl.children[-1]
    if value.type == "for_statement":
        value = value.child_by_field_name("body") or value.named_children[-1]
    condition = None
    if value.type == "if_statement":
        condition = value.named_children[0]
        value = value.named_children[-1]
    return Body(value, condition)


def properties(bicep: BicepFile, obj: tree_sitter.Node) -> dict[str, tree_sitter.Node]:
    """First-level properties of an object literal: key -> value node."""
    found: dict[str, tree_sitter.Node] = {}
    for prop in obj.named_children:
        if prop.type != "object_property":
            continue
        key = prop.named_children[0]
        name = string_value(bicep, key) if key.type == "string" else bicep.text(key)
        found[name or bicep.text(key)] = prop.named_children[-1]
    return found


def object_keys(bicep: BicepFile, node: tree_sitter.Node) -> dict[str, tree_sitter.Node]:
    """Keys of the object literal `node`, or of every object literal argument of a call such as union(...)."""
    if node.type == "object":
        return properties(bicep, node)
    keys: dict[str, tree_sitter.Node] = {}
    if node.type == "call_expression":
        for arg in node.child_by_field_name("arguments").named_children:
            keys.update(object_keys(bicep, arg))
    return keys


def calls(bicep: BicepFile, node: tree_sitter.Node) -> set[str]:
    """Names of every function called inside `node`."""
    return {
        bicep.text(n.child_by_field_name("function"))
        for n in walk(node)
        if n.type == "call_expression" and n.child_by_field_name("function") is not None
    }


def param_default(bicep: BicepFile, name: str) -> tree_sitter.Node | None:
    decl = bicep.declaration("parameter_declaration", name)
    if decl is None or decl.children[-2].type != "=":
        return None
    return decl.children[-1]


def param_type(bicep: BicepFile, name: str) -> str | None:
    decl = bicep.declaration("parameter_declaration", name)
    return None if decl is None else bicep.text(decl.children[2])


def module_params(bicep: BicepFile, decl: tree_sitter.Node) -> dict[str, tree_sitter.Node]:
    """The `params:` object of a module declaration: parameter name -> value node."""
    params = properties(bicep, body(decl).obj).get("params")
    return {} if params is None else properties(bicep, params)


def module_target(bicep: BicepFile, decl: tree_sitter.Node) -> Path:
    """The file a module declaration deploys."""
    return (bicep.path.parent / declared_type(bicep, decl)).resolve()


def loop_variables(decl: tree_sitter.Node, bicep: BicepFile) -> set[str]:
    """Names a `[for x in ...]` / `[for (x, i) in ...]` declaration binds (empty when it is not a loop)."""
    value = decl.children[-1]
    if value.type != "for_statement":
        return set()
    names = set()
    for child in value.children:
        if child.type == "in":
            break
        if child.type == "identifier":
            names.add(bicep.text(child))
        if child.type == "for_loop_parameters":
            names |= {bicep.text(c) for c in child.named_children}
    return names


def identifiers(bicep: BicepFile, node: tree_sitter.Node) -> set[str]:
    """Every identifier used in `node` (variables, parameters, loop variables, function names)."""
    return {bicep.text(n) for n in walk(node) if n.type == "identifier"}
