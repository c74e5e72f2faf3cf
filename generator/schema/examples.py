"""An example value of a schema, made from its nodes: what the mock serves where the spec gives no example.

In order of preference: the schema's own ``example``/``examples``/``default``, then the first enum value or
the const, then a value of its type that meets its format and bounds (``2024-01-01T00:00:00Z`` for a
date-time, the minimum for a bounded number, a string padded to ``minLength``). Objects carry every property
(optional ones too, except where that would recurse); arrays one item (or ``minItems``); a union its first
member that can be made (the member a discriminator names carries its value); an ``allOf`` the merge of its
members. A schema whose value cannot be made without breaking it (a pattern no example meets, a recursion
through required properties) makes none: ``NO_EXAMPLE``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# The parser behind re.compile (private, but the only full parser of Python's regex syntax; generator.load.lint
# reads patterns with it too).
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

from generator.schema.nodes import (
    AnyValue,
    Array,
    Const,
    Enum,
    Intersection,
    Node,
    Object,
    Ref,
    Scalar,
    Union,
)

NO_EXAMPLE: Any = object()
MAX_DEPTH = 12
_STRINGS = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "00:00:00Z",
    "email": "user@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "byte": "ZXhhbXBsZQ==",
}

Named = Callable[[str], Node | None]
"""The node of a named schema, by key."""
Accepts = Callable[[Node, Any], bool]
"""Whether a schema (a member of a union) accepts a value, as JSON Schema says."""


def example(node: Node, named: Named, accepts: Accepts | None = None) -> Any:
    """An example value of ``node`` (``NO_EXAMPLE`` when none can be made). With ``accepts``, a member's value
    of a ``oneOf`` is taken only when no other member accepts it too (else the value would break the oneOf)."""
    return _Maker(named, accepts).make(node, 0, frozenset())


class _Maker:
    def __init__(self, named: Named, accepts: Accepts | None = None) -> None:
        self.named = named
        self.accepts = accepts

    def make(self, node: Node, depth: int, seen: frozenset[str]) -> Any:
        if depth > MAX_DEPTH:
            return NO_EXAMPLE
        given = _given(node)
        if given is not NO_EXAMPLE:
            return given
        if isinstance(node, Ref):
            target = self.named(node.target)
            if target is None or node.target in seen:
                return None if node.nullable else NO_EXAMPLE
            return self.make(target, depth + 1, seen | {node.target})
        if isinstance(node, Enum):
            return node.values[0] if node.values else None
        if isinstance(node, Const):
            return node.value
        if isinstance(node, Scalar):
            return _scalar(node)
        if isinstance(node, Array):
            return self._array(node, depth, seen)
        if isinstance(node, Object):
            return self._object(node, depth, seen)
        if isinstance(node, Union):
            return self._union(node, depth, seen)
        if isinstance(node, Intersection):
            return self._intersection(node, depth, seen)
        if isinstance(node, AnyValue):
            return {}
        return NO_EXAMPLE  # an Opaque schema: what it takes is not modelled

    def _array(self, node: Array, depth: int, seen: frozenset[str]) -> Any:
        count = max(1, int(node.constraints.get("minItems", 1)))
        count = min(count, int(node.constraints.get("maxItems", count)))
        if node.items is None or count == 0:
            return []
        item = self.make(node.items, depth + 1, seen)
        if item is NO_EXAMPLE:
            return [] if int(node.constraints.get("minItems", 0)) == 0 else NO_EXAMPLE
        if count > 1 and node.constraints.get("uniqueItems"):
            return NO_EXAMPLE
        return [item] * count

    def _object(self, node: Object, depth: int, seen: frozenset[str]) -> Any:
        result: dict[str, Any] = {}
        for key, child in node.properties.items():
            value = self.make(child, depth + 1, seen)
            if value is NO_EXAMPLE:
                if key in node.required:
                    return NO_EXAMPLE
                continue
            result[key] = value
        return result

    def _union(self, node: Union, depth: int, seen: frozenset[str]) -> Any:
        values = {key: value for value, key in node.discriminator.mapping.items()} if node.discriminator else {}
        fallback = NO_EXAMPLE
        for member in node.members:
            value = self.make(member, depth + 1, seen)
            if value is NO_EXAMPLE:
                continue
            if node.discriminator is not None and isinstance(member, Ref) and isinstance(value, dict):
                value = {**value, node.discriminator.property: values.get(member.target, member.target)}
            if not node.exclusive or self.accepts is None or node.discriminator is not None:
                return value
            if fallback is NO_EXAMPLE:
                fallback = value
            if not any(self.accepts(other, value) for other in node.members if other is not member):
                return value
        return fallback

    def _intersection(self, node: Intersection, depth: int, seen: frozenset[str]) -> Any:
        merged: dict[str, Any] = {}
        for member in node.members:
            value = self.make(member, depth + 1, seen)
            if not isinstance(value, dict):
                return value if len(node.members) == 1 else NO_EXAMPLE
            merged.update(value)
        return merged


def _given(node: Node) -> Any:
    """The value the spec gives for ``node``: its example, first of its examples, or its default."""
    annotations = node.annotations
    if "example" in annotations:
        return annotations["example"]
    examples = annotations.get("examples")
    if isinstance(examples, list) and examples:
        return examples[0]
    if "default" in annotations:
        return annotations["default"]
    return NO_EXAMPLE


def _scalar(node: Scalar) -> Any:
    kinds = [kind for kind in node.types if kind != "null"]
    if not kinds:
        return None
    kind = kinds[0]
    bounds = node.constraints
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        return _number(bounds, integer=kind == "integer")
    text = _STRINGS.get(node.format or "", "string")
    minimum, maximum = int(bounds.get("minLength", 0)), bounds.get("maxLength")
    if len(text) < minimum:
        text += "x" * (minimum - len(text))
    if maximum is not None and len(text) > int(maximum):
        text = text[: int(maximum)]
    pattern = bounds.get("pattern")
    if isinstance(pattern, str):
        try:
            if not re.search(pattern, text):
                text = _matching(pattern) or ""
            if (
                not re.search(pattern, text)
                or len(text) < minimum
                or (maximum is not None and len(text) > int(maximum))
            ):
                return NO_EXAMPLE
        except (re.error, RecursionError):
            return NO_EXAMPLE
    return text


def _matching(pattern: str) -> str | None:
    """A short string the regular expression matches (each repetition its minimum, at least once; each
    alternation its first branch; each class its first member), or None for a construct not followed."""
    try:
        return _sequence(sre_parse.parse(pattern))
    except (re.error, _Unsupported):
        return None


class _Unsupported(Exception):
    pass


_CATEGORIES = {"CATEGORY_DIGIT": "0", "CATEGORY_WORD": "a", "CATEGORY_SPACE": " ", "CATEGORY_NOT_DIGIT": "a"}


def _sequence(items: Any) -> str:
    return "".join(_piece(op, argument) for op, argument in items)


def _piece(op: Any, argument: Any) -> str:
    name = str(op)
    if name == "LITERAL":
        return chr(argument)
    if name == "NOT_LITERAL":
        return "a" if argument != ord("a") else "b"
    if name == "ANY":
        return "a"
    if name == "AT":
        return ""
    if name == "IN":
        return _member(argument)
    if name == "SUBPATTERN":
        return _sequence(argument[-1])
    if name == "BRANCH":
        return _sequence(argument[1][0])
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, _, body = argument
        return _sequence(body) * max(1, int(low))
    if name == "CATEGORY":
        return str(_CATEGORIES.get(str(argument), "a"))
    raise _Unsupported(name)


def _member(items: Any) -> str:
    if items and str(items[0][0]) == "NEGATE":
        excluded = {argument for op, argument in items[1:] if str(op) == "LITERAL"}
        return next(char for char in "azAZ09" if ord(char) not in excluded)
    op, argument = items[0]
    if str(op) == "LITERAL":
        return chr(argument)
    if str(op) == "RANGE":
        return chr(argument[0])
    if str(op) == "CATEGORY":
        return _CATEGORIES.get(str(argument), "a")
    raise _Unsupported(str(op))


def _number(bounds: dict[str, Any], *, integer: bool) -> Any:
    value: float = 0
    if "minimum" in bounds:
        value = bounds["minimum"]
    elif "exclusiveMinimum" in bounds:
        value = bounds["exclusiveMinimum"] + 1
    elif "maximum" in bounds and bounds["maximum"] < 0:
        value = bounds["maximum"]
    elif "exclusiveMaximum" in bounds and bounds["exclusiveMaximum"] <= 0:
        value = bounds["exclusiveMaximum"] - 1
    multiple = bounds.get("multipleOf")
    if multiple and value % multiple:
        value = value + (multiple - value % multiple)
    if integer:
        return int(value) if float(value).is_integer() else NO_EXAMPLE
    return value
