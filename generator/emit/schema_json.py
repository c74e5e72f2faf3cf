"""A spec's schemas as one self-contained JSON Schema 2020-12 document (``evaljobs/<api>/schema.json``).

Every component becomes an entry of ``$defs`` (references rewritten to ``#/$defs/...``), so any JSON Schema
validator can check payloads against ``{"$ref": "schema.json#/$defs/Name"}``. A date-time whose offset
the spec makes optional gets ``format: date-time-local`` (documented in schemas/README.md).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from generator.spec_walk import all_schemas

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def bundle(document: Mapping[str, Any], kind: str, title: str) -> dict[str, Any]:
    if kind == "openapi":
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
    _discriminators(result.get("$defs", {}))
    return result


def _discriminators(defs: dict[str, Any]) -> None:
    """Say in JSON Schema what a discriminator says in OpenAPI, as the models read it: in a ``oneOf``/``anyOf``
    with a discriminator, a member is chosen only with one of its values. (A base schema's discriminator,
    polymorphism through ``allOf``, is left as the spec writes it.)"""
    for _, found in all_schemas({"$defs": defs}, "jsonschema"):
        schema = found if isinstance(found, dict) else {}
        discriminator = schema.get("discriminator")
        if not isinstance(discriminator, dict) or not isinstance(discriminator.get("propertyName"), str):
            continue
        field = discriminator["propertyName"]
        keyword = next((key for key in ("oneOf", "anyOf") if isinstance(schema.get(key), list)), None)
        if keyword is not None:
            values = _values(discriminator.get("mapping") or {})
            schema[keyword] = [
                {"allOf": [member, _holding(field, values[member["$ref"]])]}
                if isinstance(member, dict) and member.get("$ref") in values
                else member
                for member in schema[keyword]
            ]


def _values(mapping: dict[str, Any]) -> dict[str, list[str]]:
    """``$ref`` of a member -> the discriminator values that choose it."""
    values: dict[str, list[str]] = {}
    for value, ref in mapping.items():
        target = ref if str(ref).startswith("#") else "#/$defs/" + str(ref)
        target = target.replace("#/components/schemas/", "#/$defs/")
        values.setdefault(target, []).append(str(value))
    return values


def _holding(field: str, values: list[str]) -> dict[str, Any]:
    return {"properties": {field: {"enum": values}}, "required": [field]}
