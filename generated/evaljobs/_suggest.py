"""Spec patches from drift: where in a hand-written spec each drift finding belongs, and what to add there.

``evaljobs suggest`` (``evaljobs._cli.suggest``) reads captures and validates them; this module turns the
drift it found into an RFC 6902 JSON Patch against the spec document as parsed:

- an unknown field becomes a property of the schema that owns the object it was found in. The payload's
  pointer is followed through the spec from ``#/components/schemas/<Name>``: through ``$ref`` (a referenced
  component is patched, never the place that refers to it), ``allOf`` (every member applies), ``oneOf`` and
  ``anyOf`` (the member that fits the observed value best), ``items`` and ``additionalProperties``. Of the
  schemas that apply at the owner's place, the one that declares its properties is patched (the place's own
  schema, else an inline ``allOf`` member, else a referenced one);
- its schema is inferred from every value observed at that spec place (``infer``): types, ``format``
  (``date-time``, ``uuid``, ``uri``: only when every value has it), nested objects and array items, and
  ``required`` inside a new object only for fields present in every observed instance. Nothing is added to
  the ``required`` of an existing schema: a field seen in every capture may still be optional in the API;
- an unknown enum value is appended to the ``enum`` of the schema at its place.

The patch is sorted (by path, then value), so the same captures always give the same patch.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from evaljobs._datetimes import LOCAL_PATTERN, OFFSET_KEY
from evaljobs._datetimes import problem as _datetime_problem
from evaljobs._report import Drift, Report, pointer_token

__all__ = ["Observations", "Placed", "infer", "locate", "owner", "patch"]

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#]+[^\s]*")
OFFSET_OPTIONAL = OFFSET_KEY


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def split_pointer(pointer: str) -> list[str]:
    return [unescape(token) for token in pointer.split("/")[1:]] if pointer else []


def join(pointer: str, *tokens: object) -> str:
    return pointer + "".join("/" + pointer_token(token) for token in tokens)


def get(document: Any, pointer: str) -> Any:
    """The value at ``pointer`` in ``document``; KeyError where there is none."""
    node = document
    for token in split_pointer(pointer):
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise KeyError(pointer)
    return node


# Where a drift finding belongs in the spec -----------------------------------------------------------------


def resolve(document: Any, pointer: str) -> tuple[str, Any]:
    """``pointer`` with its ``$ref`` chain followed (local references only): the referenced schema's place."""
    seen: set[str] = set()
    node = get(document, pointer)
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#"):
        if pointer in seen:
            break
        seen.add(pointer)
        pointer = node["$ref"][1:]
        node = get(document, pointer)
    return pointer, node


def applicable(document: Any, pointer: str, value: Any) -> list[tuple[str, dict[str, Any]]]:
    """The schemas that apply to ``value`` at ``pointer``, each at its place: the schema itself, its
    ``allOf`` members, and the ``oneOf``/``anyOf`` member that fits ``value`` best, recursively."""
    found: list[tuple[str, dict[str, Any]]] = []
    pending = [pointer]
    seen: set[str] = set()
    while pending:
        place, node = resolve(document, pending.pop(0))
        if place in seen or not isinstance(node, dict):
            continue
        seen.add(place)
        found.append((place, node))
        members = node.get("allOf")
        if isinstance(members, list):
            pending.extend(join(place, "allOf", index) for index in range(len(members)))
        for union in ("oneOf", "anyOf"):
            choices = node.get(union)
            if isinstance(choices, list) and choices:
                scored = [(_fit(document, join(place, union, index), value), index) for index in range(len(choices))]
                best = max(scored, key=lambda pair: (pair[0], -pair[1]))
                if best[0] >= 0:
                    pending.append(join(place, union, best[1]))
    return found


def _fit(document: Any, pointer: str, value: Any) -> int:
    """How well the schema at ``pointer`` fits ``value``: -1 not at all (another JSON type), else the number
    of the object's keys it declares (0 for other values). Its own unions are not looked into."""
    schemas = _with_members(document, pointer)
    kinds = {kind for node in schemas for kind in _types(node)}
    if (
        value is not None
        and kinds
        and _kind(value) not in kinds
        and not (_kind(value) == "integer" and "number" in kinds)
    ):
        return -1
    if value is None:
        return 0 if not kinds or "null" in kinds else -1
    if isinstance(value, dict):
        declared = {name for node in schemas if isinstance(node.get("properties"), dict) for name in node["properties"]}
        return len(declared & value.keys())
    return 0


def _with_members(document: Any, pointer: str) -> list[dict[str, Any]]:
    """The schema at ``pointer`` and its ``allOf`` members, recursively, references followed."""
    found: list[dict[str, Any]] = []
    pending, seen = [pointer], set()
    while pending:
        place, node = resolve(document, pending.pop(0))
        if place in seen or not isinstance(node, dict):
            continue
        seen.add(place)
        found.append(node)
        members = node.get("allOf")
        if isinstance(members, list):
            pending.extend(join(place, "allOf", index) for index in range(len(members)))
    return found


