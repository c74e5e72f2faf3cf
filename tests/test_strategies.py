"""Tests of the schema-driven hypothesis strategies in ``tests/strategies.py``.

Generated values are checked with ``jsonschema`` (an independent implementation of JSON Schema 2020-12), so
a wrong interpretation in ``strategies.py`` fails here. Date-times are checked with a strict RFC 3339 check of
our own (and with jsonschema's built-in one when ``rfc3339-validator`` is installed); naive timestamps are only
accepted where the schema says ``x-evaljobs-datetime-offset: optional``.
"""

from __future__ import annotations

import copy
import functools
import os
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample
from jsonschema import Draft202012Validator, FormatChecker

from tests.strategies import DRIFT_ENUM_PREFIX, DRIFT_FIELD_PREFIX, for_component, from_schema

SCHEMAS_DIR = Path(__file__).resolve().parent.parent / "schemas"
REAL_SPECS = ("nemo_evaluator.openapi.yaml", "gradient.openapi.yaml")

CHECK = settings(max_examples=40, deadline=None, database=None)
FIND = settings(max_examples=1000, deadline=None, database=None, phases=[Phase.generate])

SPEC: dict[str, Any] = yaml.safe_load(
    r"""
openapi: 3.1.0
info: {title: strategies test spec, version: "1"}
paths: {}
components:
  schemas:
    Color:
      description: a named enum, referenced by $ref
      type: string
      enum: [RED, GREEN, BLUE]
    Scalars:
      type: object
      required: [s_len, s_pat, i_bounds, i_excl, n_bounds, n_excl, n_free, i64, i32, u64s, i64s, flag, nothing,
                 multi, fixed, color, maybe_color, uid, day, numbers]
      properties:
        s_len: {type: string, minLength: 2, maxLength: 5, description: ignored}
        s_pat: {type: string, pattern: "^[a-z]{2}-[0-9]{3}$", example: ab-123}
        i_bounds: {type: integer, minimum: -3, maximum: 7}
        i_excl: {type: integer, exclusiveMinimum: 0, exclusiveMaximum: 5}
        n_bounds: {type: number, minimum: 0.5, maximum: 2.5}
        n_excl: {type: number, exclusiveMinimum: 0, exclusiveMaximum: 1}
        n_free: {type: number, format: double, default: 1.5}
        i64: {type: integer, format: int64}
        i32: {type: integer, format: int32}
        u64s: {type: string, format: uint64}
        i64s: {type: string, format: int64}
        flag: {type: boolean}
        nothing: {type: "null"}
        multi: {type: [string, integer, "null"], maxLength: 3}
        fixed: {const: fixed-value}
        color: {$ref: "#/components/schemas/Color"}
        maybe_color:
          anyOf: [{$ref: "#/components/schemas/Color"}, {type: "null"}]
        uid: {type: string, format: uuid}
        day: {type: string, format: date}
        numbers: {type: array, items: {type: integer, multipleOf: 5}, maxItems: 4, x-unknown: whatever}
    Optional:
      type: object
      properties:
        a: {type: string}
        b: {type: [string, "null"]}
        c: {type: [object, "null"], properties: {d: {type: integer}}}
    Labels:
      description: a map
      type: object
      additionalProperties: {type: integer, minimum: 0}
      maxProperties: 3
    MapWithProps:
      type: object
      properties:
        known: {type: boolean}
      additionalProperties: {type: string, maxLength: 4}
    Closed:
      type: object
      additionalProperties: false
      properties:
        x: {type: integer}
        y: {type: string}
      minProperties: 1
    Open:
      type: object
      properties:
        x: {type: integer}
        y: {type: string}
    FreeForm:
      type: object
      additionalProperties: true
    AnyValue:
      description: no type at all
    Bounded:
      type: object
      properties:
        a: {type: string}
        b: {type: string}
        c: {type: string}
        d: {type: string}
        e: {type: string}
      minProperties: 2
      maxProperties: 3
    Lists:
      type: object
      required: [ints, uniq, empty_ok, tags]
      properties:
        ints: {type: array, items: {type: integer}, minItems: 1, maxItems: 4}
        uniq: {type: array, items: {type: boolean}, uniqueItems: true}
        empty_ok: {type: [array, "null"], items: {$ref: "#/components/schemas/Color"}}
        tags: {type: array, items: {type: string, minLength: 1}, minItems: 2}
    AnyOfScalar:
      anyOf: [{type: string, maxLength: 2}, {type: integer, minimum: 100}]
    OneOfOverlap:
      description: the branches overlap on 0..10; only values outside it match exactly one branch
      oneOf:
        - {type: integer, minimum: 0}
        - {type: integer, maximum: 10}
    Cat:
      type: object
      required: [kind, meows]
      properties:
        kind: {const: cat}
        meows: {type: boolean}
    Dog:
      type: object
      required: [kind]
      properties:
        kind: {type: string, enum: [dog]}
        barks: {type: integer}
    Pet:
      oneOf:
        - {$ref: "#/components/schemas/Cat"}
        - {$ref: "#/components/schemas/Dog"}
        - {type: "null"}
    Base:
      type: object
      required: [id]
      properties:
        id: {type: string, minLength: 1}
        name: {type: string}
      x-evaljobs-sdk-required: [name]
    Derived:
      allOf:
        - {$ref: "#/components/schemas/Base"}
        - type: object
          required: [count]
          properties:
            count: {type: integer, minimum: 1}
            id: {maxLength: 3}
    SiblingRef:
      description: $ref with constraining siblings (allowed in 2020-12)
      $ref: "#/components/schemas/Base"
      required: [name]
    Tree:
      type: object
      required: [name]
      properties:
        name: {type: string}
        children: {type: array, items: {$ref: "#/components/schemas/Tree"}}
        parent:
          anyOf: [{$ref: "#/components/schemas/Tree"}, {type: "null"}]
        meta: {type: object, additionalProperties: true}
    Chain:
      description: recursion through a required but nullable property
      type: object
      required: [next, value]
      properties:
        value: {type: integer}
        next:
          anyOf: [{$ref: "#/components/schemas/Chain"}, {type: "null"}]
    Times:
      type: object
      required: [strict, naive_ok, maybe, wrapped]
      properties:
        strict: {type: string, format: date-time}
        naive_ok: {type: string, format: date-time, x-evaljobs-datetime-offset: optional}
        maybe: {type: [string, "null"], format: date-time}
        wrapped:
          anyOf: [{type: string, format: date-time}, {type: "null"}]
          x-evaljobs-datetime-offset: optional
    SdkRequired:
      type: object
      required: [a]
      properties:
        a: {type: string}
        b: {type: integer}
        c: {type: integer}
      x-evaljobs-sdk-required: [b]
    Job:
      type: object
      required: [id, status]
      properties:
        id: {type: string}
        status: {$ref: "#/components/schemas/Color"}
        inner:
          type: object
          properties:
            color: {$ref: "#/components/schemas/Color"}
        closed: {$ref: "#/components/schemas/Closed"}
        labels: {$ref: "#/components/schemas/Labels"}
"""
)
COMPONENTS = sorted(SPEC["components"]["schemas"])


