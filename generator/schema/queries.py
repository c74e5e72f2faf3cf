"""Questions the emitters ask about a schema, answered from its nodes (never from the spec's dicts).

Each takes a node and ``named`` (the node of a named schema, by key) and looks through what the nodes leave
between a place and what it holds: references (``Ref``), null beside a schema (``nullable``, or a union of a
schema and null), and the members of an ``allOf`` that could not be merged (``Intersection``) or of a union.

- ``field``: the property at a dotted path (``pagination.total_pages``), with its Python attribute per step;
- ``python_type``: the annotation of a parameter (``int``, ``list[str]``) or the enum it is a reference to;
- ``enum_values``, ``bounds``, ``default``, ``extension``: what a parameter or a field allows and says;
- ``is_binary``: a body of bytes (``type: string, format: binary``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from generator.names import field_names
from generator.schema.nodes import (
    NO_VALUE,
    AnyValue,
    Array,
    Const,
    Enum,
    Intersection,
    Node,
    Object,
    Ref,
    Scalar,
    Union,
)

Named = Callable[[str], Node | None]
"""The node of a named schema, by key (None: no such schema)."""

# JSON Schema type -> the Python annotation of a parameter (a fixed table: spec text never becomes a type).
SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}
_DEPTH = 32  # references followed before giving up (a cycle of references)


@dataclass(frozen=True)
class Field:
    """The schema of a property found at a dotted path, and the Python attribute of each step in the models
    ("": a key no schema declares, which a free-form map allows)."""

    node: Node
    attributes: tuple[str, ...]


def resolve(node: Node, named: Named) -> Node:
    """``node`` with its references followed to the schema they name (a dangling one or a cycle: the ref)."""
    for _ in range(_DEPTH):
        if not isinstance(node, Ref):
            return node
        target = named(node.target)
        if target is None:
            return node
        node = target
    return node


def without_null(node: Node, named: Named) -> Node:
    """What ``node`` holds besides null: the one other member of a union with null (``anyOf: [X, null]``),
    dereferenced; else ``node`` dereferenced (a node's own ``nullable`` says null is allowed beside it)."""
    node = resolve(node, named)
    other = _besides_null(node)
    return resolve(other, named) if other is not None else node


def members(node: Node, named: Named) -> Iterator[Node]:
    """``node`` and, depth first, every schema it is made of: references followed, members of unions and
    intersections (each node once)."""
    seen: set[int] = set()
    stack = [node]
    while stack:
        here = stack.pop()
        if id(here) in seen:
            continue
        seen.add(id(here))
        yield here
        if isinstance(here, Ref):
            target = named(here.target)
            if target is not None:
                stack.append(target)
        elif isinstance(here, Union | Intersection):
            stack.extend(reversed(here.members))


def field(node: Node, dotted: str, named: Named) -> Field | None:
    """The property at ``dotted`` (keys joined by dots) below ``node``, or None when a step is not there: each
    step in the first schema that declares it (through references, null, and the members of an ``allOf`` or
    a union, in order), else in a free-form map (``additionalProperties``: any key, of its values' schema)."""
    attributes = []
    for key in dotted.split("."):
        step = _property(node, key, named, set())
        if step is None:
            return None
        node, attribute = step
        attributes.append(attribute)
    return Field(node, tuple(attributes))


def _property(node: Node, key: str, named: Named, seen: set[int]) -> tuple[Node, str] | None:
    node = resolve(node, named)
    if id(node) in seen:
        return None
    seen.add(id(node))
    if isinstance(node, Object):
        if key in node.properties:
            return node.properties[key], field_names(node.properties)[key]
        if node.additional is True:
            return AnyValue(pointer=node.pointer), ""
        if isinstance(node.additional, Node):
            return node.additional, ""
        return None
    if isinstance(node, Union | Intersection):
        for member in node.members:
            found = _property(member, key, named, seen)
            if found is not None:
                return found
    return None


def python_type(node: Node | None, named: Named) -> tuple[str, str | None]:
    """The annotation of a parameter whose schema is ``node`` (None: it has none): a scalar (``str``, ``int``,
    ``float``, ``bool``), a list of scalars (``list[int]``), or ``("str", key)`` for a reference to a named
    enum, whose model is the annotation. Null beside the schema is the parameter's absence, not its type."""
    if node is None:
        return "str", None
    for _ in range(_DEPTH):
        other = _besides_null(node)
        if other is not None:
            node = other
            continue
        if not isinstance(node, Ref):
            break
        target = named(node.target)
        if isinstance(target, Enum):
            return "str", node.target
        if target is None:
            break
        node = target
    if isinstance(node, Intersection) and node.members:
        return python_type(node.members[0], named)
    if isinstance(node, Array):
        item, _ = python_type(node.items, named)
        return f"list[{item if item in SCALARS.values() else 'str'}]", None
    if isinstance(node, Scalar):
        declared = next((kind for kind in node.types if kind != "null"), "string")
        return SCALARS.get(declared, "str"), None
    if isinstance(node, Enum | Const):
        return SCALARS.get(node.type or "string", "str"), None
    return "str", None


def enum_values(node: Node | None, named: Named) -> tuple[Any, ...]:
    """The values of the first enum ``node`` is made of (through references and unions with null), null
    last where the enum lists it; empty without one."""
    if node is None:
        return ()
    for member in members(node, named):
        if isinstance(member, Enum):
            return (*member.values, None) if member.nullable and member.null_by == "enum" else member.values
    return ()


def bounds(node: Node | None, named: Named) -> tuple[float | None, float | None]:
    """The inclusive ``minimum`` and ``maximum`` of a number, each from the first schema ``node`` is made of
    that sets it (an exclusive bound is not one of them)."""
    scalars = [member for member in members(node, named) if isinstance(member, Scalar)] if node is not None else []
    found = [
        next((value for scalar in scalars if _is_number(value := scalar.constraints.get(key))), None)
        for key in ("minimum", "maximum")
    ]
    return found[0], found[1]


def default(node: Node | None, named: Named) -> Any:
    """The ``default`` of ``node`` (its own, else the schema it refers to), None without one."""
    for _ in range(_DEPTH):
        if node is None:
            return None
        value = node.annotations.get("default", NO_VALUE)
        if value is not NO_VALUE:
            return value
        if not isinstance(node, Ref):
            return None
        node = named(node.target)
    return None


def extension(node: Node, key: str, named: Named) -> Any:
    """The value of the extension ``key`` (``x-...``) on the first schema ``node`` is made of that has it,
    or None."""
    return next((member.extensions[key] for member in members(node, named) if key in member.extensions), None)


def is_binary(node: Node | None, named: Named) -> bool:
    """A body of bytes: ``{type: string, format: binary}`` (OpenAPI 3.0's way to say so, common in 3.1)."""
    if node is None:
        return False
    node = resolve(node, named)
    return isinstance(node, Scalar) and node.types == ("string",) and node.format == "binary"


def array_item_model(node: Node, named: Named) -> str | None:
    """The named schema of the items of an array (``node``, through references and null), or None: not an
    array, or its items are an unnamed schema, or null is allowed beside them."""
    array = without_null(node, named)
    items = array.items if isinstance(array, Array) else None
    if items is None or items.nullable:
        return None
    return items.target if isinstance(items, Ref) else items.name


def is_array(node: Node, named: Named) -> bool:
    """Whether ``node`` holds an array (through references and null)."""
    return isinstance(without_null(node, named), Array)


def _besides_null(node: Node) -> Node | None:
    """The one member of a union of a schema and null (``anyOf: [X, {type: null}]``) that is not null."""
    if not isinstance(node, Union):
        return None
    others = [member for member in node.members if not _is_null(member)]
    return others[0] if len(others) == 1 and len(others) < len(node.members) else None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_null(node: Node) -> bool:
    return isinstance(node, Scalar) and node.types == ("null",)