def _types(node: dict[str, Any]) -> set[str]:
    declared = node.get("type")
    kinds = set(declared) if isinstance(declared, list) else {declared} if isinstance(declared, str) else set()
    if not kinds and ("properties" in node or "additionalProperties" in node):
        kinds.add("object")
    if not kinds and "items" in node:
        kinds.add("array")
    if not kinds and isinstance(node.get("enum"), list):
        kinds.update(_kind(item) for item in node["enum"])
    if node.get("nullable") is True:
        kinds.add("null")
    return {str(kind) for kind in kinds}


def locate(document: Any, start: str, pointer: str, payload: Any) -> str | None:
    """The spec place (a JSON pointer into ``document``) of the value at ``pointer`` in ``payload``, walking
    from the schema at ``start``; None where the spec has no place for it."""
    place, value = start, payload
    for token in split_pointer(pointer):
        schemas = applicable(document, place, value)
        following: str | None = None
        if isinstance(value, dict) and token in value:
            declaring = [
                p for p, node in schemas if isinstance(node.get("properties"), dict) and token in node["properties"]
            ]
            extra = [p for p, node in schemas if isinstance(node.get("additionalProperties"), dict)]
            following = join(declaring[0], "properties", token) if declaring else None
            if following is None and extra:
                following = join(extra[0], "additionalProperties")
            value = value[token]
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            items = [p for p, node in schemas if isinstance(node.get("items"), dict)]
            following = join(items[0], "items") if items else None
            value = value[int(token)]
        if following is None:
            return None
        place = following
    return place


def owner(document: Any, place: str, value: Any) -> str:
    """The schema to add an unknown field of the object ``value`` (at spec ``place``) to: of the schemas that
    apply there, the place's own if it declares properties, else an inline ``allOf`` member that does, else
    a referenced one (the last: the most specific, after the bases), else one that is an object schema."""
    schemas = applicable(document, place, value)
    declaring = [(p, node) for p, node in schemas if isinstance(node.get("properties"), dict)]
    if declaring and declaring[0][0] == schemas[0][0]:
        return declaring[0][0]
    inline = [p for p, _ in declaring if p.startswith(schemas[0][0] + "/allOf/")]
    if inline:
        return inline[0]
    if declaring:
        return declaring[-1][0]
    objects = [p for p, node in schemas if "object" in _types(node)]
    return objects[0] if objects else schemas[0][0]


def enum_place(document: Any, place: str, value: Any) -> str | None:
    """The ``enum`` (its pointer) of the schemas that apply to ``value`` at ``place``, or None."""
    for pointer, node in applicable(document, place, value):
        if isinstance(node.get("enum"), list):
            return join(pointer, "enum")
    return None


# What to add -----------------------------------------------------------------------------------------------


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def infer(values: list[Any], *, nullable_keyword: bool = False) -> dict[str, Any]:
    """The schema of the values observed at one place. ``nullable_keyword``: OpenAPI 3.0's ``nullable: true``
    rather than 3.1's ``"null"`` type."""
    kinds = sorted({_kind(value) for value in values} - {"null"})
    if "integer" in kinds and "number" in kinds:
        kinds.remove("integer")  # an integer is a number too
    nullable = any(value is None for value in values)
    if not kinds:
        return {"nullable": True} if nullable_keyword else {"type": "null"}
    members = [
        _infer_kind(
            kind,
            [v for v in values if _kind(v) == kind or (kind == "number" and _kind(v) == "integer")],
            nullable_keyword,
        )
        for kind in kinds
    ]
    if len(members) == 1:
        schema = members[0]
        if nullable:
            if nullable_keyword:
                schema = {**schema, "nullable": True}
            else:
                schema = {"type": [schema["type"], "null"], **{k: v for k, v in schema.items() if k != "type"}}
        return schema
    if nullable:
        members.append({"nullable": True} if nullable_keyword else {"type": "null"})
    return {"anyOf": members}


def _infer_kind(kind: str, values: list[Any], nullable_keyword: bool) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": kind}
    if kind == "string":
        schema.update(_string_format(values))
    elif kind == "array":
        items = [item for value in values for item in value]
        if items:
            schema["items"] = infer(items, nullable_keyword=nullable_keyword)
    elif kind == "object":
        names = sorted({name for value in values for name in value})
        schema["properties"] = {
            name: infer([value[name] for value in values if name in value], nullable_keyword=nullable_keyword)
            for name in names
        }
        required = [name for name in names if all(name in value for value in values)]
        if required:
            schema["required"] = required
        if not names:
            del schema["properties"]
    return schema


def _string_format(values: list[str]) -> dict[str, Any]:
    if all(_datetime_problem(value, True, "") is None for value in values):
        return {"format": "date-time"}
    if all(_datetime_problem(value, False, "") is None for value in values):
        return {"pattern": LOCAL_PATTERN, OFFSET_OPTIONAL: "optional"}  # the portable spelling (_datetimes)
    if all(_UUID.fullmatch(value) for value in values):
        return {"format": "uuid"}
    if all(_URI.fullmatch(value) for value in values):
        return {"format": "uri"}
    return {}