@functools.cache
def spec_strategy(
    name: str, drift: bool = False, sdk_required: bool = False, max_depth: int = 4
) -> st.SearchStrategy[Any]:
    """``for_component(SPEC, name, ...)``, built once per session (for use inside ``st.data()`` tests)."""
    return for_component(SPEC, name, drift=drift, sdk_required=sdk_required, max_depth=max_depth)


# --------------------------------------------------------------------------------------------------------
# Independent checks

_RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII)
_NAIVE = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?", re.ASCII)
_BUILTIN_FORMATS = FormatChecker()
_NAIVE_FORMAT = "evaljobs-date-time-offset-optional"


def _parses(text: str) -> bool:
    """Calendar and clock validity (no leap second), year 1970-2100, via datetime.fromisoformat."""
    normalized = text.upper().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(normalized)
    except ValueError:
        return False
    return 1970 <= parsed.year <= 2100


def is_rfc3339(text: object) -> bool:
    if not isinstance(text, str):
        return True
    if not (_RFC3339.fullmatch(text) and _parses(text)):
        return False
    # jsonschema's own check (needs rfc3339-validator; without it, "date-time" is not a known format)
    return "date-time" not in _BUILTIN_FORMATS.checkers or _BUILTIN_FORMATS.conforms(text, "date-time")


