"""Hypothesis strategies for JSON payloads that are valid under the schemas of a spec, drawn from the schema
model's nodes: the spec is read by generator.schema.read, as the generator reads it (nested allOf merged,
OpenAPI 3.0's spellings translated), and each kind of node (generator.schema.nodes) has its strategy, so
that the property tests draw payloads as the generated code understands the spec.

A strategy produces plain JSON values (``dict``/``list``/``str``/``int``/``float``/``bool``/``None``).
``Ref`` (recursion allowed), ``Scalar`` (types, bounds, lengths, ``pattern``, ``multipleOf``, the formats
``date-time``, ``date``, ``uuid``, ``int32``/``int64``/``uint32``/``uint64``), ``Enum``, ``Const``,
``Array``, ``Object`` (properties, required, additionalProperties, property counts), ``Union`` (a ``oneOf``
value matches exactly one member) and ``Intersection`` (an ``allOf`` the model could not merge: drawn from a
member, checked against all). Whether a drawn value matches a node is asked of jsonschema, on the node
written back by generator.schema.canonical. Descriptions, examples, defaults, unknown formats and ``x-``
extensions are ignored, except:

- ``x-evaljobs-datetime-offset: optional`` on a ``date-time`` string: naive timestamps are generated too;
- ``x-evaljobs-sdk-required: [names]`` on an object: with ``sdk_required=True`` these names are required.

Options of :func:`from_schema`:

- ``drift``: also generate what a newer server might send: objects with declared ``properties`` that are not
  closed (``additionalProperties`` is not ``false``) sometimes get one or two extra keys named
  ``DRIFT_FIELD_PREFIX + suffix``, and string enums sometimes take a value ``DRIFT_ENUM_PREFIX + suffix``.
  Without it, objects with ``properties`` get no undeclared keys and enums only take their listed values.
- ``sdk_required``: treat ``x-evaljobs-sdk-required`` names as required.
- ``max_depth``: object/array nesting level from which optional properties are omitted, nullable values are
  ``null`` and arrays/maps are as small as their bounds allow, so that recursive schemas terminate.

Everything happens when a strategy is built; importing this module does no I/O.
"""

from __future__ import annotations

import calendar
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeGuard

from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from generator.problems import escape_pointer_token
from generator.schema import canonical
from generator.schema.nodes import (
    AnyValue,
    Array,
    Const,
    Enum,
    Intersection,
    Node,
    Object,
    Opaque,
    Ref,
    Scalar,
    Union,
)
from generator.schema.read import Reader

__all__ = [
    "DRIFT_ENUM_PREFIX",
    "DRIFT_FIELD_PREFIX",
    "for_component",
    "from_schema",
]

DRIFT_FIELD_PREFIX: Final = "x_drift_"
"""Prefix of the extra (undeclared) object keys generated with ``drift=True``."""

DRIFT_ENUM_PREFIX: Final = "DRIFT_"
"""Prefix of the unlisted enum values generated with ``drift=True``."""

SDK_REQUIRED_KEY: Final = "x-evaljobs-sdk-required"
DATETIME_OFFSET_KEY: Final = "x-evaljobs-datetime-offset"

INT32_MIN: Final = -(2**31)
INT32_MAX: Final = 2**31 - 1
INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
UINT32_MAX: Final = 2**32 - 1
UINT64_MAX: Final = 2**64 - 1

_FIXED_OFFSETS: Final = ("Z", "z", "+00:00", "+05:30", "-08:00")
_SMALL_TEXT_SIZE: Final = 12  # extra characters beyond minLength for unconstrained strings
_MAX_EXTRA_ITEMS: Final = 3  # extra items beyond minItems / extra map entries beyond what is needed
_CAPTURE_TEXT_SIZE: Final = 48  # the same with capture_like=True (the bench's corpora)
_CAPTURE_EXTRA_ITEMS: Final = 24


# --------------------------------------------------------------------------------------------------------
# Leaf strategies (all lazy: nothing is computed at import time)

_CHARACTERS: Final = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),  # printable ASCII, most of the time
    st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Zs")),  # printable non-ASCII
)
_REGEX_ALPHABET: Final = st.characters(codec="utf-8")  # what `.` or `\w` may produce: no surrogates
_ASCII: Final = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
_TEXT: Final = st.text(_CHARACTERS, max_size=_SMALL_TEXT_SIZE)
_KEYS: Final = st.text(_CHARACTERS, min_size=1, max_size=10).filter(lambda k: not k.startswith(DRIFT_FIELD_PREFIX))
_INT64S: Final = st.integers(INT64_MIN, INT64_MAX)
_FLOATS: Final = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(-(2**53), 2**53).map(float),  # integral floats: 0.0, 3.0, -1e15, ...
)
_SCALARS: Final = st.one_of(st.none(), st.booleans(), _INT64S, _FLOATS, _TEXT)


