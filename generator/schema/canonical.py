"""Write nodes back as JSON Schema 2020-12 (OpenAPI 3.1) schemas, in one canonical form.

What the spec said in OpenAPI 3.0 is written the 3.1 way (a type list with ``"null"``, numeric exclusive
bounds); a merged ``allOf`` is one object; a discriminator's mapping is written in full; a named inline schema
(also one inside a schema kept verbatim: its ``parts``) is a ``$ref`` to its own entry, and where null is
allowed beside it, ``anyOf: [{$ref}, {type: "null"}]`` with the place's annotations (the entry keeps the rest).
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


class Writer:
    """Writes nodes as schemas. This one writes the canonical form; another form (the models' input,
    generator.emit.models_input) overrides the hooks: ``ref_of``, ``extras`` (what a node keeps beside what it
    interprets) and ``finish`` (the schema written for one node, its subschemas already written)."""

    def __init__(self, ref_of: RefOf) -> None:
        self.ref_of = ref_of

    def place(self, node: Node) -> Any:
        """``node`` as written where it sits: its definition, or a reference to it when it has a name."""
        if node.name is None:
            return self.definition(node)
        reference = {"$ref": self.ref_of(node.name)}
        if not node.nullable:
            return self.finish(node, reference)
        return self.finish(node, {**_annotations(node), "anyOf": [reference, {"type": "null"}]})

    def entry(self, node: Node) -> Any:
        """The definition of a named inline ``node`` (null and annotations stay at its place when null is
        allowed)."""
        if not node.nullable:
            return self.definition(node)
        written = self._written(node, without_null=True)
        for key in ANNOTATION_KEYS:
            written.pop(key, None)
        if isinstance(node, Enum) and "type" not in written and all(isinstance(v, str) for v in node.values):
            written = {"type": "string", **written}
        return self.finish(node, written)

    def definition(self, node: Node, *, without_null: bool = False) -> Any:
        """``node`` written out whole, its keys in the order the spec wrote them."""
        if isinstance(node, Opaque):
            return self.finish(node, self.placed(node.raw, node.parts))
        return self.finish(node, self._written(node, without_null=without_null))

    def _written(self, node: Node, *, without_null: bool) -> dict[str, Any]:
        nullable = node.nullable and not without_null
        result: dict[str, Any] = dict(_annotations(node))
        write = _WRITERS.get(type(node))
        if write is not None:
            write(node, result, self, nullable)
        result.update(self.extras(node))
        if node.order:
            position = {key: index for index, key in enumerate(node.order)}
            result = dict(sorted(result.items(), key=lambda item: position.get(item[0], len(position))))
        return result

    def extras(self, node: Node) -> dict[str, Any]:
        """What ``node`` keeps beside what it interprets: its extensions and the rest, its parts placed."""
        return {**node.extensions, **self.placed(node.rest, node.parts)}

    def placed(self, raw: Any, parts: dict[tuple[str | int, ...], Node]) -> Any:
        """``raw`` (a schema kept verbatim, or the rest of one) with each of its ``parts`` placed."""
        if not parts or not isinstance(raw, dict):
            return raw
        result = dict(raw)
        copied: set[str] = set()
        for path, part in parts.items():
            key = str(path[0])
            if key not in result:
                continue
            if len(path) == 1:
                result[key] = self.place(part)
                continue
            if key not in copied:
                copied.add(key)
                result[key] = list(result[key]) if isinstance(result[key], list) else dict(result[key])
            result[key][path[1]] = self.place(part)
        return result

    def finish(self, node: Node, written: Any) -> Any:
        """The schema written for ``node`` (the canonical form keeps it as it is)."""
        return written


def place(node: Node, ref_of: RefOf) -> Any:
    """``node`` as written where it sits, in canonical form (see Writer.place)."""
    return Writer(ref_of).place(node)


def entry(node: Node, ref_of: RefOf) -> Any:
    """The canonical definition of a named inline ``node`` (see Writer.entry)."""
    return Writer(ref_of).entry(node)


def definition(node: Node, ref_of: RefOf, *, without_null: bool = False) -> Any:
    """``node`` written out whole in canonical form (see Writer.definition)."""
    return Writer(ref_of).definition(node, without_null=without_null)


def _ref(node: Any, result: dict[str, Any], writer: Writer, nullable: bool) -> None:
    if nullable:
        result["anyOf"] = [{"$ref": writer.ref_of(node.target)}, {"type": "null"}]
    else:
        result["$ref"] = writer.ref_of(node.target)


def _scalar(node: Any, result: dict[str, Any], writer: Writer, nullable: bool) -> None:
    types = [kind for kind in node.types if kind != "null" or nullable or not node.nullable]
    result["type"] = types[0] if len(types) == 1 else types
    if node.format is not None:
        result["format"] = node.format
    result.update(node.constraints)


def _enum(node: Any, result: dict[str, Any], writer: Writer, nullable: bool) -> None:
    if node.type is not None:
        result["type"] = [node.type, "null"] if nullable and node.null_by == "type" else node.type
    result["enum"] = [*node.values, None] if nullable and node.null_by == "enum" else list(node.values)


def _const(node: Any, result: dict[str, Any], writer: Writer, nullable: bool) -> None:
    if node.type is not None:
        result["type"] = node.type
    result["const"] = node.value


def _array(node: Any, result: dict[str, Any], writer: Writer, nullable: bool) -> None:
    result["type"] = ["array", "null"] if nullable else "array"
    if node.items is not None:
        result["items"] = writer.place(node.items)
    result.update(node.constraints)


def _object(node: Any, result: dict[str, Any], writer: Writer, nullable: bool) -> None:
    if node.declared or nullable:
        result["type"] = ["object", "null"] if nullable else "object"
    if node.properties:
        result["properties"] = {key: writer.place(value) for key, value in node.properties.items()}
    if node.required:
        result["required"] = list(node.required)
    if isinstance(node.additional, Node):
        result["additionalProperties"] = writer.place(node.additional)
    elif node.additional is not None:
        result["additionalProperties"] = node.additional
    result.update(node.constraints)


def _union(node: Any, result: dict[str, Any], writer: Writer, nullable: bool) -> None:
    result["oneOf" if node.exclusive else "anyOf"] = [writer.place(member) for member in node.members]
    if node.discriminator is not None:
        mapping = {value: writer.ref_of(key) for value, key in node.discriminator.mapping.items()}
        result["discriminator"] = {"propertyName": node.discriminator.property, "mapping": mapping}


def _intersection(node: Any, result: dict[str, Any], writer: Writer, nullable: bool) -> None:
    result["allOf"] = [writer.place(member) for member in node.members]


_WRITERS: dict[type[Node], Callable[[Any, dict[str, Any], Writer, bool], None]] = {
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
