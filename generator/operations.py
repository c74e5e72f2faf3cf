"""The operations of an OpenAPI document: what each path and method returns, as the templates need it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.problems import Problem, join_pointer
from generator.walk import resolve_pointer

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_COMPONENT = "#/components/schemas/"


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str
    required: bool
    schema: Mapping[str, Any]
    description: str


@dataclass(frozen=True)
class OperationSpec:
    operation_id: str
    method: str
    path: str
    summary: str
    parameters: tuple[Parameter, ...]
    # status code ("200", "404", "default") -> model name of the JSON body, or None without one
    responses: dict[str, str | None] = field(default_factory=dict)
    extensions: Mapping[str, Any] = field(default_factory=dict)


def _deref(document: Mapping[str, Any], node: Any) -> Any:
    seen = 0
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and seen < 32:
        node = resolve_pointer(document, node["$ref"])
        seen += 1
    return node


def extract(document: Mapping[str, Any], label: str) -> tuple[list[OperationSpec], list[Problem]]:
    operations: list[OperationSpec] = []
    problems: list[Problem] = []
    for path, raw_item in (document.get("paths") or {}).items():
        item = _deref(document, raw_item)
        shared = item.get("parameters", [])
        for method in METHODS:
            if method not in item:
                continue
            pointer = join_pointer("/paths", path, method)
            operation = item[method]
            operation_id = operation.get("operationId")
            if not isinstance(operation_id, str) or not operation_id:
                problems.append(
                    Problem(label, pointer, "every operation needs an operationId (it names the client method)")
                )
                continue
            parameters = _parameters(document, [*shared, *operation.get("parameters", [])])
            responses: dict[str, str | None] = {}
            for status, response in (operation.get("responses") or {}).items():
                model, problem = _body_model(document, response, join_pointer(pointer, "responses", status), label)
                responses[str(status)] = model
                problems.extend(problem)
            extensions = {key: value for key, value in operation.items() if key.startswith("x-")}
            operations.append(
                OperationSpec(
                    operation_id=operation_id,
                    method=method.upper(),
                    path=path,
                    summary=str(operation.get("summary", "")),
                    parameters=parameters,
                    responses=responses,
                    extensions=extensions,
                )
            )
    return operations, problems


def _parameters(document: Mapping[str, Any], raw: list[Any]) -> tuple[Parameter, ...]:
    merged: dict[tuple[str, str], Parameter] = {}
    for raw_node in raw:
        node = _deref(document, raw_node)
        name, location = str(node.get("name")), str(node.get("in"))
        merged[(name, location)] = Parameter(
            name=name,
            location=location,
            required=bool(node.get("required", location == "path")),
            schema=node.get("schema", {}),
            description=str(node.get("description", "")),
        )
    return tuple(merged.values())


def _body_model(
    document: Mapping[str, Any], response: Any, pointer: str, label: str
) -> tuple[str | None, list[Problem]]:
    response = _deref(document, response)
    content = response.get("content") or {}
    media = next((value for key, value in content.items() if key.split(";")[0].strip().endswith("json")), None)
    if media is None or "schema" not in media:
        return None, []
    ref = media["schema"].get("$ref") if isinstance(media["schema"], Mapping) else None
    if not (isinstance(ref, str) and ref.startswith(_COMPONENT) and "/" not in ref[len(_COMPONENT) :]):
        return None, [
            Problem(
                label,
                join_pointer(pointer, "content"),
                ("a response body must be a $ref to a named schema in components/schemas (it names the model)"),
            )
        ]
    return ref[len(_COMPONENT) :].replace("~1", "/").replace("~0", "~"), []