def is_naive(text: object) -> bool:
    return isinstance(text, str) and _NAIVE.fullmatch(text) is not None and _parses(text)


def _is_date(text: object) -> bool:
    if not isinstance(text, str):
        return True
    try:
        return re.fullmatch(r"\d{4}-\d{2}-\d{2}", text, re.ASCII) is not None and bool(date.fromisoformat(text))
    except ValueError:
        return False


def _is_uuid(text: object) -> bool:
    if not isinstance(text, str):
        return True
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


FORMATS = FormatChecker(formats=())
FORMATS.checks("date-time")(is_rfc3339)
FORMATS.checks(_NAIVE_FORMAT)(lambda text: is_rfc3339(text) or is_naive(text))
FORMATS.checks("date")(_is_date)
FORMATS.checks("uuid")(_is_uuid)


def _rewrite(node: Any, offset_optional: bool = False, widen_enums: bool = False) -> Any:
    """A copy of a spec for validation: ``format: date-time`` under ``x-evaljobs-datetime-offset: optional``
    (inherited through anyOf/oneOf/allOf) becomes a format that also accepts naive timestamps; with
    ``widen_enums``, string enums also accept the drift values DRIFT_[A-Z0-9_]+."""
    if isinstance(node, list):
        return [_rewrite(item, offset_optional, widen_enums) for item in node]
    if not isinstance(node, dict):
        return node
    offset_optional = offset_optional or node.get("x-evaljobs-datetime-offset") == "optional"
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("anyOf", "oneOf", "allOf"):
            out[key] = _rewrite(value, offset_optional, widen_enums)
        elif key in ("enum", "const", "examples", "example", "default"):
            out[key] = copy.deepcopy(value)
        else:
            out[key] = _rewrite(value, False, widen_enums)
    if offset_optional and out.get("format") == "date-time":
        out["format"] = _NAIVE_FORMAT
    if widen_enums and isinstance(out.get("enum"), list) and any(isinstance(v, str) for v in out["enum"]):
        values = out.pop("enum")
        drift = {"type": "string", "pattern": "^" + re.escape(DRIFT_ENUM_PREFIX) + "[A-Z0-9_]+$"}
        out["allOf"] = [*out.get("allOf", []), {"anyOf": [{"enum": values}, drift]}]
    return out


def validator(document: Mapping[str, Any], schema: Mapping[str, Any], *, drift: bool = False) -> Draft202012Validator:
    """A jsonschema validator for ``schema`` whose ``#/components/...`` refs resolve in ``document``."""
    components = _rewrite(dict(document.get("components", {})), widen_enums=drift)
    root = {**_rewrite(dict(schema), widen_enums=drift), "components": components}
    Draft202012Validator.check_schema(root)
    return Draft202012Validator(root, format_checker=FORMATS)


_VALIDATORS: dict[tuple[int, str, bool], Draft202012Validator] = {}


def component_validator(document: Mapping[str, Any], name: str, *, drift: bool = False) -> Draft202012Validator:
    key = (id(document), name, drift)  # the documents here live as long as the test session
    if key not in _VALIDATORS:
        _VALIDATORS[key] = validator(document, {"$ref": "#/components/schemas/" + name}, drift=drift)
    return _VALIDATORS[key]


def assert_valid(v: Draft202012Validator, value: Any) -> None:
    errors = sorted(v.iter_errors(value), key=lambda e: list(e.absolute_path))
    assert not errors, f"{value!r}:\n" + "\n".join(f"  at {list(e.absolute_path)}: {e.message}" for e in errors)


