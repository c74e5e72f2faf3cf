"""Write nodes back as JSON Schema 2020-12 (OpenAPI 3.1) schemas, in one canonical form.

What the spec said in OpenAPI 3.0 is written the 3.1 way (a type list with ``"null"``, numeric exclusive
bounds); a merged ``allOf`` is one object; a discriminator's mapping is written in full; a named inline schema
is a ``$ref`` to its own entry, and where null is allowed beside it, ``anyOf: [{$ref}, {type: "null"}]`` with
the place's annotations (the entry keeps the rest).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from generator.schema.nodes import (
    ANNOTATION_KEYS,
    Array,
    Const,
    Enum,
    Intersection,
    Node,
    Object,
    Opaque,
    Ref,
    Scalar,
    Union,
)

RefOf = Callable[[str], str]
"""The ``$ref`` of a named schema, by key."""


def place(node: Node, ref_of: RefOf) -> Any:
    """``node`` as written where it sits: its definition, or a reference to it when it has a name."""
    if node.name is None:
        return definition(node, ref_of)
    reference = {"$ref": ref_of(node.name)}
    if not node.nullable:
        return reference
    return {**_annotations(node), "anyOf": [reference, {"type": "null"}]}


def entry(node: Node, ref_of: RefOf) -> Any:
    """The definition of a named inline ``node`` (null and annotations stay at its place when null is allowed)."""
    if not node.nullable:
        return definition(node, ref_of)
    written = definition(node, ref_of, without_null=True)
    for key in ANNOTATION_KEYS:
        written.pop(key, None)
    if isinstance(node, Enum) and "type" not in written and all(isinstance(v, str) for v in node.values):
        written = {"type": "string", **written}
    return written


def definition(node: Node, ref_of: RefOf, *, without_null: bool = False) -> Any:
    """``node`` written out whole, its keys in the order the spec wrote them."""
    if isinstance(node, Opaque):
        return node.raw
    nullable = node.nullable and not without_null
    result: dict[str, Any] = dict(_annotations(node))
    write = _WRITERS.get(type(node))
    if write is not None:
        write(node, result, ref_of, nullable)
    result.update(node.extensions)
    result.update(node.rest)
    if node.order:
        position = {key: index for index, key in enumerate(node.order)}
        result = dict(sorted(result.items(), key=lambda item: position.get(item[0], len(position))))
    return result


def _ref(node: Any, result: dict[str, Any], ref_of: RefOf, nullable: bool) -> None:
    if nullable:
        result["anyOf"] = [{"$ref": ref_of(node.target)}, {"type": "null"}]
    else:
        result["$ref"] = ref_of(node.target)


def _scalar(node: Any, result: dict[str, Any], ref_of: RefOf, nullable: bool) -> None:
    types = [kind for kind in node.types if kind != "null" or nullable or not node.nullable]
    result["type"] = types[0] if len(types) == 1 else types
    if node.format is not None:
        result["format"] = node.format
    result.update(node.constraints)


def _enum(node: Any, result: dict[str, Any], ref_of: RefOf, nullable: bool) -> None:
    if node.type is not None:
        result["type"] = [node.type, "null"] if nullable and node.null_by == "type" else node.type
    result["enum"] = [*node.values, None] if nullable and node.null_by == "enum" else list(node.values)


def _const(node: Any, result: dict[str, Any], ref_of: RefOf, nullable: bool) -> None:
    if node.type is not None:
        result["type"] = node.type
    result["const"] = node.value


def _array(node: Any, result: dict[str, Any], ref_of: RefOf, nullable: bool) -> None:
    result["type"] = ["array", "null"] if nullable else "array"
    if node.items is not None:
        result["items"] = place(node.items, ref_of)
    result.update(node.constraints)


def _object(node: Any, result: dict[str, Any], ref_of: RefOf, nullable: bool) -> None:
    if node.declared or nullable:
        result["type"] = ["object", "null"] if nullable else "object"
    if node.properties:
        result["properties"] = {key: place(value, ref_of) for key, value in node.properties.items()}
    if node.required:
        result["required"] = list(node.required)
    if isinstance(node.additional, Node):
        result["additionalProperties"] = place(node.additional, ref_of)
    elif node.additional is not None:
        result["additionalProperties"] = node.additional
    result.update(node.constraints)


def _union(node: Any, result: dict[str, Any], ref_of: RefOf, nullable: bool) -> None:
    result["oneOf" if node.exclusive else "anyOf"] = [place(member, ref_of) for member in node.members]
    if node.discriminator is not None:
        mapping = {value: ref_of(key) for value, key in node.discriminator.mapping.items()}
        result["discriminator"] = {"propertyName": node.discriminator.property, "mapping": mapping}


def _intersection(node: Any, result: dict[str, Any], ref_of: RefOf, nullable: bool) -> None:
    result["allOf"] = [place(member, ref_of) for member in node.members]


_WRITERS: dict[type[Node], Callable[[Any, dict[str, Any], RefOf, bool], None]] = {
    Ref: _ref,
    Scalar: _scalar,
    Enum: _enum,
    Const: _const,
    Array: _array,
    Object: _object,
    Union: _union,
    Intersection: _intersection,
}
"""How each kind of node is written (AnyValue has nothing of its own: its annotations, extensions and rest)."""


def _annotations(node: Node) -> dict[str, Any]:
    return {key: node.annotations[key] for key in ANNOTATION_KEYS if key in node.annotations}
