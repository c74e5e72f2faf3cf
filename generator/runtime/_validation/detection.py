"""Schema detection: which response schema a payload is one of, or that it is none of them.

Without ``--schema``/``--endpoint`` a payload is read as the response schema of any spec that fits it best.
Validity alone cannot tell which: a schema whose fields are all optional accepts any object (unknown fields
are only drift), so ``{}``, ``{"a": 1}`` or another API's payload would be "valid" for it. A schema is
therefore a candidate only when the payload shows it is one of its own, by this rule:

    **Half the payload's keys, and half the schema's required fields.** At least half of the payload's
    top-level keys (and at least one) are fields the schema declares, and at least half of the schema's
    required fields are among them:

        shared >= 1  and  shared >= unknown  and  missing <= required / 2

    (shared: the payload's keys the schema declares; unknown: its keys the schema does not declare;
    required, missing: the schema's required fields, and those of them the payload lacks.)

    A schema that declares no properties (an array, a map, a scalar) has no names to share: it is a
    candidate for a payload of its JSON type, unless the payload is an empty array or object, which shows
    nothing. ``{}`` and ``[]`` are no schema's.

So a payload valid without drift for a schema with properties always qualifies (its keys are the schema's, and
its required fields are there), unless it is ``{}``; a payload of one schema with a few fields misspelled,
missing or added still does (a misspelled required field counts once as unknown, once as missing); an
object that shares no field, or fewer than it adds, or lacks most of a schema's required fields, does not.
Among the candidates, the ones sharing most keys are the finalists (``validator.finalists``), then fewest
errors, then least drift decide (``_walk.report``). When no schema is a candidate, the report is one error
at the root, "no schema matches", naming the closest schemas: never a verdict of "valid" by accident.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any, NamedTuple

from evaljobs._report import Error, Report
from evaljobs._validation.targets import Target, check_program

__all__ = ["EMPTY", "Evidence", "evidence", "matching", "unmatched"]

EMPTY = re.compile(rb"[ \t\r\n]*(?:\{[ \t\r\n]*\}|\[[ \t\r\n]*\])[ \t\r\n]*\Z")
"""JSON text of an empty object or array: no schema's payload (matched before parsing, on the fast path)."""

_ALL_KINDS = frozenset(("object", "array", "string", "number", "boolean", "null"))


class Evidence(NamedTuple):
    """What a payload's top-level keys show about one schema (see the module's rule)."""

    shared: int  # the payload's keys the schema declares
    unknown: int  # the payload's keys it does not declare
    required: int  # the schema's required fields
    missing: int  # those the payload lacks

    @property
    def enough(self) -> bool:
        return self.shared >= 1 and self.shared >= self.unknown and 2 * self.missing <= self.required


def evidence(value: dict[str, Any], target: Target) -> Evidence:
    """The evidence of the object ``value`` for ``target``, a schema with properties."""
    shared = sum(1 for key in value if key in target.fields)
    required = _required(target)
    missing = sum(1 for name in required if name not in value)
    return Evidence(shared, len(value) - shared, len(required), missing)


def matching(value: Any, targets: Sequence[Target]) -> list[Target]:
    """The targets that ``value`` (a decoded payload) is a candidate for, in the order given."""
    kind = _kind(value)
    if kind in ("object", "array") and not value:
        return []
    question = (tuple(value), tuple(targets)) if kind == "object" and len(value) <= _REMEMBERED_KEYS else None
    found = _MATCHING.get(question) if question is not None else None
    if found is None:
        found = tuple(target for target in targets if _candidate(value, kind, target))
        if question is not None:
            if len(_MATCHING) >= _REMEMBERED:
                _MATCHING.clear()
            _MATCHING[question] = found
    return list(found)


# (top-level keys, targets) -> the candidates, for the key sets seen last (dict operations need no lock)
_MATCHING: dict[tuple[tuple[str, ...], tuple[Target, ...]], tuple[Target, ...]] = {}
_REMEMBERED, _REMEMBERED_KEYS = 4096, 64


def _candidate(value: Any, kind: str | None, target: Target) -> bool:
    if target.fields:
        return kind == "object" and evidence(value, target).enough
    return kind is None or kind in _kinds(target)


