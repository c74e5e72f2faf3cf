"""Rewrite a checked spec into the form the model generator is given.

The rewrites change no meaning; they make datamodel-code-generator write the types we want:

- ``type: [T, "null"]`` becomes ``anyOf: [{type: T, ...}, {type: null}]`` for objects, arrays, enums and
  date-times (it otherwise loses map values and custom types); plain scalars keep the list;
- ``type: number`` is ``StrictInt | StrictFloat``, so ``123`` stays ``123`` on a round trip;
- ``format: date-time`` names the runtime type that keeps the exact text (``DateTime``, or
  ``LocalDateTime`` where ``x-evaljobs-datetime-offset: optional``);
- inline objects and enums move to named schemas, named from their place (``EvaluationJobStatusDetails``,
  ``APIEvaluationRunStatus``), never ``Status1``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from typing import Any

from generator.problems import Problem, join_pointer
from generator.walk import SUBSCHEMA, SUBSCHEMA_LISTS, SUBSCHEMA_MAPS

RUNTIME = "evaljobs._types"
# JSON numbers keep their spelling: 123 stays an int, 1.5 a float; neither accepts a bool or a string.
NUMBER = "pydantic.StrictInt | pydantic.StrictFloat"
_ANNOTATIONS = frozenset(
    {"description", "title", "default", "examples", "example", "deprecated", "readOnly", "writeOnly"}
)

Schema = dict[str, Any]


def pascal(text: str) -> str:
    """``job_status`` / ``job-status`` / ``jobStatus`` -> ``JobStatus``; keeps inner capitals."""
    words = re.split(r"[^0-9A-Za-z]+", text)
    return "".join(word[:1].upper() + word[1:] for word in words if word)


def for_models(document: Mapping[str, Any], kind: str, root_name: str, label: str) -> tuple[Schema, list[Problem]]:
    """The document to hand to datamodel-code-generator, and any problem found on the way."""
    if kind == "openapi":
        schemas = copy.deepcopy(dict(document.get("components", {}).get("schemas", {})))
        base = "/components/schemas"
    else:
        root = copy.deepcopy(dict(document))
        schemas = dict(root.pop("$defs", {}))
        base = "/$defs"
    schemas = {name: _rewrite(schema) for name, schema in schemas.items()}
    hoister = _Hoister(schemas, f"#{base}/", label)
    schemas = {name: hoister.root(schema, name, join_pointer(base, name)) for name, schema in schemas.items()}
    if kind == "openapi":
        schemas.update(hoister.hoisted)
        info = document.get("info", {})
        return {
            "openapi": document["openapi"],
            "info": info,
            "paths": {},
            "components": {"schemas": schemas},
        }, hoister.problems
    root = hoister.root(_rewrite(root), root_name, "")
    root["$defs"] = {**schemas, **hoister.hoisted}
    return root, hoister.problems


def _rewrite(schema: Any) -> Any:
    """Apply the type rewrites to ``schema`` and everything nested in it (returns new dicts)."""
    if not isinstance(schema, dict):
        return schema
    schema = _map_subschemas(schema, _rewrite)
    # A spec's `default` documents the server's behaviour; a model field without the key stays MISSING.
    schema.pop("default", None)
    declared = schema.get("type")
    if isinstance(declared, list) and not _plain_scalars(schema, declared):
        schema = _split_types(schema, declared)
    elif declared == "number" or (isinstance(declared, list) and "number" in declared):
        schema = {**schema, "x-python-type": NUMBER}
    elif declared == "string" and schema.get("format") == "date-time":
        optional = schema.get("x-evaljobs-datetime-offset") == "optional"
        schema = {**schema, "x-python-type": f"{RUNTIME}.{'LocalDateTime' if optional else 'DateTime'}"}
    return schema


def _map_subschemas(schema: Schema, function: Callable[[Any], Any]) -> Schema:
    result = dict(schema)
    for key in SUBSCHEMA:
        if isinstance(result.get(key), dict):
            result[key] = function(result[key])
    for key in SUBSCHEMA_LISTS:
        if isinstance(result.get(key), list):
            result[key] = [function(item) for item in result[key]]
    for key in SUBSCHEMA_MAPS:
        if isinstance(result.get(key), dict):
            result[key] = {name: function(item) for name, item in result[key].items()}
    return result


def _split_types(schema: Schema, types: list[str]) -> Schema:
    if len(types) == 1:
        single: Schema = _rewrite({**schema, "type": types[0]})
        return single
    outer = {key: value for key, value in schema.items() if key in _ANNOTATIONS}
    inner = {key: value for key, value in schema.items() if key not in _ANNOTATIONS and key != "type"}
    branches: list[Schema] = []
    for name in types:
        if name == "null":
            branches.append({"type": "null"})
            continue
        branch = {**inner, "type": name}
        if "enum" in branch:
            branch["enum"] = [value for value in branch["enum"] if value is not None]
        branches.append(_rewrite(branch))
    if "anyOf" in inner:  # both: keep the declared union and the type union
        return {**outer, "allOf": [{"anyOf": inner["anyOf"]}, {"anyOf": branches}]}
    return {**outer, "anyOf": branches}


def _plain_scalars(schema: Schema, types: list[str]) -> bool:
    """A list of scalar types (and null) that the model generator renders as a plain union, constraints kept."""
    scalars = {"string", "integer", "number", "boolean", "null"}
    return (
        set(types) <= scalars
        and "enum" not in schema
        and schema.get("format") != "date-time"
        and not ("number" in types and "integer" in types)
    )


def _is_model_worthy(schema: Any) -> bool:
    """Inline schemas that become classes: objects with properties, and enums."""
    return isinstance(schema, dict) and "$ref" not in schema and ("properties" in schema or "enum" in schema)


class _Hoister:
    """Moves inline objects and enums into named schemas, named from their place."""

    def __init__(self, named: Mapping[str, Any], ref_prefix: str, label: str) -> None:
        self.named = named
        self.ref_prefix = ref_prefix
        self.label = label
        self.hoisted: dict[str, Schema] = {}
        self.problems: list[Problem] = []

    def root(self, schema: Any, name: str, pointer: str) -> Any:
        """``schema`` (a named schema itself) with everything inline below it hoisted."""
        if not isinstance(schema, dict):
            return schema
        result = dict(schema)
        for key in SUBSCHEMA:
            if isinstance(result.get(key), dict):
                suffix = {"items": "Item", "additionalProperties": "Value"}.get(key, pascal(key))
                result[key] = self.inline(result[key], name + suffix, join_pointer(pointer, key))
        for key in SUBSCHEMA_LISTS:
            if isinstance(result.get(key), list):
                worthy = sum(_is_model_worthy(item) for item in result[key])
                result[key] = [
                    self.inline(
                        item, name + ("" if worthy <= 1 else f"Option{index + 1}"), join_pointer(pointer, key, index)
                    )
                    for index, item in enumerate(result[key])
                ]
        for key in SUBSCHEMA_MAPS:
            if isinstance(result.get(key), dict):
                result[key] = {
                    prop: self.inline(item, name + pascal(prop), join_pointer(pointer, key, prop))
                    for prop, item in result[key].items()
                }
        return result

    def inline(self, schema: Any, name: str, pointer: str) -> Any:
        if not _is_model_worthy(schema):
            return self.root(schema, name, pointer)
        if isinstance(schema.get("title"), str) and schema["title"].strip():
            name = pascal(schema["title"])
        if name in self.named or name in self.hoisted:
            self.problems.append(
                Problem(
                    self.label,
                    pointer,
                    (
                        f"this inline schema would be named {name!r}, which another schema already has; "
                        "give it a `title` or move it to components/schemas"
                    ),
                )
            )
            return schema
        self.hoisted[name] = {}  # reserve the name before recursing
        self.hoisted[name] = self.root(schema, name, pointer)
        return {"$ref": self.ref_prefix + name}
