"""Rewrite a checked spec into the form the model generator is given.

The rewrites change no meaning; they make datamodel-code-generator write the types we want:

- ``type: [T, "null"]`` becomes ``anyOf: [{type: T, ...}, {type: null}]`` for objects, arrays, enums and
  date-times (it otherwise loses map values and custom types); plain scalars keep the list;
- ``type: number`` is ``StrictInt | StrictFloat``, so ``123`` stays ``123`` on a round trip;
- ``format: date-time`` names the runtime type that keeps the exact text (``DateTime``, or
  ``LocalDateTime`` where ``x-evaljobs-datetime-offset: optional``); other string formats are left out of the
  models (the string is kept as it is);
- inline objects and enums move to named schemas, named from their place (``EvaluationJobStatusDetails``,
  ``APIEvaluationRunStatus``), never ``Status1``.

And they make every name the generator writes a safe one (see generator.names): schemas are renamed to
their class names (references follow), and the Python names of properties and enum members are chosen
here and handed to the model generator under NAMES_KEY (generator.emit.models reads it), the original name
kept as the alias. Keys that are not JSON Schema keywords (``x-`` extensions above all: the model
generator reads some as Python code) are dropped; only the generator's own ``x-python-type`` is added.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from generator import names
from generator.problems import Problem, escape_pointer_token, join_pointer
from generator.spec_walk import SUBSCHEMA, SUBSCHEMA_LISTS, SUBSCHEMA_MAPS, ref_tokens

RUNTIME = "evaljobs._types"
# Where the normalized document carries the Python names chosen here (removed before the model generator
# sees the document): {"classes": {schema name: class}, "root": class of a JSON Schema's root,
# "fields": {"Class.property": attribute} for renamed properties}.
NAMES_KEY = "x-evaljobs-python-names"
# The keys a schema keeps on its way to the model generator: JSON Schema 2020-12 and OpenAPI 3.1 keywords.
SCHEMA_KEYWORDS = frozenset(
    {
        "$ref",
        "$defs",
        "$schema",
        "title",
        "description",
        "default",
        "examples",
        "example",
        "deprecated",
        "readOnly",
        "writeOnly",
        "type",
        "enum",
        "const",
        "multipleOf",
        "maximum",
        "exclusiveMaximum",
        "minimum",
        "exclusiveMinimum",
        "maxLength",
        "minLength",
        "pattern",
        "format",
        "contentEncoding",
        "contentMediaType",
        "contentSchema",
        "items",
        "prefixItems",
        "maxItems",
        "minItems",
        "uniqueItems",
        "contains",
        "maxContains",
        "minContains",
        "properties",
        "patternProperties",
        "additionalProperties",
        "propertyNames",
        "required",
        "maxProperties",
        "minProperties",
        "dependentRequired",
        "dependentSchemas",
        "definitions",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "if",
        "then",
        "else",
        "unevaluatedProperties",
        "unevaluatedItems",
        "discriminator",
        "nullable",
    }
)
_OWN_KEYS = frozenset({"x-evaljobs-datetime-offset"})  # read by the rewrites, dropped after them
# JSON numbers keep their spelling: 123 stays an int, 1.5 a float; neither accepts a bool or a string.
NUMBER = "pydantic.StrictInt | pydantic.StrictFloat"
_ANNOTATIONS = frozenset(
    {"description", "title", "default", "examples", "example", "deprecated", "readOnly", "writeOnly"}
)

Schema = dict[str, Any]


def for_models(document: Mapping[str, Any], kind: str, root_name: str, label: str) -> tuple[Schema, list[Problem]]:
    """The document to hand to datamodel-code-generator, and any problem found on the way.

    ``root_name`` is the wanted class name of a JSON Schema's root; the one given is under NAMES_KEY.
    """
    if kind == "openapi":
        originals = dict(document.get("components", {}).get("schemas", {}))
        base = "/components/schemas"
        root_class = ""
    else:
        root = dict(document)
        originals = dict(root.pop("$defs", {}))
        base = "/$defs"
        root_class = names.class_name(root_name)
    classes = names.class_names(originals, taken=[root_class] if root_class else [])
    prefix = f"#{base}/"

    def rename(ref: str) -> str:
        return _renamed_ref(ref, base, classes)

    schemas = {
        classes[name]: _rewrite(_rename_refs(copy.deepcopy(schema), rename)) for name, schema in originals.items()
    }
    hoister = _Hoister(schemas, prefix, label, taken=[root_class] if root_class else [])
    schemas = {
        cls: hoister.root(schema, cls, join_pointer(base, name))
        for (name, cls), schema in zip(classes.items(), schemas.values(), strict=True)
    }
    python_names = {"classes": classes, "root": root_class, "fields": {}}
    if kind == "openapi":
        schemas.update(hoister.hoisted)
        schemas = {name: _finish(schema) for name, schema in schemas.items()}
        python_names["fields"] = _field_names(schemas)
        return {
            "openapi": document["openapi"],
            "info": {"title": "models", "version": "0"},  # not written into models.py; kept out of reach
            "paths": {},
            "components": {"schemas": schemas},
            NAMES_KEY: python_names,
        }, hoister.problems
    top = _finish(hoister.root(_rewrite(_rename_refs(copy.deepcopy(root), rename)), root_class, ""))
    top["$defs"] = {name: _finish(schema) for name, schema in {**schemas, **hoister.hoisted}.items()}
    python_names["fields"] = _field_names({root_class: top, **top["$defs"]})
    top[NAMES_KEY] = python_names
    return top, hoister.problems


def _renamed_ref(ref: str, base: str, classes: Mapping[str, str]) -> str:
    """A local reference in canonical form, the schema it names renamed to its class."""
    tokens = ref_tokens(ref)
    area = [token for token in base.split("/") if token]
    if tokens[: len(area)] == area and len(tokens) > len(area) and tokens[len(area)] in classes:
        tokens[len(area)] = classes[tokens[len(area)]]
    return "#" + "".join("/" + escape_pointer_token(token) for token in tokens)


def _rename_refs(schema: Any, rename: Callable[[str], str]) -> Any:
    """``schema`` with every reference (and discriminator mapping) renamed; keys that are no keywords dropped."""
    if not isinstance(schema, dict):
        return schema
    schema = {key: value for key, value in schema.items() if key in SCHEMA_KEYWORDS or key in _OWN_KEYS}
    schema = _map_subschemas(schema, lambda item: _rename_refs(item, rename))
    if isinstance(schema.get("$ref"), str):
        schema["$ref"] = rename(schema["$ref"])
    discriminator = schema.get("discriminator")
    if isinstance(discriminator, dict) and isinstance(discriminator.get("mapping"), dict):
        mapping = {
            key: rename(value) if value.startswith("#") else rename(join_pointer("#/components/schemas", value))
            for key, value in discriminator["mapping"].items()
        }
        schema["discriminator"] = {**discriminator, "mapping": mapping}
    return schema


def _finish(schema: Any) -> Any:
    """Drop the keys only the rewrites read; name the members of enums whose values Python would fold."""
    if not isinstance(schema, dict):
        return schema
    schema = _map_subschemas(schema, _finish)
    for key in _OWN_KEYS:
        schema.pop(key, None)
    values = schema.get("enum")
    if (
        isinstance(values, list)
        and all(isinstance(value, str) for value in values)
        and any(names.nfkc(value) != value for value in values)
    ):
        schema["x-enum-varnames"] = [names.nfkc(value) for value in values]
    return schema


def _field_names(schemas: Mapping[str, Any]) -> dict[str, str]:
    """``Class.property`` -> attribute, for every property whose name is not its own Python name."""
    renamed = {}
    for class_name, schema in schemas.items():
        properties = schema.get("properties") if isinstance(schema, dict) else None
        if isinstance(properties, dict):
            for original, attribute in names.field_names(properties).items():
                if attribute != original:
                    renamed[f"{class_name}.{original}"] = attribute
    return renamed


def _rewrite(schema: Any) -> Any:
    """Apply the type rewrites to ``schema`` and everything nested in it (returns new dicts)."""
    if not isinstance(schema, dict):
        return schema
    schema = _map_subschemas(schema, _rewrite)
    if isinstance(schema.get("enum"), list) and None in schema["enum"] and not isinstance(schema.get("type"), list):
        return _split_null_enum(schema)
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
    elif "format" in schema and (declared == "string" or (isinstance(declared, list) and "string" in declared)):
        # Other string formats (email, uri, uuid, date, byte...) would become types that change the text on a
        # round trip (a URL gains a slash) or need extra packages: the models keep the string as it is.
        schema = {key: value for key, value in schema.items() if key != "format"}
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


def _split_null_enum(schema: Schema) -> Schema:
    """``enum: [a, null]`` (no type list): a string enum or null. With a single non-null ``type``, null
    cannot match anyway and leaves the list."""
    values = [value for value in schema["enum"] if value is not None]
    if schema.get("type") not in (None, "null"):
        kept: Schema = _rewrite({**schema, "enum": values})
        return kept
    outer = {key: value for key, value in schema.items() if key in _ANNOTATIONS}
    inner = {key: value for key, value in schema.items() if key not in _ANNOTATIONS and key != "type"}
    if schema.get("type") == "null" or not values:
        return {**outer, "type": "null"}
    return {**outer, "anyOf": [_rewrite({**inner, "type": "string", "enum": values}), {"type": "null"}]}


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

    def __init__(self, named: Mapping[str, Any], ref_prefix: str, label: str, taken: list[str]) -> None:
        self.named = named
        self.ref_prefix = ref_prefix
        self.label = label
        self.hoisted: dict[str, Schema] = {}
        self.problems: list[Problem] = []
        self.taken = {name.casefold() for name in [*named, *taken]}

    def root(self, schema: Any, name: str, pointer: str) -> Any:
        """``schema`` (a named schema itself) with everything inline below it hoisted."""
        if not isinstance(schema, dict):
            return schema
        result = dict(schema)
        for key in SUBSCHEMA:
            if isinstance(result.get(key), dict):
                suffix = {"items": "Item", "additionalProperties": "Value"}.get(key, names.pascal(key))
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
                    prop: self.inline(item, name + names.pascal(prop), join_pointer(pointer, key, prop))
                    for prop, item in result[key].items()
                }
        return result

    def inline(self, schema: Any, name: str, pointer: str) -> Any:
        if not _is_model_worthy(schema):
            return self.root(schema, name, pointer)
        if isinstance(schema.get("title"), str) and schema["title"].strip():
            name = names.pascal(schema["title"])
        name = names.class_name(name)
        if name.casefold() in self.taken:  # (a named enum that allows null: its values are a class of their own)
            name = names.free_class_name(name + "Inline", self.taken)  # as generator.schema.naming falls back
        self.hoisted[name] = {}  # reserve the name before recursing
        self.taken.add(name.casefold())
        self.hoisted[name] = self.root(schema, name, pointer)
        return {"$ref": self.ref_prefix + name}