def _json_values(levels: int) -> st.SearchStrategy[Any]:
    """Any JSON value with at most ``levels`` levels of list/dict nesting."""
    if levels <= 0:
        return _SCALARS
    inner = _json_values(levels - 1)
    return st.one_of(
        _SCALARS,
        st.lists(inner, max_size=_MAX_EXTRA_ITEMS),
        st.dictionaries(_KEYS, inner, max_size=_MAX_EXTRA_ITEMS),
    )


_FREE_VALUES: Final = _json_values(2)
"""Values of a schema that says nothing (``{}`` or ``true``), and of drift fields."""
_FREE_MEMBER_VALUES: Final = _json_values(1)
"""Values inside a free-form object, so that the object has at most two levels of nesting."""

_DRIFT_FIELD_NAMES: Final = st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True).map(lambda s: DRIFT_FIELD_PREFIX + s)
_DRIFT_ENUM_VALUES: Final = st.from_regex(r"[A-Z0-9_]{1,10}", fullmatch=True).map(lambda s: DRIFT_ENUM_PREFIX + s)


def _sometimes(draw: st.DrawFn, one_in: int) -> bool:
    """True with probability about ``1/one_in``; shrinks to False."""
    return draw(st.integers(0, one_in - 1)) == one_in - 1


@st.composite
def _date_times(draw: st.DrawFn, offset_optional: bool) -> str:
    """RFC 3339 date-times, spelled in the ways a lossless round trip must preserve.

    Valid dates in 1970-2100, no leap seconds, 0/3/6/9 fraction digits, ``T`` or ``t`` as separator, offsets
    ``Z``, ``z``, ``+00:00``, ``+05:30``, ``-08:00`` or another ``±HH:MM``; no offset at all (naive) only
    when ``offset_optional``.
    """
    year = draw(st.integers(1970, 2100))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, calendar.monthrange(year, month)[1]))
    hour = draw(st.integers(0, 23))
    minute = draw(st.integers(0, 59))
    second = draw(st.integers(0, 59))
    digits = draw(st.sampled_from((0, 3, 6, 9)))
    fraction = "." + draw(st.text("0123456789", min_size=digits, max_size=digits)) if digits else ""
    separator = "t" if _sometimes(draw, 4) else "T"
    choices: tuple[str | None, ...] = _FIXED_OFFSETS + (None,) + (("",) if offset_optional else ())
    offset = draw(st.sampled_from(choices))
    if offset is None:  # some other offset
        sign = draw(st.sampled_from("+-"))
        hours = draw(st.integers(0, 14))
        minutes = draw(st.sampled_from((0, 15, 30, 45)))
        if sign == "-" and hours == 0 and minutes == 0:
            sign = "+"  # "-00:00" means "offset unknown" in RFC 3339; not a plain UTC timestamp
        offset = f"{sign}{hours:02d}:{minutes:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}{separator}{hour:02d}:{minute:02d}:{second:02d}{fraction}{offset}"


@st.composite
def _dates(draw: st.DrawFn) -> str:
    """RFC 3339 full-date strings (``YYYY-MM-DD``) in 1970-2100."""
    year = draw(st.integers(1970, 2100))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, calendar.monthrange(year, month)[1]))
    return f"{year:04d}-{month:02d}-{day:02d}"


# --------------------------------------------------------------------------------------------------------
# Small helpers

