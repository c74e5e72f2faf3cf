"""Check a loaded spec before anything is generated from it; every problem, with its place.

What is refused, and why:

- references that are not local JSON pointers (remote URLs, ``file:``, relative paths, ``$id``-based and
  anchor references), that dangle, that point at something other than a schema, or that only lead to
  themselves; ``$dynamicRef``/``$recursiveRef`` and embedded ``$id`` (they change how references resolve);
- a ``type`` that is not a JSON type (it would silently become ``Any``);
- schema keys that name Python code for the model generator (``x-python-type``, ``x-python-import``,
  ``customTypePath``, ``customBasePath``, ``default_factory``): only the generator itself sets them;
- enum values other than strings (and null): the generated enums are string enums;
- regular expressions that the models' regex engine (Rust, linear time: no look-around, no
  backreferences) cannot compile, which would fail only when a payload is validated.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from pydantic_core import SchemaError, SchemaValidator, core_schema

from generator.problems import Problem, join_pointer
from generator.spec_walk import all_schemas, patterns, ref_tokens, resolve_pointer, structure_refs

JSON_TYPES = frozenset({"object", "array", "string", "integer", "number", "boolean", "null"})
# Keys that make datamodel-code-generator write a Python type, import or call named by the spec.
CODE_KEYS = frozenset({"x-python-type", "x-python-import", "customTypePath", "customBasePath", "default_factory"})
# Keywords that make references resolve against something other than the document root.
DYNAMIC_KEYS = frozenset({"$dynamicRef", "$dynamicAnchor", "$recursiveRef", "$recursiveAnchor"})
_SCHEMA_AREAS = {"openapi": ("components", "schemas")}
_LOCAL_ONLY = "only local references (#/...) are allowed"


def check_document(document: Mapping[str, Any], kind: str, label: str) -> list[Problem]:
    """Our own checks first (they never touch the network); the spec validator only on a document
    whose references are all local, resolvable and acyclic, so it cannot fetch anything or loop."""
    problems = (
        check_refs(document, kind, label)
        + check_keys(document, kind, label)
        + check_types(document, kind, label)
        + check_enums(document, kind, label)
        + check_patterns(document, kind, label)
    )
    if problems:
        return problems
    try:
        if kind == "openapi":
            return check_openapi(document, label)
        return check_json_schema(document, label)
    except (RecursionError, ValueError, TypeError, KeyError) as error:  # the validators' own failures
        return [Problem(label, "", f"the spec validator failed: {type(error).__name__}: {error}")]


def check_refs(document: Mapping[str, Any], kind: str, label: str) -> list[Problem]:
    problems = []
    schema_places = {pointer for pointer, _ in all_schemas(document, kind)}
    schema_refs = {pointer for pointer, _ in _schema_refs(document, kind)}
    for pointer, ref in structure_refs(document, kind):
        message = _ref_problem(document, ref)
        if message is None and pointer in schema_refs:
            message = _target_problem(ref, kind, schema_places)
        if message:
            problems.append(Problem(label, pointer, message))
    for pointer, ref in _mapping_refs(document, kind):
        message = _ref_problem(document, ref) or _target_problem(ref, kind, schema_places)
        if message:
            problems.append(Problem(label, pointer, message))
    if not problems:
        problems.extend(_cycles(document, kind, label))
    return problems


def _ref_problem(document: Mapping[str, Any], ref: Any) -> str | None:
    if not isinstance(ref, str):
        return f"$ref must be a string, found {type(ref).__name__}"
    if ref.startswith(("http:", "https:", "//")):
        return f"remote $ref {ref!r} refused: {_LOCAL_ONLY} (an `$id` URL is not resolved either)"
    if ref.startswith("file:"):
        return f"file $ref {ref!r} refused: {_LOCAL_ONLY}"
    if ref.startswith("#") and ref != "#" and not ref.startswith("#/"):
        return f"$ref {ref!r} names an anchor: {_LOCAL_ONLY}, as JSON pointers"
    if not (ref == "#" or ref.startswith("#/")):
        return f"$ref {ref!r} points outside this document: {_LOCAL_ONLY}"
    try:
        resolve_pointer(document, ref)
    except KeyError:
        return f"dangling $ref {ref!r}: nothing at that place"
    return None


def _target_problem(ref: str, kind: str, schema_places: set[str]) -> str | None:
    tokens = ref_tokens(ref)
    area = _SCHEMA_AREAS.get(kind)
    if area and (len(tokens) < 3 or tuple(tokens[:2]) != area):
        return f"$ref {ref!r} of a schema must point into #/components/schemas"
    if join_pointer("", *tokens) not in schema_places:
        return f"$ref {ref!r} points at something that is not a schema"
    return None


def _schema_refs(document: Mapping[str, Any], kind: str) -> Iterator[tuple[str, Any]]:
    for pointer, schema in all_schemas(document, kind):
        if "$ref" in schema:
            yield join_pointer(pointer, "$ref"), schema["$ref"]


def _mapping_refs(document: Mapping[str, Any], kind: str) -> Iterator[tuple[str, Any]]:
    """The references of discriminator mappings (a bare name stands for ``#/components/schemas/<name>``)."""
    for pointer, schema in all_schemas(document, kind):
        discriminator = schema.get("discriminator")
        mapping = discriminator.get("mapping") if isinstance(discriminator, Mapping) else None
        if isinstance(mapping, Mapping):
            for key, value in mapping.items():
                bare = isinstance(value, str) and not value.startswith("#") and ":" not in value and "/" not in value
                ref = join_pointer("#/components/schemas", value) if bare else value
                yield join_pointer(pointer, "discriminator", "mapping", key), ref


def _cycles(document: Mapping[str, Any], kind: str, label: str) -> list[Problem]:
    """Schemas that are only a reference (or inherit, through allOf) to themselves: no model can exist."""
    edges: dict[str, list[str]] = {}
    for pointer, schema in all_schemas(document, kind):
        refs = [schema.get("$ref")] + [item.get("$ref") for item in _mappings(schema.get("allOf"))]
        edges[pointer] = [join_pointer("", *ref_tokens(ref)) for ref in refs if isinstance(ref, str)]
    problems = []
    done: set[str] = set()
    for start in edges:
        if start in done:
            continue
        path: list[str] = []
        stack: list[tuple[str, int]] = [(start, 0)]
        while stack:
            node, index = stack.pop()
            if index == 0:
                path.append(node)
            targets = edges.get(node, [])
            if index < len(targets):
                stack.append((node, index + 1))
                target = targets[index]
                if target in path:
                    cycle = path[path.index(target) :]
                    chain = " -> ".join(f"#{place}" for place in [*cycle, target])
                    problems.append(Problem(label, cycle[0], f"reference cycle with no model in it: {chain}"))
                    done.update(cycle)
                elif target not in done:
                    stack.append((target, 0))
            else:
                done.add(path.pop())
    return problems


def _mappings(items: Any) -> list[Mapping[str, Any]]:
    return [item for item in items if isinstance(item, Mapping)] if isinstance(items, list) else []


def check_keys(document: Mapping[str, Any], kind: str, label: str) -> list[Problem]:
    problems = []
    for pointer, schema in all_schemas(document, kind):
        for key in schema:
            if not isinstance(key, str):
                continue
            if key in CODE_KEYS or key.startswith("x-python"):
                problems.append(
                    Problem(
                        label,
                        join_pointer(pointer, key),
                        f"{key!r} names Python code for the model generator; only the generator sets it",
                    )
                )
            elif key in DYNAMIC_KEYS:
                problems.append(Problem(label, join_pointer(pointer, key), f"{key} is not supported"))
            elif key == "$id" and pointer != "":
                problems.append(
                    Problem(
                        label,
                        join_pointer(pointer, key),
                        "an embedded $id changes how references below it resolve; not supported",
                    )
                )
    return problems


def check_types(document: Mapping[str, Any], kind: str, label: str) -> list[Problem]:
    problems = []
    for pointer, schema in all_schemas(document, kind):
        declared = schema.get("type")
        if declared is None:
            continue
        names = declared if isinstance(declared, list) else [declared]
        for name in names:
            if not isinstance(name, str) or name not in JSON_TYPES:
                problems.append(
                    Problem(
                        label,
                        join_pointer(pointer, "type"),
                        f"unknown type {name!r}; expected one of {', '.join(sorted(JSON_TYPES))}",
                    )
                )
    return problems


def check_enums(document: Mapping[str, Any], kind: str, label: str) -> list[Problem]:
    problems = []
    for pointer, schema in all_schemas(document, kind):
        values = schema.get("enum")
        if not isinstance(values, list):
            continue
        for index, value in enumerate(values):
            if value is not None and not isinstance(value, str):
                problems.append(
                    Problem(
                        label,
                        join_pointer(pointer, "enum", index),
                        f"enum value {value!r} is not a string: the generated enums are string enums",
                    )
                )
    return problems


def check_patterns(document: Mapping[str, Any], kind: str, label: str) -> list[Problem]:
    problems = []
    for pointer, pattern in patterns(document, kind):
        try:
            SchemaValidator(core_schema.str_schema(pattern=pattern))
        except SchemaError as error:
            reason = str(error).strip().splitlines()[-1].removeprefix("error: ")
            problems.append(
                Problem(label, pointer, f"pattern {pattern!r} cannot be used by the models' regex engine: {reason}")
            )
    return problems


def check_openapi(document: Mapping[str, Any], label: str) -> list[Problem]:
    version = document.get("openapi")
    validators = {"3.0": OpenAPIV30SpecValidator, "3.1": OpenAPIV31SpecValidator}
    validator = validators.get(version[:3]) if isinstance(version, str) and version[3:4] in ("", ".") else None
    if validator is None:
        return [Problem(label, "/openapi", f"expected an OpenAPI 3.0 or 3.1 document, found openapi: {version!r}")]
    problems = []
    for error in validator(document).iter_errors():
        pointer = join_pointer("", *getattr(error, "path", ()))
        problems.append(Problem(label, pointer, f"OpenAPI: {_first_line(error.message)}"))
    return problems


def check_json_schema(document: Mapping[str, Any], label: str) -> list[Problem]:
    meta = Draft202012Validator(Draft202012Validator.META_SCHEMA)
    return [
        Problem(label, join_pointer("", *error.absolute_path), f"JSON Schema: {_first_line(error.message)}")
        for error in meta.iter_errors(document)
    ]


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else message
