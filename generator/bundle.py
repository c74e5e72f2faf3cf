"""A spec's schemas as one self-contained JSON Schema 2020-12 document (``evaljobs/<api>/schema.json``).

Every component becomes an entry of ``$defs`` (references rewritten to ``#/$defs/...``), so any JSON Schema
validator can check payloads against ``{"$ref": "schema.json#/$defs/Name"}``. A date-time whose offset
the spec makes optional gets ``format: date-time-local`` (documented in schemas/README.md).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from generator.walk import all_schemas

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
    return result
