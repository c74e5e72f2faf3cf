"""Hypothesis strategies for JSON payloads that are valid under the schemas in ``schemas/``.

The specs are OpenAPI 3.1 documents (JSON Schema 2020-12, conventions in ``schemas/README.md``). This module
interprets the subset of JSON Schema those specs use and turns a schema into a strategy producing plain JSON
values (``dict``/``list``/``str``/``int``/``float``/``bool``/``None``), so that property tests can check that
the generated models round-trip every valid payload.

Supported keywords: local ``$ref`` (resolved against the document, recursion allowed), ``type`` (a string or
a list, ``"null"`` included), ``enum``, ``const``, ``anyOf``, ``oneOf`` (a value matches exactly one
branch), ``allOf`` (merged), ``properties``, ``required``, ``additionalProperties``, ``minProperties``,
``maxProperties``, ``items``, ``minItems``, ``maxItems``, ``uniqueItems``, ``minLength``, ``maxLength``,
``pattern``, ``minimum``, ``maximum``, ``exclusiveMinimum``, ``exclusiveMaximum``, ``multipleOf`` and the
formats ``date-time``, ``date``, ``uuid``, ``int32``/``int64``/``uint32``/``uint64``. Other keywords
(descriptions, examples, defaults, unknown formats, ``x-`` extensions) are ignored, except:

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
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeGuard
from urllib.parse import unquote

from hypothesis import strategies as st

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

_JSON_TYPES: Final = frozenset({"object", "array", "string", "integer", "number", "boolean", "null"})
_OBJECT_KEYWORDS: Final = frozenset(
    {"properties", "required", "additionalProperties", "minProperties", "maxProperties", SDK_REQUIRED_KEY}
)
_ARRAY_KEYWORDS: Final = frozenset({"items", "minItems", "maxItems", "uniqueItems"})
_STRING_KEYWORDS: Final = frozenset({"minLength", "maxLength", "pattern"})
_NUMBER_KEYWORDS: Final = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"})
# Keywords that constrain or shape a value; everything else is an annotation and is ignored.
_CONSTRAINT_KEYWORDS: Final = (
    frozenset({"$ref", "allOf", "anyOf", "oneOf", "type", "enum", "const", "format"})
    | _OBJECT_KEYWORDS
    | _ARRAY_KEYWORDS
    | _STRING_KEYWORDS
    | _NUMBER_KEYWORDS
)

_FIXED_OFFSETS: Final = ("Z", "z", "+00:00", "+05:30", "-08:00")
_SMALL_TEXT_SIZE: Final = 12  # extra characters beyond minLength for unconstrained strings
_MAX_EXTRA_ITEMS: Final = 3  # extra items beyond minItems / extra map entries beyond what is needed
_CAPTURE_TEXT_SIZE: Final = 48  # the same with capture_like=True (the bench's corpora)
_CAPTURE_EXTRA_ITEMS: Final = 24

Schema = Mapping[str, Any] | bool

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
# Small JSON Schema helpers


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values: ``true`` is not ``1``, ``1`` is ``1.0``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    if isinstance(a, str) or isinstance(b, str) or a is None or b is None:
        return type(a) is type(b) and a == b
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, Sequence) and isinstance(b, Sequence):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    return False


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


def _declared_types(schema: Mapping[str, Any]) -> list[str] | None:
    """The schema's ``type`` as a list, inferred from its keywords when absent; None means any type."""
    declared = schema.get("type")
    if isinstance(declared, str):
        declared = [declared]
    if declared is not None:
        unknown = set(declared) - _JSON_TYPES
        if unknown:
            raise ValueError(f"unknown type(s) {sorted(unknown)} in schema {_short(schema)}")
        return list(dict.fromkeys(declared))
    keys = schema.keys()
    if keys & _OBJECT_KEYWORDS:
        return ["object"]
    if keys & _ARRAY_KEYWORDS:
        return ["array"]
    if keys & _STRING_KEYWORDS or schema.get("format") in ("date-time", "date", "uuid"):
        return ["string"]
    if keys & _NUMBER_KEYWORDS:
        return ["number"]
    return None


def _has_constraints(schema: Mapping[str, Any]) -> bool:
    return any(key in _CONSTRAINT_KEYWORDS for key in schema)


def _short(schema: Any) -> str:
    text = json.dumps(schema, default=str, sort_keys=True)
    return text if len(text) <= 200 else text[:197] + "..."