_DATA_KEYS: Final = frozenset({"const", "default", "example", "examples", "enum"})
_SCALAR_KEYWORDS: Final = frozenset(
    {"minLength", "maxLength", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
)


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _canonical(value: Any) -> str:
    """A string equal for JSON-equal values (used for ``uniqueItems``)."""

    def normal(v: Any) -> Any:
        if _is_number(v) and float(v).is_integer() and abs(v) < 2**63:
            return int(v)
        if isinstance(v, Mapping):
            return {k: normal(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [normal(x) for x in v]
        return v

    return json.dumps(normal(value), sort_keys=True)


def _has_type(value: Any, type_name: str) -> bool:
    if type_name == "null":
        return value is None
    if type_name == "boolean":
        return isinstance(value, bool)
    if type_name == "integer":
        if isinstance(value, float):
            return value.is_integer()
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "number":
        return _is_number(value) and not (isinstance(value, float) and not math.isfinite(value))
    if type_name == "string":
        return isinstance(value, str)
    if type_name == "array":
        return isinstance(value, list)
    if type_name == "object":
        return isinstance(value, dict)
    raise ValueError(f"unknown JSON Schema type {type_name!r}")


def _short(schema: Any) -> str:
    text = json.dumps(schema, default=str, sort_keys=True)
    return text if len(text) <= 200 else text[:197] + "..."


def _local_refs_only(schema: Any) -> None:
    """Raise ValueError for a ``$ref`` in ``schema`` that is not a local JSON pointer (``#/...``)."""
    if isinstance(schema, list):
        for item in schema:
            _local_refs_only(item)
    elif isinstance(schema, Mapping):
        ref = schema.get("$ref")
        if ref is not None and not (isinstance(ref, str) and (ref == "#" or ref.startswith("#/"))):
            raise ValueError(f"only local $refs are supported, got {ref!r}")
        for key, value in schema.items():
            if key not in _DATA_KEYS:
                _local_refs_only(value)


def _widened(schema: Any) -> Any:
    """``schema`` with every string enum also taking :data:`DRIFT_ENUM_PREFIX` strings (drift, not an error)."""
    if isinstance(schema, list):
        return [_widened(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    found = {key: value if key in _DATA_KEYS else _widened(value) for key, value in schema.items()}
    values = schema.get("enum")
    if isinstance(values, list) and any(isinstance(value, str) for value in values):
        del found["enum"]
        drift = {"type": "string", "pattern": "^" + DRIFT_ENUM_PREFIX}
        return {"allOf": [found, {"anyOf": [{"enum": values}, drift]}]}
    return found


def _bare(node: Node) -> bool:
    """Whether ``node`` only constrains a value another member of its allOf says the kind of."""
    if isinstance(node, Object):
        return not node.declared and not node.properties and node.additional is None
    return isinstance(node, Opaque) and isinstance(node.raw, Mapping) and not node.raw.keys() & {"type", "$ref"}


def _merged_scalars(members: list[Node]) -> Scalar | None:
    """One scalar of an allOf's scalar member and its members that are bare scalar constraints (the tighter
    bound of each; other keywords of the loose members are left to the check of every member)."""
    scalars = [member for member in members if isinstance(member, Scalar)]
    loose = [
        member.raw
        for member in members
        if isinstance(member, Opaque) and isinstance(member.raw, Mapping) and member.raw.keys() <= _SCALAR_KEYWORDS
    ]
    if len(scalars) != 1 or len(scalars) + len(loose) != len(members):
        return None
    constraints = dict(scalars[0].constraints)
    for raw in loose:
        for key, value in raw.items():
            if key in constraints and key in ("minLength", "minimum") and _is_number(value):
                constraints[key] = max(constraints[key], value)
            elif key in constraints and key in ("maxLength", "maximum") and _is_number(value):
                constraints[key] = min(constraints[key], value)
            else:
                constraints.setdefault(key, value)
    base = scalars[0]
    return Scalar(
        pointer=base.pointer, types=base.types, format=base.format, constraints=constraints, extensions=base.extensions
    )


# --------------------------------------------------------------------------------------------------------
# The interpreter


@dataclass(frozen=True)
class _ObjectPlan:
    """What :func:`_objects` needs to draw one object."""

    required: tuple[tuple[str, st.SearchStrategy[Any]], ...]
    optional: tuple[tuple[str, st.SearchStrategy[Any]], ...]
    extra_keys: st.SearchStrategy[str] | None  # undeclared keys the schema itself allows (maps, free-form)
    extra_values: st.SearchStrategy[Any]
    max_extra: int
    drift_values: st.SearchStrategy[Any] | None  # set when drift fields may be added
    declared: frozenset[str]  # declared property names, which drift fields must not take
    min_properties: int
    max_properties: float
    cutoff: bool
    mostly_present: bool  # optional properties present 9 times in 10 (capture-like sizes), else 1 in 2


@st.composite
def _objects(draw: st.DrawFn, plan: _ObjectPlan) -> dict[str, Any]:
    """Draw one object following ``plan``."""
    result: dict[str, Any] = {name: draw(strategy) for name, strategy in plan.required}
    present = st.integers(0, 9).map(bool) if plan.mostly_present else st.booleans()
    chosen = [] if plan.cutoff else [i for i in range(len(plan.optional)) if draw(present)]
    for i in range(len(plan.optional)):  # minProperties: add optional properties in declaration order
        if len(result) + len(chosen) >= plan.min_properties:
            break
        if i not in chosen:
            chosen.append(i)
    for i in sorted(chosen):
        if len(result) >= plan.max_properties:
            break
        name, strategy = plan.optional[i]
        result[name] = draw(strategy)

    if plan.extra_keys is not None:
        needed = max(0, plan.min_properties - len(result))
        most = int(min(needed if plan.cutoff else needed + plan.max_extra, plan.max_properties - len(result)))
        if most > 0:
            taken = frozenset(result)
            keys = plan.extra_keys.filter(lambda k: k not in taken)
            result.update(draw(st.dictionaries(keys, plan.extra_values, min_size=min(needed, most), max_size=most)))

    if plan.drift_values is not None and len(result) < plan.max_properties and _sometimes(draw, 4):
        count = int(min(draw(st.integers(1, 2)), plan.max_properties - len(result)))
        taken = plan.declared | frozenset(result)
        names = _DRIFT_FIELD_NAMES.filter(lambda k: k not in taken)
        for name in draw(st.lists(names, min_size=count, max_size=count, unique=True)):
            result[name] = draw(plan.drift_values)
    return result


@dataclass(frozen=True)
class _Options:
    drift: bool
    sdk_required: bool
    max_depth: int
    capture_like: bool = False  # sizes of captured traffic: most optional fields, longer text, longer arrays

    @property
    def text_size(self) -> int:
        return _CAPTURE_TEXT_SIZE if self.capture_like else _SMALL_TEXT_SIZE

    @property
    def extra_items(self) -> int:
        return _CAPTURE_EXTRA_ITEMS if self.capture_like else _MAX_EXTRA_ITEMS


class _Interpreter:
    """Builds strategies for the nodes of one document (read on first need); memoizes named schemas per depth."""

    def __init__(self, document: Mapping[str, Any], options: _Options) -> None:
        self.document = document
        self.options = options
        openapi = "openapi" in document or "components" in document
        self.area: tuple[str, ...] = ("components", "schemas") if openapi else ("$defs",)
        version = str(document.get("openapi", ""))
        self.reader = Reader(document, self.area, openapi30=version.startswith("3.0"), label="strategies")
        definitions: Any = document
        for token in self.area:
            definitions = definitions.get(token, {}) if isinstance(definitions, Mapping) else {}
        self.definitions: Mapping[str, Any] = definitions if isinstance(definitions, Mapping) else {}
        root: dict[str, Any] = (
            {"$defs": dict(self.definitions)} if not openapi else {"components": {"schemas": dict(self.definitions)}}
        )
        self._root = _widened(root) if options.drift else root
        self._memo: dict[tuple[str, int, bool], st.SearchStrategy[Any] | None] = {}
        self._validators: dict[int, tuple[Node, Draft202012Validator]] = {}

    # ---- nodes -------------------------------------------------------------------------------------------

    def read(self, schema: Any) -> Node:
        """``schema`` (a schema of the document, or one written beside it) as the schema model reads it."""
        _local_refs_only(schema)
        try:
            node = self.reader.read(schema, "")
        except (KeyError, IndexError, TypeError) as error:
            raise ValueError(f"a $ref of {_short(schema)} does not resolve: {error}") from None
        if self.reader.problems:
            raise ValueError(f"{_short(schema)}: {self.reader.problems[0].message}")
        return node

    def named(self, key: str) -> Node:
        if key not in self.definitions:
            raise ValueError(f"$ref to {key!r}, which the document does not define")
        try:
            node = self.reader.read_named(key)
        except (KeyError, IndexError, TypeError) as error:
            raise ValueError(f"a $ref inside {key!r} does not resolve: {error}") from None
        if node is None:
            raise ValueError(f"{key!r} refers to itself without nesting")
        return node

    def ref_of(self, key: str) -> str:
        return "#/" + "/".join(escape_pointer_token(token) for token in (*self.area, key))

    def _ref(self, key: str, depth: int, offset_optional: bool) -> st.SearchStrategy[Any]:
        memo = (key, depth, offset_optional)
        if memo in self._memo:
            cached = self._memo[memo]
            if cached is None:  # recursion without nesting, or at the depth cutoff: tie the knot lazily
                return st.deferred(lambda: self._finished(memo))
            return cached
        self._memo[memo] = None
        try:
            strategy = self.build(self.named(key), depth, offset_optional)
        except BaseException:
            del self._memo[memo]
            raise
        self._memo[memo] = strategy
        return strategy

    def _finished(self, memo: tuple[str, int, bool]) -> st.SearchStrategy[Any]:
        strategy = self._memo.get(memo)
        if strategy is None:  # pragma: no cover - build() raised; the strategy is never drawn
            raise ValueError(f"strategy for {memo[0]!r} was never finished")
        return strategy

    # ---- whether a drawn value matches a node (oneOf exclusivity, intersections) --------------------------

    def is_valid(self, node: Node, value: Any) -> bool:
        """Whether ``value`` is valid under ``node`` (jsonschema, formats unchecked; with ``drift``, strings
        starting with :data:`DRIFT_ENUM_PREFIX` pass string enums)."""
        found = self._validators.get(id(node))
        if found is None:
            written = canonical.place(node, self.ref_of)
            if self.options.drift:
                written = _widened(written)
            schema = {**self._root, **written} if isinstance(written, dict) else written
            found = self._validators[id(node)] = (node, Draft202012Validator(schema))
        return bool(found[1].is_valid(value))

    def _matches_none(self, nodes: list[Node]) -> Any:
        return lambda value: not any(self.is_valid(node, value) for node in nodes)

    # ---- strategy construction ----------------------------------------------------------------------

    def _cutoff(self, depth: int) -> bool:
        return depth >= self.options.max_depth

    def _child(self, depth: int) -> int:
        return min(depth + 1, self.options.max_depth)

    def build(self, node: Node, depth: int, offset_optional: bool = False) -> st.SearchStrategy[Any]:
        """The strategy for ``node`` at object/array nesting ``depth`` (clamped at ``max_depth``).

        ``offset_optional`` is inherited through references, unions and intersections (not through
        properties or items) from a schema carrying ``x-evaljobs-datetime-offset: optional``."""
        offset_optional = offset_optional or node.extensions.get(DATETIME_OFFSET_KEY) == "optional"
        if isinstance(node, Scalar):
            return self._build_scalar(node, depth, offset_optional)
        if isinstance(node, Enum):
            return self._build_enum(node, depth)
        if isinstance(node, Const):
            return st.just(node.value)
        if isinstance(node, AnyValue):
            return _FREE_VALUES
        if isinstance(node, Opaque):
            if node.raw is False:
                return st.nothing()
            raise ValueError(f"a schema the schema model keeps verbatim: {_short(node.raw)}")
        if isinstance(node, Union):
            core = self._build_union(node, depth, offset_optional)
        elif isinstance(node, Intersection):
            core = self._build_intersection(node, depth, offset_optional)
        elif isinstance(node, Ref):
            core = self._ref(node.target, depth, offset_optional)
        elif isinstance(node, Array):
            core = self._build_array(node, depth)
        elif isinstance(node, Object):
            core = self._build_object(node, depth)
        else:  # pragma: no cover - every kind of node is above
            raise TypeError(f"unknown node {node!r}")
        if not node.nullable:
            return core
        return st.none() if self._cutoff(depth) else st.one_of(core, st.none())

    def _build_scalar(self, node: Scalar, depth: int, offset_optional: bool) -> st.SearchStrategy[Any]:
        types = list(dict.fromkeys(node.types))
        others = [kind for kind in types if kind != "null"]
        if "null" in types and (self._cutoff(depth) or not others):
            return st.none()
        keywords = {**node.constraints, **({"format": node.format} if node.format else {})}
        strategies = [self._build_type(kind, keywords, offset_optional) for kind in others]
        if "null" in types:
            strategies.append(st.none())
        return st.one_of(strategies)

    def _build_type(self, kind: str, keywords: Mapping[str, Any], offset_optional: bool) -> st.SearchStrategy[Any]:
        if kind == "string":
            return self._build_string(keywords, offset_optional)
        if kind == "integer":
            return self._build_integer(keywords)
        if kind == "number":
            return self._build_number(keywords)
        if kind == "boolean":
            return st.booleans()
        raise ValueError(f"unknown type {kind!r}")

    def _is_null_only(self, node: Node) -> bool:
        seen: set[str] = set()
        while isinstance(node, Ref) and not node.nullable and node.target not in seen:
            seen.add(node.target)
            node = self.named(node.target)
        if isinstance(node, Scalar):
            return set(node.types) == {"null"}
        if isinstance(node, Const):
            return node.value is None
        return isinstance(node, Enum) and not node.values and node.nullable

    def _build_union(self, node: Union, depth: int, offset_optional: bool) -> st.SearchStrategy[Any]:
        members = list(node.members)
        keyword = "oneOf" if node.exclusive else "anyOf"
        if not members:
            raise ValueError(f"empty {keyword} at {node.pointer or 'the schema'}")
        if self._cutoff(depth) and any(self._is_null_only(member) for member in members):
            return st.none()  # the member {type: "null"} makes the value nullable: prefer null at the cutoff
        strategies = []
        for index, member in enumerate(members):
            strategy = self.build(member, depth, offset_optional)
            if node.exclusive and len(members) > 1:  # keep values that match no other member
                others = [other for i, other in enumerate(members) if i != index]
                strategy = strategy.filter(self._matches_none(others))
            strategies.append(strategy)
        return st.one_of(strategies)

    def _build_intersection(self, node: Intersection, depth: int, offset_optional: bool) -> st.SearchStrategy[Any]:
        """An ``allOf`` the schema model could not merge: scalars and bare scalar constraints combined into one
        scalar, else drawn from the first member that says what the value is; either way checked against
        every member."""
        members = list(node.members)
        merged = _merged_scalars(members)
        if merged is not None:
            base: Node = merged
        else:
            sayers = [member for member in members if not _bare(member)]
            base = sayers[0] if sayers else members[0]
        check = [member for member in members if member is not base]
        strategy = self.build(base, depth, offset_optional)
        return strategy.filter(lambda value: all(self.is_valid(member, value) for member in check))

    def _build_enum(self, node: Enum, depth: int) -> st.SearchStrategy[Any]:
        values = [value for value in node.values if node.type is None or _has_type(value, node.type)]
        if node.nullable and node.null_by == "enum":
            values.append(None)
        if not values:
            raise ValueError(f"no enum value is valid under its own schema at {node.pointer or 'the schema'}")
        if None in values and self._cutoff(depth):
            return st.none()
        listed = st.sampled_from(values)
        if not (self.options.drift and any(isinstance(v, str) for v in values)):
            return listed
        known = {v for v in values if isinstance(v, str)}
        drifted = _DRIFT_ENUM_VALUES.filter(lambda v: v not in known)

        @st.composite
        def enum_values(draw: st.DrawFn) -> Any:
            return draw(drifted) if _sometimes(draw, 8) else draw(listed)

        return enum_values()

    def _build_string(self, schema: Mapping[str, Any], offset_optional: bool) -> st.SearchStrategy[str]:
        min_length = int(schema.get("minLength", 0))
        max_length = schema.get("maxLength")
        fmt = schema.get("format")
        if "pattern" in schema:
            base: st.SearchStrategy[str] = st.from_regex(schema["pattern"], fullmatch=True, alphabet=_REGEX_ALPHABET)
        elif fmt == "date-time":
            base = _date_times(offset_optional)
        elif fmt == "date":
            base = _dates()
        elif fmt == "uuid":
            base = st.uuids().map(str)
        elif fmt in ("int64", "int32", "uint64", "uint32"):
            low, high = {
                "int64": (INT64_MIN, INT64_MAX),
                "int32": (INT32_MIN, INT32_MAX),
                "uint64": (0, UINT64_MAX),
                "uint32": (0, UINT32_MAX),
            }[fmt]
            base = st.integers(low, high).map(str)
        else:
            high = (
                min_length + self.options.text_size
                if max_length is None
                else min(max_length, min_length + self.options.text_size)
            )
            size = {"min_size": min_length, "max_size": max(high, min_length)}
            if self.options.capture_like:  # captured text is mostly ASCII: 1 string in 5 mixes in any script
                return st.one_of(*[st.text(_ASCII, **size)] * 4, st.text(_CHARACTERS, **size))
            return st.text(_CHARACTERS, **size)
        if min_length or max_length is not None:
            high_len = math.inf if max_length is None else max_length
            base = base.filter(lambda s: min_length <= len(s) <= high_len)
        return base

    @staticmethod
    def _valid_number(schema: Mapping[str, Any], value: float) -> bool:
        if "minimum" in schema and value < schema["minimum"]:
            return False
        if "maximum" in schema and value > schema["maximum"]:
            return False
        low, high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        if (low is True and value <= schema.get("minimum", -math.inf)) or (_is_number(low) and value <= low):
            return False
        if (high is True and value >= schema.get("maximum", math.inf)) or (_is_number(high) and value >= high):
            return False
        if "multipleOf" in schema:
            quotient = value / schema["multipleOf"]
            if not (math.isfinite(quotient) and float(quotient).is_integer()):
                return False
        return True

    @staticmethod
    def _bounds(schema: Mapping[str, Any]) -> tuple[float, float, bool, bool]:
        """(low, high, exclude_low, exclude_high) from minimum/maximum/exclusive* (2020-12 and 3.0 style)."""
        low, high = -math.inf, math.inf
        exclude_low = exclude_high = False
        if _is_number(schema.get("minimum")):
            low = schema["minimum"]
            exclude_low = schema.get("exclusiveMinimum") is True
        if _is_number(schema.get("maximum")):
            high = schema["maximum"]
            exclude_high = schema.get("exclusiveMaximum") is True
        if _is_number(schema.get("exclusiveMinimum")) and schema["exclusiveMinimum"] >= low:
            low, exclude_low = schema["exclusiveMinimum"], True
        if _is_number(schema.get("exclusiveMaximum")) and schema["exclusiveMaximum"] <= high:
            high, exclude_high = schema["exclusiveMaximum"], True
        return low, high, exclude_low, exclude_high

    def _build_integer(self, schema: Mapping[str, Any]) -> st.SearchStrategy[int]:
        fmt = schema.get("format", "")
        low_int, high_int = {
            "int32": (INT32_MIN, INT32_MAX),
            "uint32": (0, UINT32_MAX),
            "uint64": (0, INT64_MAX),
        }.get(fmt, (INT64_MIN, INT64_MAX))
        low, high, exclude_low, exclude_high = self._bounds(schema)
        if math.isfinite(low):
            low_int = max(low_int, math.floor(low) + 1 if exclude_low and float(low).is_integer() else math.ceil(low))
        if math.isfinite(high):
            high_int = min(
                high_int, math.ceil(high) - 1 if exclude_high and float(high).is_integer() else math.floor(high)
            )
        if low_int > high_int:
            raise ValueError(f"no integer satisfies the bounds of {_short(schema)}")
        step = schema.get("multipleOf")
        if step is None:
            return st.integers(low_int, high_int)
        if not (_is_number(step) and float(step).is_integer() and step > 0):
            return st.integers(low_int, high_int).filter(lambda v: self._valid_number(schema, v))
        step = int(step)
        return st.integers(-(-low_int // step), high_int // step).map(lambda k: k * step)

    def _build_number(self, schema: Mapping[str, Any]) -> st.SearchStrategy[float | int]:
        low, high, exclude_low, exclude_high = self._bounds(schema)
        step = schema.get("multipleOf")
        if _is_number(step) and step > 0:
            k_low = math.ceil(low / step) if math.isfinite(low) else -(2**31)
            k_high = math.floor(high / step) if math.isfinite(high) else 2**31
            multiples = st.integers(k_low, k_high).map(lambda k: float(k * step))
            return multiples.filter(lambda v: self._valid_number(schema, v))
        floats = st.floats(
            min_value=low if math.isfinite(low) else None,
            max_value=high if math.isfinite(high) else None,
            exclude_min=exclude_low and math.isfinite(low),
            exclude_max=exclude_high and math.isfinite(high),
            allow_nan=False,
            allow_infinity=False,
        )
        int_low = max(-(2**53), math.ceil(low) if math.isfinite(low) else -(2**53))
        int_high = min(2**53, math.floor(high) if math.isfinite(high) else 2**53)
        if int_low > int_high:
            return floats
        # JSON numbers are written as integers (123) as often as with a fraction (123.0): both must survive.
        integral: st.SearchStrategy[int] = st.integers(int_low, int_high)
        if exclude_low or exclude_high:
            integral = integral.filter(lambda v: self._valid_number(schema, v))
        return st.one_of(floats, integral, integral.map(float))

    def _build_array(self, node: Array, depth: int) -> st.SearchStrategy[list[Any]]:
        min_items = int(node.constraints.get("minItems", 0))
        max_items = node.constraints.get("maxItems")
        if isinstance(node.items, Opaque) and node.items.raw is False:
            if min_items > 0:
                raise ValueError(f"items: false with minItems > 0 at {node.pointer or 'the schema'}")
            return st.just([])
        if self._cutoff(depth):
            high = min_items
        else:
            extra = self.options.extra_items
            high = min_items + extra if max_items is None else min(max_items, min_items + extra)
        elements = _FREE_VALUES if node.items is None else self.build(node.items, self._child(depth))
        unique_by = _canonical if node.constraints.get("uniqueItems") else None
        return st.lists(elements, min_size=min_items, max_size=max(high, min_items), unique_by=unique_by)

    def _build_object(self, node: Object, depth: int) -> st.SearchStrategy[dict[str, Any]]:
        properties = node.properties
        additional = True if node.additional is None else node.additional
        required = list(dict.fromkeys(node.required))
        if self.options.sdk_required:
            wanted = node.extensions.get(SDK_REQUIRED_KEY) or ()
            required += [name for name in wanted if name not in required]
        cutoff = self._cutoff(depth)
        child = self._child(depth)
        free_form = not properties and additional is True

        def value_strategy(name: str) -> st.SearchStrategy[Any]:
            if name in properties:
                return self.build(properties[name], child)
            if additional is False:
                raise ValueError(f"required property {name!r} is not allowed at {node.pointer or 'the schema'}")
            if additional is True:
                return _FREE_MEMBER_VALUES if free_form else _FREE_VALUES
            return self.build(additional, child)

        def never(sub: Node) -> bool:
            return isinstance(sub, Opaque) and sub.raw is False

        required_plan = []
        for name in required:
            if name in properties and never(properties[name]):
                raise ValueError(f"required property {name!r} has schema false at {node.pointer or 'the schema'}")
            required_plan.append((name, value_strategy(name)))
        optional_plan = [
            (name, value_strategy(name)) for name, sub in properties.items() if name not in required and not never(sub)
        ]

        extra_keys: st.SearchStrategy[str] | None = None
        extra_values: st.SearchStrategy[Any] = st.nothing()
        if isinstance(additional, Node):  # a map
            extra_keys = _KEYS.filter(lambda k: k not in properties)
            extra_values = self.build(additional, child)
        elif free_form:
            extra_keys = _KEYS
            extra_values = _FREE_MEMBER_VALUES

        drift_values: st.SearchStrategy[Any] | None = None
        if self.options.drift and properties and additional is not False:
            drift_values = extra_values if isinstance(additional, Node) else _FREE_VALUES

        plan = _ObjectPlan(
            required=tuple(required_plan),
            optional=tuple(optional_plan),
            extra_keys=extra_keys,
            extra_values=extra_values,
            max_extra=self.options.extra_items,
            drift_values=drift_values,
            declared=frozenset(properties),
            min_properties=int(node.constraints.get("minProperties", 0)),
            max_properties=node.constraints.get("maxProperties", math.inf),
            cutoff=cutoff,
            mostly_present=self.options.capture_like,
        )
        return _objects(plan)


# --------------------------------------------------------------------------------------------------------
# Public API


def from_schema(
    document: Mapping[str, Any],
    schema: Mapping[str, Any],
    *,
    drift: bool = False,
    sdk_required: bool = False,
    max_depth: int = 4,
    capture_like: bool = False,
) -> st.SearchStrategy[Any]:
    """A strategy for JSON values valid under ``schema``; local ``$ref``s resolve against ``document``.

    :param document: the OpenAPI document (or JSON Schema document) whose schemas ``$ref``s point at.
    :param schema: the schema to generate for, e.g. ``{"$ref": "#/components/schemas/EvaluationJob"}``.
    :param drift: also produce undeclared fields (named ``DRIFT_FIELD_PREFIX + ...``) and unlisted string
        enum values (``DRIFT_ENUM_PREFIX + ...``), as a newer server might send.
    :param sdk_required: treat ``x-evaljobs-sdk-required`` names as required.
    :param capture_like: sizes like captured traffic (most optional fields present, text up to
        48 characters, arrays and maps up to 24 extra entries) instead of small values.
    :param max_depth: object/array nesting from which only required properties, ``null`` for nullable
        values and the smallest allowed arrays and maps are generated.
    :raises ValueError: for a ``$ref`` that does not resolve, a non-local ``$ref``, or a schema no value
        satisfies in a way that is visible when building (e.g. enum values that are not of their type).
    """
    if max_depth < 0:
        raise ValueError("max_depth must be >= 0")
    interpreter = _Interpreter(
        document, _Options(drift=drift, sdk_required=sdk_required, max_depth=max_depth, capture_like=capture_like)
    )
    return interpreter.build(interpreter.read(schema), 0)


def for_component(
    document: Mapping[str, Any],
    name: str,
    *,
    drift: bool = False,
    sdk_required: bool = False,
    max_depth: int = 4,
    capture_like: bool = False,
) -> st.SearchStrategy[Any]:
    """:func:`from_schema` for ``document["components"]["schemas"][name]`` (``document``: the schema model's
    canonical document, tests.conftest.model_document, or any OpenAPI 3.0 / 3.1 document).

    :raises KeyError: if the document has no such component.
    """
    schemas = document.get("components", {}).get("schemas", {})
    if name not in schemas:
        raise KeyError(f"no components.schemas entry named {name!r}")
    ref = "#/components/schemas/" + escape_pointer_token(name)
    return from_schema(
        document, {"$ref": ref}, drift=drift, sdk_required=sdk_required, max_depth=max_depth, capture_like=capture_like
    )
