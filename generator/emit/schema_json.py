"""A spec's schemas as one self-contained JSON Schema 2020-12 document (``evaljobs/<api>/schema.json``).

Every component becomes an entry of ``$defs`` (references rewritten to ``#/$defs/...``), so any JSON Schema
validator can check payloads against ``{"$ref": "schema.json#/$defs/Name"}``. A date-time whose offset
the spec makes optional gets ``format: date-time-local`` (documented in schemas/README.md). What a
discriminator says is spelled out from the schema model's union nodes.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from generator.schema import SchemaModel
from generator.schema.nodes import ROOT, Node, Opaque, Ref, Union
from generator.spec_walk import all_schemas

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def bundle(model: SchemaModel, document: Mapping[str, Any], title: str) -> dict[str, Any]:
    """The JSON Schema of ``document``, the canonical document of ``model``."""
    if model.kind == "openapi":
        result: dict[str, Any] = {
            "$schema": DIALECT,
            "title": title,
            "$defs": copy.deepcopy(dict(document.get("components", {}).get("schemas", {}))),
        }
    else:
        result = copy.deepcopy(dict(document))
    for _, schema in all_schemas(result, "jsonschema"):
        if not isinstance(schema, dict):
            continue
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            schema["$ref"] = "#/$defs/" + ref.removeprefix("#/components/schemas/")
        if schema.get("format") == "date-time" and schema.get("x-evaljobs-datetime-offset") == "optional":
            schema["format"] = "date-time-local"
    _discriminators(model, result)
    return result


def _discriminators(model: SchemaModel, result: dict[str, Any]) -> None:
    """Say in JSON Schema what a discriminator says in OpenAPI, as the models read it: in a ``oneOf``/``anyOf``
    with a discriminator, a member is chosen only with one of its values. (A base schema's discriminator,
    polymorphism through ``allOf``, is left as the spec writes it.) A schema the model keeps verbatim (``Opaque``:
    a union beside properties) is spelled out from what it writes."""
    defs = result.get("$defs", {})
    entries = [(item.node, result if key == ROOT else defs.get(key)) for key, item in model.named.items()]
    entries += [(node, defs.get(node.name)) for node in model.inline if node.name]
    for root, written in entries:
        for node, place in _written_places(root, written):
            if isinstance(node, Opaque):
                _opaque_discriminators(place)
            if not isinstance(node, Union) or node.discriminator is None:
                continue
            keyword = "oneOf" if node.exclusive else "anyOf"
            values: dict[str, list[str]] = {}
            for value, key in node.discriminator.mapping.items():
                values.setdefault(key, []).append(value)
            field = node.discriminator.property
            place[keyword] = [
                {"allOf": [written_member, _holding(field, values[member.target])]}
                if isinstance(member, Ref) and not member.nullable and member.target in values
                else written_member
                for member, written_member in zip(node.members, place[keyword], strict=True)
            ]


def _written_places(node: Node, written: Any) -> Iterator[tuple[Node, dict[str, Any]]]:
    """``node`` and the nodes below it written in the same entry (a named one is an entry of its own), each with
    the schema it is written as."""
    if not isinstance(written, dict):
        return
    yield node, written
    for path, child in node.children():
        if child.name is not None:
            continue
        place: Any = written
        for token in path:
            place = _step(place, token)
        yield from _written_places(child, place)


def _step(written: Any, token: str | int) -> Any:
    if isinstance(written, dict) and isinstance(token, str):
        return written.get(token)
    if isinstance(written, list) and isinstance(token, int) and token < len(written):
        return written[token]
    return None


def _opaque_discriminators(written: dict[str, Any]) -> None:
    """The discriminators of a schema the model keeps as the spec writes it, and of the schemas in it."""
    for _, found in all_schemas({"$defs": {"opaque": written}}, "jsonschema"):
        schema = found if isinstance(found, dict) else {}
        discriminator = schema.get("discriminator")
        if not isinstance(discriminator, dict) or not isinstance(discriminator.get("propertyName"), str):
            continue
        keyword = next((key for key in ("oneOf", "anyOf") if isinstance(schema.get(key), list)), None)
        if keyword is None:
            continue
        values: dict[str, list[str]] = {}
        for value, ref in (discriminator.get("mapping") or {}).items():
            target = ref if str(ref).startswith("#") else "#/$defs/" + str(ref)
            values.setdefault(target.replace("#/components/schemas/", "#/$defs/"), []).append(str(value))
        schema[keyword] = [
            {"allOf": [member, _holding(discriminator["propertyName"], values[member["$ref"]])]}
            if isinstance(member, dict) and member.get("$ref") in values
            else member
            for member in schema[keyword]
        ]


def _holding(field: str, values: list[str]) -> dict[str, Any]:
    return {"properties": {field: {"enum": values}}, "required": [field]}
