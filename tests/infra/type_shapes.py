"""The shapes tests/infra/resource_types.py writes resource type definitions in.

A compact form of what the Bicep compiler reads from Azure/bicep-types-az (`generated/**/types.json`, node kinds
and property flags as in Azure/bicep-types `src/bicep-types/src/types.ts`): an object lists every property its
type defines, each name marked `!` when required (ObjectTypePropertyFlags.Required) or `~` when read-only
(ObjectTypePropertyFlags.ReadOnly); a property only carries a shape where infra/ writes a literal, an object or an
array into it. A property without a shape accepts any expression, and the checker refuses a literal there until
its shape is written down, so a shape is never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scalar:
    """StringType, IntegerType, BooleanType or AnyType; an open union of string literals is a StringType."""

    kind: str


STR, INT, BOOL, ANY = Scalar("StringType"), Scalar("IntegerType"), Scalar("BooleanType"), Scalar("AnyType")


@dataclass(frozen=True)
class Enum:
    """A closed union of string literals (UnionType of StringLiteralType without a StringType member)."""

    values: tuple[str, ...]

    def __init__(self, *values: str) -> None:
        object.__setattr__(self, "values", values)


@dataclass(frozen=True)
class Arr:
    """ArrayType with its itemType."""

    item: Shape


@dataclass(frozen=True)
class Prop:
    required: bool
    read_only: bool
    shape: Shape | None


@dataclass(frozen=True)
class Obj:
    """ObjectType: `names` is every property the type defines; keyword arguments give shapes; `extra` is
    additionalProperties (a map's value type)."""

    props: dict[str, Prop] = field(default_factory=dict)
    extra: Shape | None = None

    def __init__(self, names: str = "", extra: Shape | None = None, **shapes: Shape) -> None:
        props: dict[str, Prop] = {}
        for word in names.split():
            name = word.rstrip("!~")
            props[name] = Prop("!" in word, "~" in word, shapes.pop(name, None))
        if shapes:
            raise ValueError(f"shapes for properties the object does not list: {sorted(shapes)}")
        object.__setattr__(self, "props", props)
        object.__setattr__(self, "extra", extra)


Shape = Scalar | Enum | Arr | Obj


@dataclass(frozen=True)
class Resource:
    """One `Type@api-version`: the types.json it is written from (a path in Azure/bicep-types-az) and its body."""

    source: str
    body: Obj


def kind(shape: Shape) -> str:
    """The bicep-types node kind a shape stands for."""
    if isinstance(shape, Scalar):
        return shape.kind
    return {Enum: "UnionType", Arr: "ArrayType", Obj: "ObjectType"}[type(shape)]
