"""Check Bicep resource declarations against the published resource type definitions (Azure/bicep-types-az).

What the Bicep compiler would refuse or warn about, for the parts that are literal in the source: an unknown
resource type or api-version, a property that the type does not define (or spelt in another case), a read-only
property that is set, a required property that is missing, and a literal value outside a closed set of allowed
values. Values computed by expressions (parameters, function calls) are not evaluated. The definitions are the
subset vendored in tests/infra/bicep_types/ (tests/infra/vendor_bicep_types.py), each with its source commit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import tree_sitter

from tests.infra.bicep_ast import BicepFile, body, declared_type, properties, string_value

TYPES_DIR = Path(__file__).resolve().parent / "bicep_types"
# Property flags of bicep-types (Azure/bicep-types src/bicep-types/src/types.ts, ObjectTypePropertyFlags).
REQUIRED, READ_ONLY = 1, 2
# Keys Bicep itself defines on a resource body; they are not properties of the resource type.
BICEP_KEYWORDS = {"parent", "scope", "dependsOn"}
OBJECT_KINDS = {"ObjectType", "DiscriminatedObjectType"}


@dataclass(frozen=True)
class TypeFile:
    """One vendored types.json subset."""

    source: dict[str, str]
    types: list[dict[str, Any]]

    def get(self, ref: dict[str, str]) -> dict[str, Any]:
        return self.types[int(ref["$ref"].split("/")[-1])]


@cache
def resource_types() -> dict[str, tuple[TypeFile, dict[str, Any]]]:
    """Lower-cased `Type@api-version` -> (its file, its ResourceType node)."""
    found: dict[str, tuple[TypeFile, dict[str, Any]]] = {}
    for path in sorted(TYPES_DIR.glob("*.json")):
        doc = json.loads(path.read_text())
        file = TypeFile(doc["source"], doc["types"])
        for node in file.types:
            if node["$type"] == "ResourceType":
                found[node["name"].lower()] = (file, node)
    return found


def _is_existing(decl: tree_sitter.Node) -> bool:
    return any(c.type == "existing" for c in decl.children)


def _key(bicep: BicepFile, prop: tree_sitter.Node) -> str:
    key = prop.named_children[0]
    return (string_value(bicep, key) if key.type == "string" else None) or bicep.text(key)


@dataclass
class Checker:
    bicep: BicepFile
    file: TypeFile
    problems: list[str]

    def report(self, node: tree_sitter.Node, path: str, message: str) -> None:
        self.problems.append(f"{self.bicep.path.name}:{node.start_point.row + 1}: {path}: {message}")

    def resolve(self, typ: dict[str, Any]) -> dict[str, Any]:
        return self.file.get(typ) if "$ref" in typ else typ

    def object_shapes(self, typ: dict[str, Any]) -> list[dict[str, Any]]:
        typ = self.resolve(typ)
        if typ["$type"] in OBJECT_KINDS:
            return [typ]
        if typ["$type"] == "UnionType":
            return [s for e in typ["elements"] for s in self.object_shapes(e)]
        return []

    def fields(self, obj: tree_sitter.Node, shape: dict[str, Any]) -> tuple[dict[str, Any], Any]:
        """Properties (name -> {type, flags}) and additionalProperties of `shape` for the object literal `obj`."""
        if shape["$type"] == "ObjectType":
            return shape.get("properties", {}), shape.get("additionalProperties")
        chosen = string_value(self.bicep, properties(self.bicep, obj)[shape["discriminator"]]) if (
            shape["discriminator"] in properties(self.bicep, obj)) else None
        elements = shape["elements"]
        picked = [elements[chosen]] if chosen in elements else list(elements.values())
        merged = dict(shape.get("baseProperties", {}))
        for ref in picked:
            merged.update(self.resolve(ref).get("properties", {}))
        return merged, None

    def check_object(self, obj: tree_sitter.Node, typ: dict[str, Any], path: str, *, top: bool = False,
                     existing: bool = False) -> None:
        shapes = self.object_shapes(typ)
        if not shapes:
            self.report(obj, path, f"an object where the type is {self.resolve(typ)['$type']}")
            return
        declared: dict[str, Any] = {}
        extra = None
        for shape in shapes:
            props, additional = self.fields(obj, shape)
            declared.update(props)
            extra = extra or additional
        given = properties(self.bicep, obj)
        for prop in (p for p in obj.named_children if p.type == "object_property"):
            key = _key(self.bicep, prop)
            if top and key in BICEP_KEYWORDS:
                continue
            self.check_property(prop, key, declared, extra, f"{path}.{key}")
        if not existing:
            missing = [k for k, v in declared.items() if v["flags"] & REQUIRED and not v["flags"] & READ_ONLY
                       and k not in given]
            for key in missing:
                self.report(obj, f"{path}.{key}", "required property is missing")

    def check_property(self, prop: tree_sitter.Node, key: str, declared: dict[str, Any], extra: Any,
                       path: str) -> None:
        value = prop.named_children[-1]
        if key in declared:
            spec = declared[key]
            if spec["flags"] & READ_ONLY and not spec["flags"] & REQUIRED:
                self.report(prop, path, "read-only property is set")
            self.check_value(value, spec["type"], path)
            return
        other_case = next((k for k in declared if k.lower() == key.lower()), None)
        if other_case:
            self.report(prop, path, f"the type spells it {other_case!r}")
        elif extra is not None:
            self.check_value(value, extra, path)
        else:
            self.report(prop, path, "not a property of this type")

    def check_value(self, node: tree_sitter.Node, typ: dict[str, Any], path: str) -> None:
        resolved = self.resolve(typ)
        kind = resolved["$type"]
        if kind == "AnyType":
            return
        if node.type == "object":
            self.check_object(node, typ, path)
        elif node.type in ("array", "for_statement"):
            self.check_array(node, resolved, path)
        elif node.type == "ternary_expression":
            for branch in node.named_children[1:]:
                self.check_value(branch, typ, path)
        elif node.type == "string" and (literal := string_value(self.bicep, node)) is not None:
            self.check_literal(node, literal, resolved, path)
        elif node.type in ("boolean", "number"):
            wanted = {"boolean": "BooleanType", "number": "IntegerType"}[node.type]
            if wanted not in self.kinds(resolved):
                self.report(node, path, f"{self.bicep.text(node)} where the type allows {sorted(self.kinds(resolved))}")

    def check_array(self, node: tree_sitter.Node, resolved: dict[str, Any], path: str) -> None:
        arrays = [t for t in self.alternatives(resolved) if t["$type"] == "ArrayType"]
        if not arrays:
            self.report(node, path, f"an array where the type is {resolved['$type']}")
            return
        item = arrays[0]["itemType"]
        if node.type == "for_statement":
            items = [body_of_loop(node)]
        else:
            items = [c for c in node.named_children if c.type not in ("comment",)]
        for element in items:
            self.check_value(element, item, f"{path}[]")

    def alternatives(self, resolved: dict[str, Any]) -> list[dict[str, Any]]:
        if resolved["$type"] == "UnionType":
            return [a for e in resolved["elements"] for a in self.alternatives(self.resolve(e))]
        return [resolved]

    def kinds(self, resolved: dict[str, Any]) -> set[str]:
        return {a["$type"] for a in self.alternatives(resolved)}

    def check_literal(self, node: tree_sitter.Node, literal: str, resolved: dict[str, Any], path: str) -> None:
        options = self.alternatives(resolved)
        if any(o["$type"] in ("StringType", "AnyType") for o in options):
            return
        allowed = [o["value"] for o in options if o["$type"] == "StringLiteralType"]
        if not allowed:
            self.report(node, path, f"a string where the type allows {sorted(self.kinds(resolved))}")
        elif literal not in allowed:
            self.report(node, path, f"{literal!r} is not one of {allowed}")


def body_of_loop(node: tree_sitter.Node) -> tree_sitter.Node:
    """The element expression of `[for ... : element]`, past an `if (...)` filter."""
    element = node.named_children[-1]
    return element.named_children[-1] if element.type == "if_statement" else element


def check_resources(bicep: BicepFile) -> list[str]:
    """Problems of every resource declaration in `bicep` against the vendored types."""
    problems: list[str] = []
    for decl in bicep.declarations("resource_declaration"):
        name = declared_type(bicep, decl)
        entry = resource_types().get(name.lower())
        if entry is None:
            problems.append(f"{bicep.path.name}:{decl.start_point.row + 1}: {name}: no such resource type and "
                            "api-version in Azure/bicep-types-az")
            continue
        file, resource = entry
        checker = Checker(bicep, file, problems)
        checker.check_object(body(decl).obj, resource["body"], name, top=True, existing=_is_existing(decl))
    return problems