def _intersect_types(a: Any, b: Any) -> list[str]:
    left = {a} if isinstance(a, str) else set(a)
    right = {b} if isinstance(b, str) else set(b)
    result = left & right
    if ("integer" in left and "number" in right) or ("number" in left and "integer" in right):
        result.add("integer")
    if not result:
        raise ValueError(f"allOf: types {sorted(left)} and {sorted(right)} do not intersect")
    order = ("object", "array", "string", "integer", "number", "boolean", "null")
    return [t for t in order if t in result]


def _all_of(a: Schema, b: Schema) -> Schema:
    if a is True:
        return b
    if b is True:
        return a
    if a is False or b is False:
        return False
    return {"allOf": [a, b]}


def _merge_into(target: dict[str, Any], other: Mapping[str, Any]) -> bool:
    """Merge the keywords of ``other`` into ``target`` (conjunction). Returns True if the merge is lossy,
    i.e. the result may accept values that violate ``other`` and generated values need a check."""
    lossy = False
    for key, value in other.items():
        if key not in target:
            target[key] = value
            continue
        current = target[key]
        if key == "type":
            target[key] = _intersect_types(current, value)
        elif key == "enum":
            target[key] = [v for v in current if any(_json_equal(v, w) for w in value)]
        elif key == "const":
            if not _json_equal(current, value):
                raise ValueError(f"allOf: conflicting const values {current!r} and {value!r}")
        elif key == "properties":
            properties = dict(current)
            for name, sub in value.items():
                properties[name] = _all_of(properties[name], sub) if name in properties else sub
            target[key] = properties
        elif key in ("required", SDK_REQUIRED_KEY):
            target[key] = list(dict.fromkeys([*current, *value]))
        elif key in ("minimum", "minLength", "minItems", "minProperties"):
            target[key] = max(current, value)
        elif key in ("maximum", "maxLength", "maxItems", "maxProperties"):
            target[key] = min(current, value)
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and _is_number(current) and _is_number(value):
            target[key] = max(current, value) if key == "exclusiveMinimum" else min(current, value)
        elif key in ("additionalProperties", "items"):
            target[key] = _all_of(current, value)
        elif key == "uniqueItems":
            target[key] = bool(current or value)
        elif key == DATETIME_OFFSET_KEY:
            target[key] = "optional" if "optional" in (current, value) else current
        elif key in _CONSTRAINT_KEYWORDS and not _json_equal(current, value):
            lossy = True  # e.g. two patterns, two anyOfs: keep the first, check the rest afterwards
        # annotations (description, examples, ...): the first one wins
    return lossy


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
    """Builds strategies for the schemas of one document; memoizes ``$ref`` targets per depth."""

    def __init__(self, document: Mapping[str, Any], options: _Options) -> None:
        self.document = document
        self.options = options
        self._memo: dict[tuple[str, int, bool], st.SearchStrategy[Any] | None] = {}

    # ---- references --------------------------------------------------------------------------------

    def resolve(self, ref: str) -> Schema:
        """The schema a local ``$ref`` (a JSON pointer fragment) points at."""
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise ValueError(f"only local $refs are supported, got {ref!r}")
        node: Any = self.document
        pointer = unquote(ref[1:])
        if pointer:
            if not pointer.startswith("/"):
                raise ValueError(f"$ref {ref!r} is not a JSON pointer")
            for escaped in pointer[1:].split("/"):
                token = escaped.replace("~1", "/").replace("~0", "~")
                try:
                    node = node[int(token)] if isinstance(node, list) else node[token]
                except (KeyError, IndexError, ValueError, TypeError):
                    raise ValueError(f"$ref {ref!r} does not resolve in the document") from None
        if not isinstance(node, Mapping | bool):
            raise ValueError(f"$ref {ref!r} does not point at a schema")
        return node

    def _ref(self, ref: str, depth: int, offset_optional: bool) -> st.SearchStrategy[Any]:
        key = (ref, depth, offset_optional)
        if key in self._memo:
            cached = self._memo[key]
            if cached is None:  # recursion without nesting, or at the depth cutoff: tie the knot lazily
                return st.deferred(lambda: self._finished(key))
            return cached
        self._memo[key] = None
        try:
            strategy = self.build(self.resolve(ref), depth, offset_optional)
        except BaseException:
            del self._memo[key]
            raise
        self._memo[key] = strategy
        return strategy

    def _finished(self, key: tuple[str, int, bool]) -> st.SearchStrategy[Any]:
        strategy = self._memo.get(key)
        if strategy is None:  # pragma: no cover - build() raised; the strategy is never drawn
            raise ValueError(f"strategy for {key[0]!r} was never finished")
        return strategy

    def _conjuncts(self, schema: Schema, seen: frozenset[str]) -> list[Mapping[str, Any]]:
        """Flatten ``$ref`` and ``allOf`` at the top of ``schema`` into a list of plain schemas."""
        if schema is True:
            return []
        if schema is False:
            raise ValueError("allOf contains a false schema")
        rest = {k: v for k, v in schema.items() if k not in ("$ref", "allOf")}
        parts: list[Mapping[str, Any]] = [rest] if rest else []
        if "$ref" in schema:
            ref = schema["$ref"]
            if ref in seen:
                raise ValueError(f"allOf/$ref cycle through {ref!r}")
            parts += self._conjuncts(self.resolve(ref), seen | {ref})
        for member in schema.get("allOf", ()):
            parts += self._conjuncts(member, seen)
        return parts

    # ---- validation of generated values (oneOf exclusivity, lossy allOf merges) -------------------------

    def is_valid(self, schema: Schema, value: Any, lenient: bool = False) -> bool:
        """Whether ``value`` is valid under ``schema`` (the supported subset; formats are not checked).

        With ``lenient``, strings starting with :data:`DRIFT_ENUM_PREFIX` pass string enums."""
        if schema is True or schema is False:
            return schema
        if "$ref" in schema and not self.is_valid(self.resolve(schema["$ref"]), value, lenient):
            return False
        if not all(self.is_valid(sub, value, lenient) for sub in schema.get("allOf", ())):
            return False
        if "anyOf" in schema and not any(self.is_valid(sub, value, lenient) for sub in schema["anyOf"]):
            return False
        if "oneOf" in schema and sum(self.is_valid(sub, value, lenient) for sub in schema["oneOf"]) != 1:
            return False
        declared = schema.get("type")
        if declared is not None:
            names = [declared] if isinstance(declared, str) else declared
            if not any(_has_type(value, name) for name in names):
                return False
        if "const" in schema and not _json_equal(schema["const"], value):
            return False
        if "enum" in schema and not any(_json_equal(v, value) for v in schema["enum"]):
            drifted = lenient and isinstance(value, str) and value.startswith(DRIFT_ENUM_PREFIX)
            if not (drifted and any(isinstance(v, str) for v in schema["enum"])):
                return False
        if isinstance(value, str):
            return self._valid_string(schema, value)
        if _is_number(value):
            return self._valid_number(schema, value)
        if isinstance(value, dict):
            return self._valid_object(schema, value, lenient)
        if isinstance(value, list):
            return self._valid_array(schema, value, lenient)
        return True

    @staticmethod
    def _valid_string(schema: Mapping[str, Any], value: str) -> bool:
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", math.inf):
            return False
        return "pattern" not in schema or re.search(schema["pattern"], value) is not None

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

    def _valid_object(self, schema: Mapping[str, Any], value: dict[str, Any], lenient: bool) -> bool:
        if not schema.get("minProperties", 0) <= len(value) <= schema.get("maxProperties", math.inf):
            return False
        if any(name not in value for name in schema.get("required", ())):
            return False
        properties = schema.get("properties", {})
        additional = schema.get("additionalProperties", True)
        for name, item in value.items():
            sub = properties.get(name, additional)
            if not self.is_valid(sub, item, lenient):
                return False
        return True

    def _valid_array(self, schema: Mapping[str, Any], value: list[Any], lenient: bool) -> bool:
        if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", math.inf):
            return False
        if schema.get("uniqueItems") and len({_canonical(v) for v in value}) != len(value):
            return False
        items = schema.get("items", True)
        return all(self.is_valid(items, item, lenient) for item in value)

    def _matches_none(self, schemas: Sequence[Schema], lenient: bool) -> Callable[[Any], bool]:
        return lambda value: not any(self.is_valid(schema, value, lenient) for schema in schemas)

    def _check(self, schema: Schema) -> Callable[[Any], bool]:
        lenient = self.options.drift
        return lambda value: self.is_valid(schema, value, lenient)

    # ---- strategy construction ----------------------------------------------------------------------

    def _cutoff(self, depth: int) -> bool:
        return depth >= self.options.max_depth

    def _child(self, depth: int) -> int:
        return min(depth + 1, self.options.max_depth)

    def build(self, schema: Schema, depth: int, offset_optional: bool = False) -> st.SearchStrategy[Any]:
        """The strategy for ``schema`` at object/array nesting ``depth`` (clamped at ``max_depth``).

        ``offset_optional`` is inherited through ``$ref``/``anyOf``/``oneOf``/``allOf`` (not through
        ``properties``/``items``) from a schema carrying ``x-evaljobs-datetime-offset: optional``."""
        if schema is True:
            return _FREE_VALUES
        if schema is False:
            return st.nothing()
        if not isinstance(schema, Mapping):
            raise TypeError(f"a schema must be a mapping or a boolean, got {schema!r}")
        offset_optional = offset_optional or schema.get(DATETIME_OFFSET_KEY) == "optional"

        if "$ref" in schema:
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            if not _has_constraints(rest):
                return self._ref(schema["$ref"], depth, offset_optional)
            return self._build_all_of({"allOf": [{"$ref": schema["$ref"]}, rest]}, depth, offset_optional)
        if "allOf" in schema:
            return self._build_all_of(schema, depth, offset_optional)
        if "anyOf" in schema or "oneOf" in schema:
            return self._build_union(schema, depth, offset_optional)
        if "const" in schema:
            return st.just(schema["const"])
        if "enum" in schema:
            return self._build_enum(schema, depth)

        types = _declared_types(schema)
        if types is None:
            return _FREE_VALUES
        nullable = "null" in types
        others = [t for t in types if t != "null"]
        if nullable and (self._cutoff(depth) or not others):
            return st.none()
        strategies = [self._build_type(t, schema, depth, offset_optional) for t in others]
        if nullable:
            strategies.append(st.none())
        return st.one_of(strategies)

    def _build_all_of(self, schema: Mapping[str, Any], depth: int, offset_optional: bool) -> st.SearchStrategy[Any]:
        parts = self._conjuncts(schema, frozenset())
        merged: dict[str, Any] = {}
        lossy = False
        for part in parts:
            lossy = _merge_into(merged, part) or lossy
        if "enum" in merged and not merged["enum"]:
            raise ValueError(f"allOf: enums do not intersect in {_short(schema)}")
        strategy = self.build(merged, depth, offset_optional)
        return strategy.filter(self._check(schema)) if lossy else strategy

    def _is_null_only(self, schema: Schema) -> bool:
        while isinstance(schema, Mapping) and set(schema) & _CONSTRAINT_KEYWORDS == {"$ref"}:
            schema = self.resolve(schema["$ref"])
        if not isinstance(schema, Mapping):
            return False
        declared = schema.get("type")
        if declared in ("null", ["null"]):
            return True
        return ("const" in schema and schema["const"] is None) or schema.get("enum") == [None]

    def _build_union(self, schema: Mapping[str, Any], depth: int, offset_optional: bool) -> st.SearchStrategy[Any]:
        keyword = "anyOf" if "anyOf" in schema else "oneOf"
        branches: list[Schema] = list(schema[keyword])
        if not branches:
            raise ValueError(f"empty {keyword} in {_short(schema)}")
        if self._cutoff(depth) and any(self._is_null_only(b) for b in branches):
            return st.none()  # the branch {type: "null"} makes the value nullable: prefer null at the cutoff
        rest = {k: v for k, v in schema.items() if k != keyword}
        if _has_constraints(rest):  # sibling keywords apply to every branch
            branches = [{"allOf": [rest, branch]} for branch in branches]
        lenient = self.options.drift
        strategies = []
        for index, branch in enumerate(branches):
            strategy = self.build(branch, depth, offset_optional)
            if keyword == "oneOf" and len(branches) > 1:  # keep values that match no other branch
                others = [b for i, b in enumerate(branches) if i != index]
                strategy = strategy.filter(self._matches_none(others, lenient))
            strategies.append(strategy)
        return st.one_of(strategies)

    def _build_enum(self, schema: Mapping[str, Any], depth: int) -> st.SearchStrategy[Any]:
        rest = {k: v for k, v in schema.items() if k != "enum"}
        values = [v for v in schema["enum"] if self.is_valid(rest, v)]
        if not values:
            raise ValueError(f"no enum value is valid under its own schema: {_short(schema)}")
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

    def _build_type(
        self, type_name: str, schema: Mapping[str, Any], depth: int, offset_optional: bool
    ) -> st.SearchStrategy[Any]:
        if type_name == "object":
            return self._build_object(schema, depth)
        if type_name == "array":
            return self._build_array(schema, depth)
        if type_name == "string":
            return self._build_string(schema, offset_optional)
        if type_name == "integer":
            return self._build_integer(schema)
        if type_name == "number":
            return self._build_number(schema)
        if type_name == "boolean":
            return st.booleans()
        raise ValueError(f"unknown type {type_name!r}")  # pragma: no cover - checked by _declared_types

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

    def _build_array(self, schema: Mapping[str, Any], depth: int) -> st.SearchStrategy[list[Any]]:
        min_items = int(schema.get("minItems", 0))
        max_items = schema.get("maxItems")
        items = schema.get("items", True)
        if items is False:
            if min_items > 0:
                raise ValueError(f"items: false with minItems > 0 in {_short(schema)}")
            return st.just([])
        if self._cutoff(depth):
            high = min_items
        else:
            extra = self.options.extra_items
            high = min_items + extra if max_items is None else min(max_items, min_items + extra)
        elements = self.build(items, self._child(depth))
        unique_by = _canonical if schema.get("uniqueItems") else None
        return st.lists(elements, min_size=min_items, max_size=max(high, min_items), unique_by=unique_by)

    def _build_object(self, schema: Mapping[str, Any], depth: int) -> st.SearchStrategy[dict[str, Any]]:
        properties: Mapping[str, Schema] = schema.get("properties") or {}
        additional: Schema = schema.get("additionalProperties", True)
        required = list(dict.fromkeys(schema.get("required", ())))
        if self.options.sdk_required:
            required += [n for n in schema.get(SDK_REQUIRED_KEY, ()) if n not in required]
        cutoff = self._cutoff(depth)
        child = self._child(depth)
        free_form = not properties and not isinstance(additional, Mapping) and additional is not False

        def value_strategy(name: str) -> st.SearchStrategy[Any]:
            if name in properties:
                return self.build(properties[name], child)
            if additional is False:
                raise ValueError(f"required property {name!r} is not allowed by {_short(schema)}")
            if additional is True:
                return _FREE_MEMBER_VALUES if free_form else _FREE_VALUES
            return self.build(additional, child)

        required_plan = []
        for name in required:
            if properties.get(name) is False:
                raise ValueError(f"required property {name!r} has schema false in {_short(schema)}")
            required_plan.append((name, value_strategy(name)))
        optional_plan = [
            (name, value_strategy(name))
            for name, sub in properties.items()
            if name not in required and sub is not False
        ]

        extra_keys: st.SearchStrategy[str] | None = None
        extra_values: st.SearchStrategy[Any] = st.nothing()
        if isinstance(additional, Mapping):  # a map
            extra_keys = _KEYS.filter(lambda k: k not in properties)
            extra_values = self.build(additional, child)
        elif free_form:
            extra_keys = _KEYS
            extra_values = _FREE_MEMBER_VALUES

        drift_values: st.SearchStrategy[Any] | None = None
        if self.options.drift and properties and additional is not False:
            drift_values = extra_values if isinstance(additional, Mapping) else _FREE_VALUES

        plan = _ObjectPlan(
            required=tuple(required_plan),
            optional=tuple(optional_plan),
            extra_keys=extra_keys,
            extra_values=extra_values,
            max_extra=self.options.extra_items,
            drift_values=drift_values,
            declared=frozenset(properties),
            min_properties=int(schema.get("minProperties", 0)),
            max_properties=schema.get("maxProperties", math.inf),
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

    :param document: the OpenAPI document (or any JSON document) that ``$ref``s point into.
    :param schema: the schema to generate for, e.g. ``{"$ref": "#/components/schemas/EvaluationJob"}``.
    :param drift: also produce undeclared fields (named ``DRIFT_FIELD_PREFIX + ...``) and unlisted string
        enum values (``DRIFT_ENUM_PREFIX + ...``), as a newer server might send.
    :param sdk_required: treat ``x-evaljobs-sdk-required`` names as required.
    :param capture_like: sizes like captured traffic (most optional fields present, text up to
        48 characters, arrays and maps up to 24 extra entries) instead of small values.
    :param max_depth: object/array nesting from which only required properties, ``null`` for nullable
        values and the smallest allowed arrays and maps are generated.
    :raises ValueError: for a ``$ref`` that does not resolve, a non-local ``$ref``, or a schema no value
        satisfies in a way that is visible when building (e.g. disjoint ``allOf`` types).
    """
    if max_depth < 0:
        raise ValueError("max_depth must be >= 0")
    interpreter = _Interpreter(
        document, _Options(drift=drift, sdk_required=sdk_required, max_depth=max_depth, capture_like=capture_like)
    )
    return interpreter.build(schema, 0)


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
    canonical document, tests.conftest.model_document, so that payloads follow the generator's reading).

    :raises KeyError: if the document has no such component.
    """
    schemas = document.get("components", {}).get("schemas", {})
    if name not in schemas:
        raise KeyError(f"no components.schemas entry named {name!r}")
    ref = "#/components/schemas/" + name.replace("~", "~0").replace("/", "~1")
    return from_schema(
        document, {"$ref": ref}, drift=drift, sdk_required=sdk_required, max_depth=max_depth, capture_like=capture_like
    )