def unmatched(value: Any, targets: Sequence[Target], source: str) -> Report:
    """The report on a payload that no target is a candidate for: an error at the root, naming the closest."""
    return Report(source, None, errors=[Error("", f"no schema matches: {_why(value, targets)}")])


_HINT = "; name the schema (--schema or --endpoint) to check it against one"


def _why(value: Any, targets: Sequence[Target]) -> str:
    kind = _kind(value)
    count = f"{len(targets)} response schema{'s' * (len(targets) != 1)}"
    if kind in ("object", "array") and not value:
        return f"an empty {kind} shows nothing to recognise a schema by ({count} tried)"
    if kind != "object":
        return f"none of the {count} is {_A[kind]}"
    scored = [(evidence(value, target), target) for target in targets if target.fields]
    close = sorted(
        ((found, target) for found, target in scored if found.shared),
        key=lambda item: (-item[0].shared / (item[0].shared + item[0].unknown), item[0].missing, -item[0].shared),
    )
    if not close:
        keys = ", ".join(repr(key) for key in list(value)[:5]) + (", ..." if len(value) > 5 else "")
        return f"none of the {count} declares any of its top-level fields ({keys}){_HINT}"
    named = "; ".join(f"{target.label} ({_counts(found)})" for found, target in close[:3])
    return f"it shares too few fields with any of the {count}; closest: {named}{_HINT}"


def _counts(found: Evidence) -> str:
    parts = [f"{found.shared} field{'s' * (found.shared != 1)} shared", f"{found.unknown} unknown"]
    if found.missing:
        parts.append(f"{found.missing} of {found.required} required missing")
    return ", ".join(parts)


_A = {
    "array": "an array",
    "string": "a string",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
    None: "this kind of value",
}


def _kind(value: Any) -> str | None:
    """The JSON type of a decoded value (None for a Python value of no JSON type)."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "null" if value is None else None


@cache
def _required(target: Target) -> frozenset[str]:
    """The required top-level fields of ``target`` (its model's, read from the full path's program)."""
    from evaljobs._validation.program_nodes import Model  # noqa: PLC0415 - (see _node_kinds)

    nodes, targets = check_program(target.api)
    node = nodes[targets[target.name]]
    if type(node) is not Model:
        return frozenset()
    return frozenset(field.key for field in node.fields if field.required)


@cache
def _scalar_kinds() -> dict[type, str]:
    """The JSON type of the values of each kind of node that takes one type only."""
    from evaljobs._validation import program_nodes as kinds  # noqa: PLC0415 - (see _node_kinds)

    return {
        kinds.Model: "object",
        kinds.Map: "object",
        kinds.Array: "array",
        kinds.Str: "string",
        kinds.Enum: "string",
        kinds.DateTime: "string",
        kinds.Int: "number",
        kinds.Float: "number",
        kinds.Bool: "boolean",
        kinds.Null: "null",
    }


@cache
def _kinds(target: Target) -> frozenset[str]:
    """The JSON types of the values ``target`` may take (for a schema that declares no properties)."""
    nodes, targets = check_program(target.api)
    return _node_kinds(nodes, targets[target.name], frozenset())


def _node_kinds(nodes: tuple[Any, ...], index: int, seen: frozenset[int]) -> frozenset[str]:
    # the node classes are imported here, once per schema (both callers are cached): most runs of the command
    # never need them (a payload the native scanner finds valid), and they cost start-up
    from evaljobs._validation import program_nodes as kinds  # noqa: PLC0415

    node = nodes[index]
    kind = type(node)
    scalar = _scalar_kinds().get(kind)
    if scalar is not None:
        return frozenset((scalar,))
    if index in seen:
        return frozenset()
    inner = seen | {index}
    if kind is kinds.Literal:
        return frozenset(_kind(literal) or "string" for literal in node.values)
    if kind is kinds.Union:
        return frozenset(k for member in node.members for k in _node_kinds(nodes, member, inner))
    if kind is kinds.Nullable:
        return _node_kinds(nodes, node.node, inner) | {"null"}
    if kind in (kinds.Checked, kinds.Root):
        return _node_kinds(nodes, node.node, inner)
    return _ALL_KINDS  # any, or what the program leaves unsure