# Observations and the patch --------------------------------------------------------------------------------


@dataclass
class Placed:
    """What the drift of one spec showed: the unknown fields' values by owner schema and name, and the
    unknown enum values by the pointer of their ``enum``."""

    fields: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    enums: dict[str, list[Any]] = field(default_factory=dict)


@dataclass
class Observations:
    """Drift findings placed in their spec documents, and those that could not be placed."""

    documents: dict[str, Any]  # api -> the spec document as parsed
    placed: dict[str, Placed] = field(default_factory=dict)  # api -> its placed drift
    unplaced: list[str] = field(default_factory=list)  # messages: a finding with no place in the spec

    def add(self, report: Report, payload: Any) -> None:
        """Place the drift of ``report``, on ``payload`` (its decoded JSON)."""
        if report.schema is None or not report.drift:
            return
        api, _, schema = report.schema.partition(".")
        document = self.documents[api]
        start = join("/components/schemas", schema)
        try:
            get(document, start)
        except KeyError:
            self.unplaced.append(f"{report.source}: {report.schema} is not in the components/schemas of its spec")
            return
        placed = self.placed.setdefault(api, Placed())
        for drift in report.drift:
            if not self._place(document, start, placed, drift, payload):
                self.unplaced.append(f"{report.source}: {drift.kind} at {drift.pointer}: no place in {report.schema}")

    @staticmethod
    def _place(document: Any, start: str, placed: Placed, drift: Drift, payload: Any) -> bool:
        tokens = split_pointer(drift.pointer)
        parent = "".join("/" + pointer_token(token) for token in tokens[:-1])
        try:
            value = get(payload, drift.pointer)
            parent_value = get(payload, parent)
        except KeyError:
            return False
        if drift.kind == "unknown_field":
            place = locate(document, start, parent, payload)
            if place is None:
                return False
            found = owner(document, place, parent_value)
            placed.fields.setdefault(found, {}).setdefault(tokens[-1], []).append(value)
            return True
        place = locate(document, start, drift.pointer, payload)
        enum = None if place is None else enum_place(document, place, value)
        if enum is None:
            return False
        placed.enums.setdefault(enum, []).append(value)
        return True


def patch(document: Any, placed: Placed) -> list[dict[str, Any]]:
    """The RFC 6902 operations that document ``placed`` in ``document``, sorted."""
    nullable_keyword = not str(document.get("openapi", "3.1")).startswith("3.1")
    operations: list[dict[str, Any]] = []
    for place, fields in placed.fields.items():
        schemas = {name: infer(values, nullable_keyword=nullable_keyword) for name, values in sorted(fields.items())}
        properties = get(document, place).get("properties")
        if isinstance(properties, dict):
            for name, schema in schemas.items():
                if name not in properties:
                    operations.append({"op": "add", "path": join(place, "properties", name), "value": schema})
        else:
            operations.append({"op": "add", "path": join(place, "properties"), "value": schemas})
    for place, values in placed.enums.items():
        listed = get(document, place)
        for value in _distinct(values):
            if value not in listed:
                operations.append({"op": "add", "path": join(place, "-"), "value": value})
    return sorted(operations, key=lambda op: (op["path"], json.dumps(op["value"], sort_keys=True)))


def _distinct(values: Iterable[Any]) -> Iterator[Any]:
    seen: set[str] = set()
    for value in values:
        text = json.dumps(value, sort_keys=True)
        if text not in seen:
            seen.add(text)
            yield value


def apply(document: Any, operations: list[dict[str, Any]]) -> Any:
    """``document`` with the ``add`` operations of a patch applied in place (the only kind ``patch`` writes)."""
    for operation in operations:
        tokens = split_pointer(operation["path"])
        parent = get(document, "".join("/" + pointer_token(token) for token in tokens[:-1]))
        if isinstance(parent, list):
            parent.insert(len(parent) if tokens[-1] == "-" else int(tokens[-1]), operation["value"])
        else:
            parent[tokens[-1]] = operation["value"]
    return document


def fragment(document: Any, operations: list[dict[str, Any]]) -> dict[str, Any]:
    """The patch as a fragment of the spec to merge into it: the added properties in their place, and each
    changed ``enum`` whole (its values and the new ones)."""
    result: dict[str, Any] = {}
    for operation in operations:
        tokens = split_pointer(operation["path"])
        if tokens[-1] == "-":
            tokens.pop()
            enum = list(get(document, operation["path"][: -len("/-")]))
            node = result
            for token in tokens[:-1]:
                node = node.setdefault(token, {})
            node[tokens[-1]] = [*node.get(tokens[-1], enum), operation["value"]]
            continue
        node = result
        for token in tokens[:-1]:
            node = node.setdefault(token, {})
        node[tokens[-1]] = operation["value"]
    return result
