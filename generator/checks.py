"""Check a loaded spec before anything is generated from it; every problem, with its place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator

from generator.problems import Problem, join_pointer
from generator.walk import all_schemas, resolve_pointer, structure_refs

JSON_TYPES = frozenset({"object", "array", "string", "integer", "number", "boolean", "null"})


def check_document(document: Mapping[str, Any], kind: str, label: str) -> list[Problem]:
    """Our own checks first (they never touch the network); the spec validator only on a document
    whose references are all local and resolvable, so it cannot be made to fetch anything."""
    problems = check_refs(document, kind, label) + check_types(document, kind, label)
    if problems:
        return problems
    if kind == "openapi":
        return check_openapi(document, label)
    return check_json_schema(document, label)


def check_refs(document: Mapping[str, Any], kind: str, label: str) -> list[Problem]:
    problems = []
    for pointer, ref in structure_refs(document, kind):
        if not isinstance(ref, str):
            problems.append(Problem(label, pointer, f"$ref must be a string, found {type(ref).__name__}"))
        elif ref.startswith(("http:", "https:", "//")):
            problems.append(
                Problem(label, pointer, f"remote $ref {ref!r} refused: only local references (#/...) are allowed")
            )
        elif ref.startswith("file:"):
            problems.append(
                Problem(label, pointer, f"file $ref {ref!r} refused: only local references (#/...) are allowed")
            )
        elif not (ref == "#" or ref.startswith("#/")):
            problems.append(
                Problem(
                    label,
                    pointer,
                    f"$ref {ref!r} points outside this document: only local references (#/...) are allowed",
                )
            )
        else:
            try:
                resolve_pointer(document, ref)
            except KeyError:
                problems.append(Problem(label, pointer, f"dangling $ref {ref!r}: nothing at that place"))
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


def check_openapi(document: Mapping[str, Any], label: str) -> list[Problem]:
    version = document.get("openapi")
    if not (isinstance(version, str) and version.startswith("3.1")):
        return [Problem(label, "/openapi", f"expected an OpenAPI 3.1 document, found openapi: {version!r}")]
    problems = []
    for error in OpenAPIV31SpecValidator(document).iter_errors():
        pointer = join_pointer("", *getattr(error, "path", ()))
        problems.append(Problem(label, pointer, f"OpenAPI: {error.message}"))
    return problems


def check_json_schema(document: Mapping[str, Any], label: str) -> list[Problem]:
    meta = Draft202012Validator(Draft202012Validator.META_SCHEMA)
    return [
        Problem(label, join_pointer("", *error.absolute_path), f"JSON Schema: {error.message}")
        for error in meta.iter_errors(document)
    ]
