"""A spec's schemas as one self-contained JSON Schema 2020-12 document (``evaljobs/<api>/schema.json``).

Every named schema of the model (the spec's own, the named bodies and inline schemas) becomes an entry of
``$defs``, so any JSON Schema validator can check payloads against ``{"$ref": "schema.json#/$defs/Name"}``.
The nodes are written by the canonical writer (generator.schema.canonical.Writer) with hooks, one node at a
time (its subschemas already written):

- references name ``#/$defs/<key>``;
- a date-time whose offset the spec makes optional gets ``format: date-time-local`` (documented in
  schemas/README.md);
- what a discriminator says in OpenAPI is said in JSON Schema, as the models read it: in a ``oneOf``/``anyOf``
  with a discriminator, a member is chosen only with one of its values. (A base schema's discriminator,
  polymorphism through ``allOf``, is left as the spec writes it.)

A schema the model keeps verbatim (``Opaque``, and the rest a node does not interpret) has no nodes below it
but its parts: the same three rewrites are made on that raw schema itself (``_raw``).
"""

from __future__ import annotations

import copy
from typing import Any

from generator.problems import escape_pointer_token
from generator.schema import SchemaModel
from generator.schema.canonical import Writer
from generator.schema.nodes import ROOT, Node, Opaque, Ref, Union
from generator.spec_walk import all_schemas

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_OPENAPI_AREA = "#/components/schemas/"


def bundle(model: SchemaModel, title: str) -> dict[str, Any]:
    """The JSON Schema of the named schemas of ``model``."""
    writer = _Writer()
    entries: dict[str, Any] = {key: writer.definition(item.node) for key, item in model.named.items()}
    entries.update({node.name: writer.entry(node) for node in model.inline if node.name})
    if model.kind == "jsonschema":
        root = entries.pop(ROOT, {})
        result = {key: value for key, value in root.items() if key not in ("$defs", "definitions")}
        result["$defs"] = entries
        return result
    return {"$schema": DIALECT, "title": title, "$defs": entries}


def _ref_of(key: str) -> str:
    return "#" if key == ROOT else "#/$defs/" + escape_pointer_token(key)


class _Writer(Writer):
    """The canonical writer with schema.json's hooks (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__(_ref_of)

    def extras(self, node: Node) -> dict[str, Any]:
        return {**node.extensions, **self.placed(_raw(node.rest), node.parts)}

    def finish(self, node: Node, written: Any) -> Any:
        if not isinstance(written, dict):
            return written
        if isinstance(node, Opaque):
            return _raw(written)
        written = _local(written)
        if isinstance(node, Union) and node.discriminator is not None:
            keyword = "oneOf" if node.exclusive else "anyOf"
            values: dict[str, list[str]] = {}
            for value, key in node.discriminator.mapping.items():
                values.setdefault(key, []).append(value)
            field = node.discriminator.property
            written[keyword] = [
                {"allOf": [member_written, _holding(field, values[member.target])]}
                if isinstance(member, Ref) and not member.nullable and member.target in values
                else member_written
                for member, member_written in zip(node.members, written[keyword], strict=True)
            ]
        return written


def _local(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with ``format: date-time-local`` where the spec makes a date-time's offset optional."""
    if schema.get("format") == "date-time" and schema.get("x-evaljobs-datetime-offset") == "optional":
        return {**schema, "format": "date-time-local"}
    return schema


def _raw(written: Any) -> Any:
    """A schema as the spec writes it (a copy): its references to ``#/$defs``, its date-times and
    discriminators rewritten as the nodes' are."""
    if not isinstance(written, dict) or not written:
        return written
    result = copy.deepcopy(written)
    for _, schema in all_schemas({"$defs": {"raw": result}}, "jsonschema"):
        if not isinstance(schema, dict):
            continue
        if isinstance(schema.get("$ref"), str):
            schema["$ref"] = _local_ref(schema["$ref"])
        if schema.get("format") == "date-time" and schema.get("x-evaljobs-datetime-offset") == "optional":
            schema["format"] = "date-time-local"
        _raw_discriminator(schema)
    return result


def _local_ref(ref: str) -> str:
    """A reference into the spec's components as one into ``$defs`` (any other left as it is)."""
    return "#/$defs/" + ref.removeprefix(_OPENAPI_AREA) if ref.startswith(_OPENAPI_AREA) else ref


def _raw_discriminator(schema: dict[str, Any]) -> None:
    discriminator = schema.get("discriminator")
    if not isinstance(discriminator, dict) or not isinstance(discriminator.get("propertyName"), str):
        return
    given = discriminator.get("mapping")
    mapping = {value: _local_ref(ref) if isinstance(ref, str) else ref for value, ref in (given or {}).items()}
    if mapping:
        schema["discriminator"] = {**discriminator, "mapping": mapping}
    keyword = next((key for key in ("oneOf", "anyOf") if isinstance(schema.get(key), list)), None)
    if keyword is None:
        return
    values: dict[str, list[str]] = {}
    for value, ref in mapping.items():
        target = ref if str(ref).startswith("#") else "#/$defs/" + str(ref)
        values.setdefault(target, []).append(str(value))
    schema[keyword] = [
        {"allOf": [member, _holding(discriminator["propertyName"], values[member["$ref"]])]}
        if isinstance(member, dict) and member.get("$ref") in values
        else member
        for member in schema[keyword]
    ]


def _holding(field: str, values: list[str]) -> dict[str, Any]:
    return {"properties": {field: {"enum": values}}, "required": [field]}
