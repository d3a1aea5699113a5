"""Check Bicep resource declarations against the published resource type definitions (Azure/bicep-types-az).

What the Bicep compiler would refuse or warn about, for the parts that are literal in the source: an unknown
resource type or api-version, a property that the type does not define (or spelt in another case), a read-only
property that is set, a required property that is missing, and a literal value outside a closed set of allowed
values. Values computed by expressions (parameters, function calls) are not evaluated. The definitions are the
ones written down in tests/infra/resource_types.py, each naming the types.json it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass

import tree_sitter

from tests.infra.bicep_ast import BicepFile, body, declared_type, properties, string_value
from tests.infra.resource_types import TYPES
from tests.infra.type_shapes import ANY, STR, Arr, Enum, Obj, Resource, Scalar, Shape, kind

# Keys Bicep itself defines on a resource body; they are not properties of the resource type.
BICEP_KEYWORDS = {"parent", "scope", "dependsOn"}
LITERALS = ("object", "array", "for_statement", "string", "boolean", "number")


def resource_types() -> dict[str, Resource]:
    """Lower-cased `Type@api-version` -> its definition."""
    return {name.lower(): resource for name, resource in TYPES.items()}


def _is_existing(decl: tree_sitter.Node) -> bool:
    return any(c.type == "existing" for c in decl.children)


def _key(bicep: BicepFile, prop: tree_sitter.Node) -> str:
    key = prop.named_children[0]
    return (string_value(bicep, key) if key.type == "string" else None) or bicep.text(key)


@dataclass
class Checker:
    bicep: BicepFile
    problems: list[str]

    def report(self, node: tree_sitter.Node, path: str, message: str) -> None:
        self.problems.append(f"{self.bicep.path.name}:{node.start_point.row + 1}: {path}: {message}")

    def check_object(self, obj: tree_sitter.Node, shape: Shape, path: str, *, top: bool = False,
                     existing: bool = False) -> None:
        if not isinstance(shape, Obj):
            self.report(obj, path, f"an object where the type is {kind(shape)}")
            return
        given = properties(self.bicep, obj)
        for prop in (p for p in obj.named_children if p.type == "object_property"):
            key = _key(self.bicep, prop)
            if top and key in BICEP_KEYWORDS:
                continue
            self.check_property(prop, key, shape, f"{path}.{key}")
        if not existing:
            for key, spec in shape.props.items():
                if spec.required and not spec.read_only and key not in given:
                    self.report(obj, f"{path}.{key}", "required property is missing")

    def check_property(self, prop: tree_sitter.Node, key: str, shape: Obj, path: str) -> None:
        value = prop.named_children[-1]
        spec = shape.props.get(key)
        if spec is not None:
            if spec.read_only:
                self.report(prop, path, "read-only property is set")
            self.check_value(value, spec.shape, path)
            return
        other_case = next((k for k in shape.props if k.lower() == key.lower()), None)
        if other_case:
            self.report(prop, path, f"the type spells it {other_case!r}")
        elif shape.extra is not None:
            self.check_value(value, shape.extra, path)
        else:
            self.report(prop, path, "not a property of this type")

    def check_value(self, node: tree_sitter.Node, shape: Shape | None, path: str) -> None:
        if node.type == "ternary_expression":
            for branch in node.named_children[1:]:
                self.check_value(branch, shape, path)
            return
        if node.type == "string" and string_value(self.bicep, node) is None:
            return  # an interpolated string is an expression
        if node.type not in LITERALS or shape == ANY:
            return
        if shape is None:
            self.report(node, path, "a literal where tests/infra/resource_types.py records no shape; write it down "
                        "from the types.json the entry names")
        elif node.type == "object":
            self.check_object(node, shape, path)
        elif node.type in ("array", "for_statement"):
            self.check_array(node, shape, path)
        elif node.type == "string":
            self.check_literal(node, string_value(self.bicep, node) or "", shape, path)
        else:
            wanted = {"boolean": "BooleanType", "number": "IntegerType"}[node.type]
            if kind(shape) != wanted:
                self.report(node, path, f"{self.bicep.text(node)} where the type is {kind(shape)}")

    def check_array(self, node: tree_sitter.Node, shape: Shape, path: str) -> None:
        if not isinstance(shape, Arr):
            self.report(node, path, f"an array where the type is {kind(shape)}")
            return
        if node.type == "for_statement":
            items = [body_of_loop(node)]
        else:
            items = [c for c in node.named_children if c.type != "comment"]
        for element in items:
            self.check_value(element, shape.item, f"{path}[]")

    def check_literal(self, node: tree_sitter.Node, literal: str, shape: Shape, path: str) -> None:
        if shape == STR:
            return
        if not isinstance(shape, Enum):
            kind_name = shape.kind if isinstance(shape, Scalar) else kind(shape)
            self.report(node, path, f"a string where the type is {kind_name}")
        elif literal not in shape.values:
            self.report(node, path, f"{literal!r} is not one of {list(shape.values)}")


def body_of_loop(node: tree_sitter.Node) -> tree_sitter.Node:
    """The element expression of `[for ... : element]`, past an `if (...)` filter."""
    element = node.named_children[-1]
    return element.named_children[-1] if element.type == "if_statement" else element


def check_resources(bicep: BicepFile) -> list[str]:
    """Problems of every resource declaration in `bicep` against the written-down types."""
    problems: list[str] = []
    for decl in bicep.declarations("resource_declaration"):
        name = declared_type(bicep, decl)
        resource = resource_types().get(name.lower())
        if resource is None:
            problems.append(f"{bicep.path.name}:{decl.start_point.row + 1}: {name}: no such resource type and "
                            "api-version in tests/infra/resource_types.py (written from Azure/bicep-types-az)")
            continue
        Checker(bicep, problems).check_object(body(decl).obj, resource.body, name, top=True,
                                              existing=_is_existing(decl))
    return problems
