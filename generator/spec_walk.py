"""Walk the schemas of an OpenAPI or JSON Schema document, knowing which values are schemas.

Data (examples, defaults, enum values, `x-` extensions) is never walked into, so a `$ref` or a
`type` inside an example is not mistaken for part of the schema.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote

from generator.problems import join_pointer

# Keywords whose value is one subschema, a list of them, or a name -> subschema map.
SUBSCHEMA = (
    "items",
    "additionalProperties",
    "not",
    "propertyNames",
    "contains",
    "if",
    "then",
    "else",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contentSchema",
)
SUBSCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
# Keys of OpenAPI objects (outside schemas) whose values are never walked.
_DATA_KEYS = frozenset({"example", "examples", "default", "enum", "const"})


def subschemas(schema: Mapping[str, Any], pointer: str) -> Iterator[tuple[str, Any]]:
    """The direct subschemas of ``schema``, with their pointers."""
    for key in SUBSCHEMA:
        if key in schema and isinstance(schema[key], Mapping):
            yield join_pointer(pointer, key), schema[key]
    for key in SUBSCHEMA_LISTS:
        if isinstance(schema.get(key), list):
            for index, item in enumerate(schema[key]):
                yield join_pointer(pointer, key, index), item
    for key in SUBSCHEMA_MAPS:
        if isinstance(schema.get(key), Mapping):
            for name, item in schema[key].items():
                yield join_pointer(pointer, key, name), item


def walk_schema(schema: Any, pointer: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``schema`` and every schema nested in it, depth first."""
    stack = [(pointer, schema)]
    while stack:
        here, node = stack.pop()
        if not isinstance(node, Mapping):
            continue
        yield here, node
        stack.extend(reversed(list(subschemas(node, here))))


def schema_roots(document: Mapping[str, Any], kind: str) -> Iterator[tuple[str, Any]]:
    """The top-level schemas of a document: the root of a JSON Schema; for OpenAPI, every
    `components.schemas` entry and every `schema` of a parameter, header or media type."""
    if kind == "jsonschema":
        yield "", document
        return
    components = document.get("components")
    if isinstance(components, Mapping) and isinstance(components.get("schemas"), Mapping):
        for name, schema in components["schemas"].items():
            yield join_pointer("/components/schemas", name), schema
    yield from _openapi_schema_keys(document, "", skip={"components"})
    if isinstance(components, Mapping):
        for key, value in components.items():
            if key != "schemas":
                yield from _openapi_schema_keys(value, join_pointer("/components", key), skip=set())


def _openapi_schema_keys(node: Any, pointer: str, skip: set[str]) -> Iterator[tuple[str, Any]]:
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _openapi_schema_keys(item, join_pointer(pointer, index), set())
    elif isinstance(node, Mapping):
        for key, value in node.items():
            if key in skip or key in _DATA_KEYS or (isinstance(key, str) and key.startswith("x-")):
                continue
            if key == "schema":
                yield join_pointer(pointer, key), value
            else:
                yield from _openapi_schema_keys(value, join_pointer(pointer, key), set())


def all_schemas(document: Mapping[str, Any], kind: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for pointer, root in schema_roots(document, kind):
        yield from walk_schema(root, pointer)


def ref_tokens(ref: str) -> list[str]:
    """The reference tokens of a local reference ``#/a/b`` (URI fragment: percent-decoded, then RFC 6901)."""
    if ref == "#":
        return []
    return [unquote(raw).replace("~1", "/").replace("~0", "~") for raw in ref[2:].split("/")]


def resolve_pointer(document: Any, ref: str) -> Any:
    """The value at a local reference ``#/a/b``; raises KeyError when it does not resolve."""
    node = document
    for token in ref_tokens(ref):
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise KeyError(ref)
    return node


def structure_refs(document: Mapping[str, Any], kind: str) -> Iterator[tuple[str, str]]:
    """Every `$ref` of the document: inside schemas and in OpenAPI objects (responses, parameters...)."""
    for pointer, schema in all_schemas(document, kind):
        if "$ref" in schema:
            yield join_pointer(pointer, "$ref"), schema["$ref"]
    if kind == "openapi":
        yield from _object_refs(document, "")


def _object_refs(node: Any, pointer: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _object_refs(item, join_pointer(pointer, index))
    elif isinstance(node, Mapping):
        for key, value in node.items():
            if key in _DATA_KEYS or key in {"schema", "schemas"} or (isinstance(key, str) and key.startswith("x-")):
                continue
            if key == "$ref":
                yield join_pointer(pointer, key), value
            else:
                yield from _object_refs(value, join_pointer(pointer, key))


def patterns(document: Mapping[str, Any], kind: str) -> Iterator[tuple[str, str]]:
    """Every regular expression of the document's schemas: `pattern` values and `patternProperties` keys."""
    for pointer, schema in all_schemas(document, kind):
        if isinstance(schema.get("pattern"), str):
            yield join_pointer(pointer, "pattern"), schema["pattern"]
        if isinstance(schema.get("patternProperties"), Mapping):
            for key in schema["patternProperties"]:
                yield join_pointer(pointer, "patternProperties", key), str(key)
