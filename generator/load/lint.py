"""Warnings about a spec's regular expressions, printed before generation; they never stop it.

They are read from the schema model (generator.schema): its reading of each pattern (one it reads as a
date-time is not one), at the place the spec writes it.

The generated models use pydantic's regex engine, which runs in linear time, but the same patterns reach
other validators (jsonschema, browsers, the API's own server) that backtrack. Reported, as Ajv's
``json-schema-secure`` meta-schema does:

- a pattern that can backtrack catastrophically: a repetition that contains another unbounded
  repetition (``(a+)+``, ``(\\w+\\s?)*``), or whose alternatives can start with the same character
  (``(a|ab)*``);
- a ``pattern`` without ``maxLength`` beside it, so the length of the input a validator scans is unbounded.

The analysis reads the pattern with Python's own regex parser; a pattern it cannot parse (ECMA-262
syntax Python lacks) gets no backtracking warning.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# The parser behind re.compile (Python 3.11+); private, but the only full parser of Python's regex syntax.
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

from generator.problems import Problem, join_pointer
from generator.schema import SchemaModel
from generator.schema.nodes import Node, Opaque, Ref, Scalar
from generator.spec_walk import walk_schema

_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT}
_ANY = None  # a first-character set that may contain anything


def lint_model(model: SchemaModel) -> list[Problem]:
    """The warnings about the patterns of every schema and parameter, as the model reads them (a pattern it
    reads as a date-time is not one), each at its place in the spec as written (an inline body's at its place
    in the paths); a schema the model keeps verbatim is read as written."""
    warnings: list[Problem] = []
    seen: set[int] = set()
    for named in model.named.values():
        _lint_node(named.node, model.label, warnings, seen)
    for operation in model.paths.operations:  # (the bodies are named schemas, seen above)
        for parameter in operation.parameters:
            if parameter.schema is not None:
                _lint_node(parameter.schema, model.label, warnings, seen)
    return warnings


def _lint_node(node: Node, label: str, warnings: list[Problem], seen: set[int]) -> None:
    if id(node) in seen or isinstance(node, Ref):
        return
    seen.add(id(node))
    if isinstance(node, Scalar):
        _lint_schema(node.constraints, node.pointer, label, warnings)
    elif isinstance(node, Opaque):  # (its parts are nodes read from this raw schema: not visited twice)
        for pointer, schema in walk_schema(node.raw, node.pointer):
            _lint_schema(schema, pointer, label, warnings)
        return
    else:
        _lint_keyed(node.rest.get("patternProperties"), node.pointer, label, warnings)
    for _, child in [*node.children(), *node.parts.items()]:
        _lint_node(child, label, warnings, seen)


def _lint_schema(schema: Mapping[str, Any], pointer: str, label: str, warnings: list[Problem]) -> None:
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        where = join_pointer(pointer, "pattern")
        reason = backtracking(pattern)
        if reason:
            warnings.append(Problem(label, where, f"pattern {pattern!r} can backtrack catastrophically: {reason}"))
        if "maxLength" not in schema:
            warnings.append(
                Problem(label, where, f"pattern {pattern!r} has no maxLength beside it: input length is unbounded")
            )
    _lint_keyed(schema.get("patternProperties"), pointer, label, warnings)


def _lint_keyed(keyed: Any, pointer: str, label: str, warnings: list[Problem]) -> None:
    if isinstance(keyed, Mapping):
        for key in keyed:
            reason = backtracking(str(key))
            if reason:
                where = join_pointer(pointer, "patternProperties", key)
                warnings.append(Problem(label, where, f"pattern {key!r} can backtrack catastrophically: {reason}"))


def backtracking(pattern: str) -> str | None:
    """Why ``pattern`` can take exponential time in a backtracking engine, or None."""
    try:
        tree = sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return None
    return _scan(list(tree))


def _scan(items: list[tuple[Any, Any]]) -> str | None:
    for op, value in items:
        for body in _bodies(op, value):
            if op in _REPEATS and value[1] > 1:
                if _has_unbounded_repeat(body):
                    return "a repetition contains another unbounded repetition (nested quantifier)"
                if value[1] == sre.MAXREPEAT and _overlapping_branch(body):
                    return "a repetition of alternatives that can match the same text"
            found = _scan(body)
            if found:
                return found
    return None


def _bodies(op: Any, value: Any) -> list[list[tuple[Any, Any]]]:
    """The sub-patterns directly inside one parsed item."""
    if op in _REPEATS:
        return [list(value[2])]
    if op == sre.SUBPATTERN:
        return [list(value[3])]
    if op == sre.BRANCH:
        return [list(branch) for branch in value[1]]
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        return [list(value[1])]
    if op == sre.ATOMIC_GROUP:
        return [list(value)]
    return []


def _has_unbounded_repeat(items: list[tuple[Any, Any]]) -> bool:
    for op, value in items:
        if op in _REPEATS and value[1] == sre.MAXREPEAT:
            return True
        if any(_has_unbounded_repeat(body) for body in _bodies(op, value)):
            return True
    return False


def _overlapping_branch(items: list[tuple[Any, Any]]) -> bool:
    for op, value in items:
        if op == sre.BRANCH:
            firsts = [_first(list(branch)) for branch in value[1]]
            for index, (chars, empty) in enumerate(firsts):
                for other_chars, other_empty in firsts[index + 1 :]:
                    if (empty and other_empty) or _meet(chars, other_chars):
                        return True
        if op != sre.BRANCH and any(_overlapping_branch(body) for body in _bodies(op, value)):
            return True
    return False


def _meet(one: set[int] | None, other: set[int] | None) -> bool:
    if one is _ANY or other is _ANY:
        return bool(one is _ANY or one) and bool(other is _ANY or other)
    return bool(one & other)


def _first(items: list[tuple[Any, Any]]) -> tuple[set[int] | None, bool]:
    """The characters a match of ``items`` can start with (None: anything), and whether it can be empty."""
    chars: set[int] | None = set()
    for op, value in items:
        first, empty = _first_of(op, value)
        chars = _ANY if chars is _ANY or first is _ANY else chars | first
        if not empty:
            return chars, False
    return chars, True


def _first_of(op: Any, value: Any) -> tuple[set[int] | None, bool]:
    if op == sre.LITERAL:
        return {value}, False
    if op == sre.IN:
        chars: set[int] = set()
        for kind, item in value:
            if kind == sre.LITERAL:
                chars.add(item)
            elif kind == sre.RANGE and item[1] - item[0] < 256:
                chars.update(range(item[0], item[1] + 1))
            else:
                return _ANY, False
        return chars, False
    if op == sre.SUBPATTERN:
        return _first(list(value[3]))
    if op == sre.BRANCH:
        results = [_first(list(branch)) for branch in value[1]]
        union: set[int] | None = set()
        for first, _ in results:
            union = _ANY if union is _ANY or first is _ANY else union | first
        return union, any(empty for _, empty in results)
    if op in _REPEATS:
        first, empty = _first(list(value[2]))
        return first, empty or value[0] == 0
    if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
        return set(), True
    return _ANY, op == sre.GROUPREF
