"""The input of the model generator (datamodel-code-generator), written from the schema model's nodes.

Every named schema of the model (generator.schema: the spec's own, the bodies of its operations, the inline
objects and enums it named) becomes one schema of the input, under the class name the model chose for it
(``SchemaModel.classes``); references name classes. The nodes are written by the canonical writer
(generator.schema.canonical.Writer), with hooks that make datamodel-code-generator write the types we want,
one node at a time (its subschemas already written). They change no meaning:

- ``type: [T, "null"]`` becomes ``anyOf: [{type: T, ...}, {type: null}]`` for objects, arrays, enums and
  date-times (it otherwise loses map values and custom types); plain scalars keep the list. A named schema
  whose values are a class of their own (generator.schema.naming.apart) is ``anyOf: [<Name>Inline, null]``;
- ``type: number`` is ``StrictInt | StrictFloat``, so ``123`` stays ``123`` on a round trip;
- ``format: date-time`` names the runtime type that keeps the exact text (``DateTime``, or
  ``LocalDateTime`` where ``x-evaljobs-datetime-offset: optional``); other string formats are left out of the
  models (the string is kept as it is);
- a spec's ``default`` is left out (it documents the server; a model field without the key stays MISSING).

And they make every name the generator writes a safe one (see generator.names): the Python names of
properties and enum members are chosen here and handed to the model generator under NAMES_KEY
(generator.emit.models reads it), the original name kept as the alias. Keys that are not JSON Schema keywords
(``x-`` extensions above all: the model generator reads some as Python code) are left out; only the
generator's own ``x-python-type`` and ``x-enum-varnames`` are added.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator import names
from generator.problems import escape_pointer_token, join_pointer
from generator.schema import SchemaModel
from generator.schema.canonical import Writer
from generator.schema.nodes import ROOT, Node, Opaque
from generator.spec_walk import ref_tokens

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
_OWN_KEYS = frozenset({"x-evaljobs-datetime-offset"})  # read by the type rewrites, left out after them
# JSON numbers keep their spelling: 123 stays an int, 1.5 a float; neither accepts a bool or a string.
NUMBER = "pydantic.StrictInt | pydantic.StrictFloat"
_ANNOTATIONS = frozenset(
    {"description", "title", "default", "examples", "example", "deprecated", "readOnly", "writeOnly"}
)

Schema = dict[str, Any]


def for_models(model: SchemaModel) -> Schema:
    """The document to hand to datamodel-code-generator: an OpenAPI document of schemas alone, or a JSON
    Schema (its root the root's class, the other classes under ``$defs``); the Python names under NAMES_KEY."""
    writer = _Writer(model)
    entries: dict[str, Any] = {}
    for key, item in model.named.items():
        entries[model.classes[key]] = writer.definition(item.node)
    for node in model.inline:
        if node.name:
            entries[node.name] = writer.entry(node)
    classes = {key: model.classes[key] for key in model.named if key != ROOT}
    classes.update({node.name: node.name for node in model.inline if node.name})
    for key, name in model.values.items():
        written = entries[model.classes[key]]
        entries[name] = written["anyOf"][0]
        written["anyOf"] = [{"$ref": writer.ref_of(name)}, *written["anyOf"][1:]]
    root_class = model.classes.get(ROOT, "")
    python_names: dict[str, Any] = {"classes": classes, "root": root_class, "fields": _field_names(entries)}
    if model.kind == "openapi":
        return {
            "openapi": "3.1.0",
            "info": {"title": "models", "version": "0"},  # not written into models.py; kept out of reach
            "paths": {},
            "components": {"schemas": entries},
            NAMES_KEY: python_names,
        }
    top: Schema = entries.pop(root_class)
    top["$defs"] = entries
    top[NAMES_KEY] = python_names
    return top


class _Writer(Writer):
    """The canonical writer with the models' hooks: references to classes, keywords alone, the type rewrites."""

    def __init__(self, model: SchemaModel) -> None:
        super().__init__(self._class_ref)
        self.model = model

    def _class_ref(self, key: str) -> str:
        return "#" if key == ROOT else self.model.ref_of(self.model.classes.get(key, key))

    def extras(self, node: Node) -> dict[str, Any]:
        """The rest's keywords (no extension but the one the type rewrites read), its parts placed."""
        kept = {key: value for key, value in node.extensions.items() if key in _OWN_KEYS}
        rest = {key: value for key, value in node.rest.items() if key in SCHEMA_KEYWORDS}
        if node is self.model.node(ROOT):  # a JSON Schema's named schemas: entries of their own
            rest = {key: value for key, value in rest.items() if key not in ("$defs", "definitions")}
        return {**kept, **self._renamed(self.placed(rest, node.parts))}

    def finish(self, node: Node, written: Any) -> Any:
        if not isinstance(written, dict):
            return written
        if isinstance(node, Opaque):  # kept as the spec writes it: its keywords alone, its references renamed
            kept = {key: value for key, value in written.items() if key in SCHEMA_KEYWORDS or key in _OWN_KEYS}
            written = self._renamed(kept)
        return _typed(written)

    def _renamed(self, schema: dict[str, Any]) -> dict[str, Any]:
        """``schema`` as the spec writes it, its reference and discriminator's mapping renamed to classes."""
        if isinstance(schema.get("$ref"), str):
            schema = {**schema, "$ref": self._renamed_ref(schema["$ref"])}
        discriminator = schema.get("discriminator")
        if isinstance(discriminator, dict) and isinstance(discriminator.get("mapping"), dict):
            mapping = {
                key: self._renamed_ref(value if value.startswith("#") else join_pointer("#/components/schemas", value))
                for key, value in discriminator["mapping"].items()
            }
            schema = {**schema, "discriminator": {**discriminator, "mapping": mapping}}
        return schema

    def _renamed_ref(self, ref: str) -> str:
        """A local reference in canonical form, the named schema it names renamed to its class."""
        tokens = ref_tokens(ref)
        area = list(self.model.area)
        if tokens[: len(area)] == area and len(tokens) > len(area) and tokens[len(area)] in self.model.classes:
            tokens[len(area)] = self.model.classes[tokens[len(area)]]
        return "#" + "".join("/" + escape_pointer_token(token) for token in tokens)


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


def _typed(schema: Schema) -> Schema:
    """The type rewrites of one schema (see the module's docstring), its subschemas already written."""
    if isinstance(schema.get("enum"), list) and None in schema["enum"] and not isinstance(schema.get("type"), list):
        return _split_null_enum(schema)
    schema = dict(schema)
    schema.pop("default", None)
    declared = schema.get("type")
    if isinstance(declared, list) and not _plain_scalars(schema, declared):
        return _split_types(schema, declared)
    if declared == "number" or (isinstance(declared, list) and "number" in declared):
        schema = {**schema, "x-python-type": NUMBER}
    elif declared == "string" and schema.get("format") == "date-time":
        optional = schema.get("x-evaljobs-datetime-offset") == "optional"
        schema = {**schema, "x-python-type": f"{RUNTIME}.{'LocalDateTime' if optional else 'DateTime'}"}
    elif "format" in schema and (declared == "string" or (isinstance(declared, list) and "string" in declared)):
        # Other string formats (email, uri, uuid, date, byte...) would become types that change the text on a
        # round trip (a URL gains a slash) or need extra packages: the models keep the string as it is.
        schema = {key: value for key, value in schema.items() if key != "format"}
    return _final(schema)


def _final(schema: Schema) -> Schema:
    """Without the keys only the type rewrites read; the members of an enum whose values Python would fold
    named."""
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


def _split_null_enum(schema: Schema) -> Schema:
    """``enum: [a, null]`` (no type list): a string enum or null. With a single non-null ``type``, null
    cannot match anyway and leaves the list."""
    values = [value for value in schema["enum"] if value is not None]
    if schema.get("type") not in (None, "null"):
        kept: Schema = _typed({**schema, "enum": values})
        return kept
    outer = {key: value for key, value in schema.items() if key in _ANNOTATIONS}
    inner = {key: value for key, value in schema.items() if key not in _ANNOTATIONS and key != "type"}
    if schema.get("type") == "null" or not values:
        return {**outer, "type": "null"}
    return {**outer, "anyOf": [_typed({**inner, "type": "string", "enum": values}), {"type": "null"}]}


def _split_types(schema: Schema, types: list[str]) -> Schema:
    if len(types) == 1:
        single: Schema = _typed({**schema, "type": types[0]})
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
        branches.append(_typed(branch))
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