def walk(value: Any) -> Iterator[Any]:
    """Every JSON value inside ``value``, ``value`` included; dict keys are yielded as strings too."""
    yield value
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def nesting(value: Any) -> int:
    """Container nesting: 0 for a scalar, 1 for a flat list/dict, ..."""
    if isinstance(value, dict):
        return 1 + max((nesting(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((nesting(v) for v in value), default=0)
    return 0


def exists(strategy: st.SearchStrategy[Any], condition: Callable[[Any], bool]) -> bool:
    try:
        find(strategy, condition, settings=FIND)
    except NoSuchExample:
        return False
    return True


def has_drift(value: Any) -> bool:
    return any(
        isinstance(v, str) and (v.startswith(DRIFT_FIELD_PREFIX) or v.startswith(DRIFT_ENUM_PREFIX))
        for v in walk(value)
    )


# --------------------------------------------------------------------------------------------------------
# Every test component: valid, and nothing drift-like without drift


@pytest.mark.parametrize("name", COMPONENTS)
@settings(CHECK, max_examples=30)
@given(data=st.data())
def test_component_values_are_valid(name: str, data: st.DataObject) -> None:
    value = data.draw(spec_strategy(name), label=name)
    assert_valid(component_validator(SPEC, name), value)
    assert not has_drift(value)


@pytest.mark.parametrize("name", COMPONENTS)
@settings(CHECK, max_examples=15)
@given(data=st.data())
def test_sdk_required_values_are_valid(name: str, data: st.DataObject) -> None:
    value = data.draw(spec_strategy(name, sdk_required=True, max_depth=2), label=name)
    assert_valid(component_validator(SPEC, name), value)


@pytest.mark.parametrize("name", COMPONENTS)
@settings(CHECK, max_examples=15)
@given(data=st.data())
def test_drift_values_are_valid_up_to_drift(name: str, data: st.DataObject) -> None:
    """Drift keys are allowed by open objects; drift enum values are the only other difference."""
    value = data.draw(spec_strategy(name, drift=True), label=name)
    assert_valid(component_validator(SPEC, name, drift=True), value)


def test_validator_rejects_what_it_should() -> None:
    """The checks above can fail: wrong values are rejected."""
    assert not component_validator(SPEC, "Times").is_valid(
        {"strict": "2025-09-08T19:20:32.655254", "naive_ok": None, "maybe": None, "wrapped": None}
    )
    assert component_validator(SPEC, "Times").is_valid(
        {"strict": "2025-09-08t19:20:32z", "naive_ok": "2025-09-08T19:20:32.655254", "maybe": None, "wrapped": None}
    )
    assert not component_validator(SPEC, "Times").is_valid(
        {"strict": "2025-02-30T19:20:32Z", "naive_ok": "2025-09-08T19:20:32Z", "maybe": None, "wrapped": None}
    )
    assert not component_validator(SPEC, "Job").is_valid({"id": "x", "status": "PURPLE"})
    assert component_validator(SPEC, "Job", drift=True).is_valid({"id": "x", "status": "DRIFT_PURPLE"})
    assert not component_validator(SPEC, "OneOfOverlap").is_valid(5)
    assert not component_validator(SPEC, "Derived").is_valid({"id": "abcd", "count": 1})


# --------------------------------------------------------------------------------------------------------
# Keyword by keyword


@CHECK
@given(for_component(SPEC, "Scalars"))
def test_scalar_keywords(value: dict[str, Any]) -> None:
    assert 2 <= len(value["s_len"]) <= 5
    assert re.fullmatch(r"[a-z]{2}-[0-9]{3}", value["s_pat"])
    assert -3 <= value["i_bounds"] <= 7 and type(value["i_bounds"]) is int
    assert 0 < value["i_excl"] < 5
    assert 0.5 <= value["n_bounds"] <= 2.5 and type(value["n_bounds"]) in (int, float)
    assert 0 < value["n_excl"] < 1
    assert -(2**63) <= value["i64"] < 2**63 and -(2**31) <= value["i32"] < 2**31
    assert value["u64s"].isascii() and value["u64s"].isdigit() and int(value["u64s"]) < 2**64
    assert re.fullmatch(r"-?[0-9]+", value["i64s"]) and -(2**63) <= int(value["i64s"]) < 2**63
    assert value["nothing"] is None and value["fixed"] == "fixed-value"
    assert value["color"] in ("RED", "GREEN", "BLUE")
    assert value["maybe_color"] in ("RED", "GREEN", "BLUE", None)
    assert all(n % 5 == 0 for n in value["numbers"])


def test_scalar_variety() -> None:
    scalars = for_component(SPEC, "Scalars")
    assert exists(scalars, lambda v: v["maybe_color"] is None)
    assert exists(scalars, lambda v: v["maybe_color"] is not None)
    for kind in (str, int, type(None)):
        assert exists(scalars, functools.partial(lambda k, v: type(v["multi"]) is k, kind))
    assert exists(scalars, lambda v: float(v["n_free"]).is_integer())
    assert exists(scalars, lambda v: type(v["n_free"]) is int), "JSON numbers written as integers occur"
    assert exists(scalars, lambda v: type(v["n_free"]) is float and v["n_free"].is_integer()), "and as 1.0"
    assert exists(scalars, lambda v: not float(v["n_free"]).is_integer())
    assert exists(scalars, lambda v: not v["s_len"].isascii())
    assert exists(scalars, lambda v: v["s_len"].isascii())


def test_optional_properties_vary_independently() -> None:
    optional = for_component(SPEC, "Optional")
    assert exists(optional, lambda v: v == {})
    assert exists(optional, lambda v: set(v) == {"a", "b", "c"})
    assert exists(optional, lambda v: "a" in v and "b" not in v)
    assert exists(optional, lambda v: "b" in v and "a" not in v)
    assert exists(optional, lambda v: v.get("b", "") is None)
    assert exists(optional, lambda v: isinstance(v.get("b"), str))
    assert exists(optional, lambda v: isinstance(v.get("c"), dict) and "d" in v["c"])


@CHECK
@given(for_component(SPEC, "Open"), for_component(SPEC, "Closed", drift=True))
def test_no_undeclared_keys_without_drift(open_value: dict[str, Any], closed_value: dict[str, Any]) -> None:
    assert set(open_value) <= {"x", "y"}
    assert set(closed_value) <= {"x", "y"} and closed_value


def test_maps() -> None:
    labels = for_component(SPEC, "Labels")
    assert exists(labels, lambda v: v == {})
    assert exists(labels, lambda v: len(v) == 3)
    mixed = for_component(SPEC, "MapWithProps")
    assert exists(mixed, lambda v: "known" in v and len(v) > 1)


@CHECK
@given(for_component(SPEC, "FreeForm"), for_component(SPEC, "AnyValue"))
def test_free_form(free: Any, anything: Any) -> None:
    assert isinstance(free, dict) and nesting(free) <= 2
    assert nesting(anything) <= 2


def test_free_form_variety() -> None:
    free = for_component(SPEC, "FreeForm")
    assert exists(free, lambda v: nesting(v) == 2)
    for kind in (str, int, float, bool, type(None), list, dict):
        assert exists(free, functools.partial(lambda k, v: any(type(x) is k for x in v.values()), kind))


def test_object_size_bounds() -> None:
    bounded = for_component(SPEC, "Bounded")
    assert exists(bounded, lambda v: len(v) == 2)
    assert exists(bounded, lambda v: len(v) == 3)


def test_arrays() -> None:
    lists = for_component(SPEC, "Lists")
    assert exists(lists, lambda v: len(v["ints"]) == 4)
    assert exists(lists, lambda v: v["empty_ok"] is None)
    assert exists(lists, lambda v: v["empty_ok"] == [])
    assert exists(lists, lambda v: len(v["uniq"]) == 2)


def test_unions() -> None:
    assert exists(for_component(SPEC, "AnyOfScalar"), lambda v: isinstance(v, str))
    assert exists(for_component(SPEC, "AnyOfScalar"), lambda v: isinstance(v, int))
    assert exists(for_component(SPEC, "OneOfOverlap"), lambda v: v < 0)
    assert exists(for_component(SPEC, "OneOfOverlap"), lambda v: v > 10)
    pets = for_component(SPEC, "Pet")
    assert exists(pets, lambda v: v is None)
    assert exists(pets, lambda v: v is not None and v["kind"] == "cat")
    assert exists(pets, lambda v: v is not None and v["kind"] == "dog" and "barks" in v)


@CHECK
@given(for_component(SPEC, "Derived"), for_component(SPEC, "SiblingRef"))
def test_all_of_and_ref_siblings(derived: dict[str, Any], sibling: dict[str, Any]) -> None:
    assert {"id", "count"} <= set(derived) and 1 <= len(derived["id"]) <= 3 and derived["count"] >= 1
    assert {"id", "name"} <= set(sibling)


def test_inline_schema_and_errors() -> None:
    inline = {"type": "array", "items": {"$ref": "#/components/schemas/Color"}, "minItems": 1}
    value = find(from_schema(SPEC, inline), lambda v: len(v) > 1, settings=FIND)
    assert_valid(validator(SPEC, inline), value)
    with pytest.raises(KeyError):
        for_component(SPEC, "NoSuchThing")
    with pytest.raises(ValueError):
        from_schema(SPEC, {"$ref": "#/components/schemas/NoSuchThing"})
    with pytest.raises(ValueError):
        from_schema(SPEC, {"$ref": "other.yaml#/components/schemas/Color"})


# --------------------------------------------------------------------------------------------------------
# Depth control and recursion


@pytest.mark.parametrize("max_depth", [0, 1, 2, 4])
@CHECK
@given(data=st.data())
def test_max_depth_bounds_recursion(max_depth: int, data: st.DataObject) -> None:
    tree = data.draw(spec_strategy("Tree", max_depth=max_depth))
    chain = data.draw(spec_strategy("Chain", max_depth=max_depth))
    # containers at depth >= max_depth only hold required properties, so nothing nests deeper
    assert nesting(tree) <= max_depth + 1
    assert nesting(chain) <= max_depth + 1
    if max_depth == 0:
        assert set(tree) == {"name"} and chain["next"] is None


def test_recursion_reaches_max_depth() -> None:
    assert exists(for_component(SPEC, "Tree", max_depth=4), lambda v: nesting(v) >= 4)
    assert exists(for_component(SPEC, "Chain", max_depth=4), lambda v: nesting(v) == 4)


# --------------------------------------------------------------------------------------------------------
# Date-times


@CHECK
@given(for_component(SPEC, "Times"))
def test_date_times_are_rfc3339_unless_offset_optional(value: dict[str, Any]) -> None:
    assert is_rfc3339(value["strict"]) and not is_naive(value["strict"])
    assert value["maybe"] is None or is_rfc3339(value["maybe"])
    assert is_rfc3339(value["naive_ok"]) or is_naive(value["naive_ok"])
    assert value["wrapped"] is None or is_rfc3339(value["wrapped"]) or is_naive(value["wrapped"])


def test_date_time_variety() -> None:
    times = for_component(SPEC, "Times")
    assert exists(times, lambda v: is_naive(v["naive_ok"]))
    assert exists(times, lambda v: is_naive(v["wrapped"]))
    assert exists(times, lambda v: is_rfc3339(v["naive_ok"]))
    for offset in ("Z", "z", "+00:00", "+05:30", "-08:00"):
        assert exists(times, functools.partial(lambda o, v: v["strict"].endswith(o), offset))
    for digits in (0, 3, 6, 9):
        pattern = r".{19}" + (rf"\.\d{{{digits}}}" if digits else "") + r"([Zz]|[+-].*)"
        assert exists(times, functools.partial(lambda p, v: re.fullmatch(p, v["strict"]) is not None, pattern))
    assert exists(times, lambda v: v["strict"][10] == "t")
    assert exists(times, lambda v: v["strict"][10] == "T")
    assert exists(times, lambda v: v["strict"].startswith("1970") or v["strict"].startswith("2100"))


# --------------------------------------------------------------------------------------------------------
# Drift and x-evaljobs-sdk-required


def test_drift_produces_unknown_fields_and_enum_values() -> None:
    jobs = for_component(SPEC, "Job", drift=True)
    field = re.compile(re.escape(DRIFT_FIELD_PREFIX) + r"[a-z0-9]+")
    enum = re.compile(re.escape(DRIFT_ENUM_PREFIX) + r"[A-Z0-9_]+")
    assert exists(jobs, lambda v: any(field.fullmatch(k) for k in v))
    assert exists(jobs, lambda v: enum.fullmatch(v["status"]) is not None)
    assert exists(jobs, lambda v: isinstance(v.get("inner"), dict) and any(field.fullmatch(k) for k in v["inner"]))
    assert exists(
        jobs, lambda v: isinstance(v.get("inner"), dict) and enum.fullmatch(v["inner"].get("color", "")) is not None
    )
    assert exists(jobs, lambda v: not has_drift(v))


@CHECK
@given(for_component(SPEC, "Job", drift=True))
def test_drift_spares_closed_objects_and_maps(job: dict[str, Any]) -> None:
    closed_and_map_keys = [*job.get("closed", {}), *job.get("labels", {})]
    assert not any(key.startswith(DRIFT_FIELD_PREFIX) for key in closed_and_map_keys)
    assert all(
        key in ("id", "status", "inner", "closed", "labels") or key.startswith(DRIFT_FIELD_PREFIX) for key in job
    )


@CHECK
@given(for_component(SPEC, "Job"), for_component(SPEC, "Scalars"))
def test_no_drift_by_default(job: dict[str, Any], scalars: dict[str, Any]) -> None:
    assert not has_drift(job) and not has_drift(scalars)
    assert set(job) <= {"id", "status", "inner", "closed", "labels"}


@CHECK
@given(for_component(SPEC, "SdkRequired", sdk_required=True), for_component(SPEC, "Derived", sdk_required=True))
def test_sdk_required_fields_are_always_present(value: dict[str, Any], derived: dict[str, Any]) -> None:
    assert "a" in value and "b" in value
    assert "name" in derived  # x-evaljobs-sdk-required of an allOf member


def test_sdk_required_is_off_by_default() -> None:
    assert exists(for_component(SPEC, "SdkRequired"), lambda v: "b" not in v)
    assert exists(for_component(SPEC, "SdkRequired", sdk_required=True), lambda v: "c" not in v)


# --------------------------------------------------------------------------------------------------------
# The project's specs


def _real_components() -> list[Any]:
    params = []
    for filename in REAL_SPECS:
        document = _document(filename)
        for name in sorted(document.get("components", {}).get("schemas", {})):
            params.append(pytest.param(filename, name, id=f"{filename.split('.')[0]}:{name}"))
    return params


@functools.cache
def _document(filename: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((SCHEMAS_DIR / filename).read_text(encoding="utf-8"))
    return document


@functools.cache
def _real_strategy(filename: str, name: str, drift: bool) -> st.SearchStrategy[Any]:
    return for_component(_document(filename), name, drift=drift, sdk_required=drift)


# A few examples per component keep the default run fast; set EVALJOBS_SPEC_EXAMPLES=50 for a thorough run.
SPEC_EXAMPLES = int(os.environ.get("EVALJOBS_SPEC_EXAMPLES", "3"))


@pytest.mark.parametrize(("filename", "name"), _real_components())
@settings(CHECK, max_examples=SPEC_EXAMPLES, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_real_spec_components(filename: str, name: str, data: st.DataObject) -> None:
    """Every component of the real specs: strict values validate; drift + sdk_required values validate up to
    drift enum values."""
    document = _document(filename)
    value = data.draw(_real_strategy(filename, name, False), label=name)
    assert_valid(component_validator(document, name), value)
    drifted = data.draw(_real_strategy(filename, name, True), label=f"{name} (drift, sdk_required)")
    assert_valid(component_validator(document, name, drift=True), drifted)
