"""The full path: every error (from the generated pydantic models) and every drift (unknown fields,
unlisted enum values) of a decoded payload, with JSON pointers. Imported only when a payload needs it."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from typing import Any

import msgspec
from pydantic import BaseModel, RootModel, ValidationError

from evaljobs._registry import Target, fast_module, routes_module
from evaljobs._report import Drift, Error, Report, describe, pointer_token
from evaljobs._types import OpenEnum
from evaljobs._validate import finalists

_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "bool_type": "a boolean",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "list_type": "an array",
    "none_required": "null",
}


def report(value: Any, targets: Sequence[Target], source: str) -> Report:
    """The report against the target that fits ``value`` best: the one that knows most of its top-level
    keys, then fewest errors, then least drift (an all-optional schema accepts any object, so errors alone
    cannot tell which schema a payload answers). Drift is walked only for the finalists."""
    return report_among(value, finalists(value, targets), source)


def report_among(value: Any, candidates: Sequence[Target], source: str) -> Report:
    """:func:`report` when ``candidates`` are already the finalists of ``value``."""
    if len(candidates) == 1:
        return check(value, candidates[0], source)
    errors = [(errors_for(value, target), target) for target in candidates]
    fewest = min(len(found) for found, _ in errors)
    best: Report | None = None
    for found, target in errors:
        if len(found) != fewest:
            continue
        candidate = Report(source, target.label, errors=found, drift=drift_of(value, target.model, ""))
        if best is None or len(candidate.drift) < len(best.drift):
            best = candidate
    assert best is not None
    return best


def check(value: Any, target: Target, source: str) -> Report:
    return Report(source, target.label, errors_for(value, target), drift_of(value, target.model, ""))


def valid_for(value: Any, target: Target) -> bool:
    """Whether the model of ``target`` accepts ``value`` (no error messages are built)."""
    try:
        target.model.model_validate(value)
    except (ValidationError, RecursionError):
        return False
    return True


def errors_for(value: Any, target: Target) -> list[Error]:
    try:
        target.model.model_validate(value)
    except ValidationError as failure:
        return errors_of(failure, value)
    except RecursionError:
        return [Error("", "not accepted: nested too deeply")]
    return []


def errors_of(failure: ValidationError, value: Any) -> list[Error]:
    """Every error of ``failure`` with a JSON pointer into ``value``; the alternatives of a union are joined
    into one message ("expected a string or an object; found number 5")."""
    found_at: dict[str, Any] = {}
    expected: dict[str, list[str]] = {}
    hints: dict[str, str] = {}
    for detail in failure.errors(include_url=False):
        if detail["type"] == "missing_sentinel_error":
            continue  # the "may be absent" branch of an optional field: not an alternative worth naming
        pointer, node, missing = "", value, None
        location = detail["loc"]
        for index, part in enumerate(location):
            if isinstance(node, dict) and isinstance(part, str) and part in node:
                pointer, node = f"{pointer}/{pointer_token(part)}", node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                pointer, node = f"{pointer}/{part}", node[part]
            elif detail["type"] == "missing" and index == len(location) - 1:
                missing = str(part)
            # anything else names a branch of a union (a type), not a place in the payload
        if missing is not None:
            close = closest(missing, [k for k in node if isinstance(k, str) and k != missing])
            pointer = f"{pointer}/{pointer_token(missing)}"
            found_at.setdefault(pointer, ...)
            if close:
                hints[pointer] = f" (the object has {close!r}: a misspelling?)"
            expected.setdefault(pointer, [])
            continue
        phrase = _phrase(detail)
        found_at.setdefault(pointer, node)
        phrases = expected.setdefault(pointer, [])
        if phrase not in phrases:
            phrases.append(phrase)
    errors = []
    for pointer, phrases in expected.items():
        found = found_at[pointer]
        if found is ...:
            name = pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
            errors.append(Error(pointer, f"missing required field {name!r}{hints.get(pointer, '')}"))
        else:
            errors.append(Error(pointer, f"expected {' or '.join(phrases)}; found {describe(found)}"))
    return errors


def _phrase(detail: Any) -> str:
    kind, message = detail["type"], str(detail["msg"])
    if kind in _EXPECTED:
        return _EXPECTED[kind]
    if kind == "enum":
        return message.replace("Input should be ", "one of ")
    if kind in ("datetime_type", "datetime_format"):
        return message.removeprefix("expected ")
    if kind == "too_long" and "at most 0" in message:
        return "an empty object"
    return message[:1].lower() + message[1:]


# ---------------------------------------------------------------------------------------------------------
# Drift: a walk of the payload guided by the models' annotations, so it works for invalid payloads too.
# Each annotation is turned once into a Shape: what an object, array or string found there is checked as.


class Shape:
    __slots__ = ("enum_values", "enums", "items", "models", "takes_any_string", "trivial", "values")

    def __init__(self, annotation: Any) -> None:
        members = _members(annotation)
        self.models = tuple(m for m in members if isinstance(m, type) and issubclass(m, BaseModel))
        self.enums = tuple(m for m in members if isinstance(m, type) and issubclass(m, OpenEnum))
        self.takes_any_string = str in members
        self.values: Shape | None = None
        self.items: Shape | None = None
        for member in members:
            if typing.get_origin(member) is dict and self.values is None:
                self.values = shape(typing.get_args(member)[1])
            elif typing.get_origin(member) is list and self.items is None:
                self.items = shape(typing.get_args(member)[0])
        # the strings a string found here may be without drift (None: any string)
        self.enum_values: frozenset[str] | None = None
        if self.enums and not self.takes_any_string:
            self.enum_values = frozenset(value for enum in self.enums for value in enum._value2member_map_)
        # nothing below can drift: the walk skips the value
        self.trivial = not (self.models or self.enum_values is not None or self.values or self.items)


_SHAPES: dict[int, tuple[Any, Shape]] = {}


def shape(annotation: Any) -> Shape:
    found = _SHAPES.get(id(annotation))
    if found is None or found[0] is not annotation:
        found = (annotation, Shape(annotation))
        _SHAPES[id(annotation)] = found
    return found[1]


@cache
def _fields(model: type[BaseModel]) -> dict[str, Any]:
    """JSON key -> annotation of each field of ``model``."""
    return {field.alias or name: field.annotation for name, field in model.model_fields.items()}


@cache
def _strict_type(model: type[BaseModel]) -> Any:
    """The fast-path struct of the schema ``model`` was generated from (None if there is none). It accepts
    an object exactly when the object is valid without drift, so the drift walk can skip what it accepts."""
    api = model.__module__.split(".")[1]  # evaljobs.<api>.models
    names = [name for name, cls in routes_module(api).CLASSES.items() if cls == model.__name__]
    strict = fast_module(api).TARGETS.get(names[0]) if len(names) == 1 else None
    return strict if isinstance(strict, type) and issubclass(strict, msgspec.Struct) else None


@cache
def _field_shapes(model: type[BaseModel]) -> dict[str, Shape] | None:
    """JSON key -> Shape of each field of ``model``; None for a RootModel, whose value is walked instead."""
    if issubclass(model, RootModel):
        return None
    return {key: shape(annotation) for key, annotation in _fields(model).items()}


def _members(annotation: Any) -> tuple[Any, ...]:
    """The alternatives of an annotation, Annotated and None/MISSING stripped."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return tuple(m for arg in typing.get_args(annotation) for m in _members(arg))
    if annotation is type(None) or not (isinstance(annotation, type) or origin is not None):
        return ()  # None and the MISSING sentinel
    return (annotation,)


def drift_of(value: Any, annotation: Any, pointer: str) -> list[Drift]:
    """Every drift in ``value`` read as ``annotation`` (a model class or a field's annotation), in document
    order."""
    found: list[Drift] = []
    where = shape(annotation)
    if not where.trivial:
        _walk(value, where, pointer, found)
    return found


def _walk(value: Any, where: Shape, pointer: str, found: list[Drift]) -> None:
    if isinstance(value, dict):
        if where.models:
            model = where.models[0]
            if len(where.models) > 1:
                model = max(where.models, key=lambda m: len(_fields(m).keys() & value.keys()))  # first of the best
            _walk_model(value, model, pointer, found)
        elif where.values is not None and not where.values.trivial:
            for key, child in value.items():
                _walk(child, where.values, f"{pointer}/{pointer_token(key)}", found)
    elif isinstance(value, list):
        items = where.items
        if items is not None and not items.trivial:
            only = items.models[0] if len(items.models) == 1 else None
            if only is not None and _accepted(value, _strict_list(only)):
                return  # an array the fast type accepts whole has no drift (one call for all its items)
            for index, child in enumerate(value):
                if only is not None and type(child) is dict:  # an array of objects: no call per item
                    _walk_model(child, only, f"{pointer}/{index}", found)
                else:
                    _walk(child, items, f"{pointer}/{index}", found)
    elif isinstance(value, str) and where.enum_values is not None and value not in where.enum_values:
        found.append(_unknown_enum_value(value, where, pointer))


def _unknown_enum_value(value: str, where: Shape, pointer: str) -> Drift:
    enum = where.enums[0]
    listed = ", ".join(repr(member.value) for member in enum)
    return Drift(pointer, "unknown_enum_value", f"{value!r} is not a value of {enum.__name__} ({listed})")


def _accepted(value: Any, strict: Any) -> bool:
    if strict is None:
        return False
    try:
        msgspec.convert(value, strict)
    except (msgspec.ValidationError, RecursionError):
        return False
    return True


@cache
def _strict_list(model: type[BaseModel]) -> Any:
    """``list[<the fast type of model>]`` (one object, which msgspec's type cache can recognise), or None."""
    strict = _strict_type(model)
    return None if strict is None else list[strict]  # type: ignore[valid-type]


def _walk_model(value: dict[str, Any], model: type[BaseModel], pointer: str, found: list[Drift]) -> None:
    if pointer and _accepted(value, _strict_type(model)):  # below the root: accepted by the fast type, no drift
        return
    shapes = _field_shapes(model)
    if shapes is None:  # a RootModel: walk its value
        found += drift_of(value, model.model_fields["root"].annotation, pointer)
        return
    for key, child in value.items():
        where = shapes.get(key)
        if where is None:
            close = closest(key, shapes)
            hint = f"; did you mean {close!r}?" if close else ""
            message = f"field {key!r} is not in the spec of {model.__name__}{hint}"
            found.append(Drift(f"{pointer}/{pointer_token(key)}", "unknown_field", message))
        elif where.trivial:
            continue
        elif type(child) is str and where.enum_values is not None:  # the common case, without a call
            if child not in where.enum_values:
                found.append(_unknown_enum_value(child, where, f"{pointer}/{pointer_token(key)}"))
        elif type(child) in (dict, list):
            _walk(child, where, f"{pointer}/{pointer_token(key)}", found)


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name ``name`` is most likely a misspelling of (similarity at least 0.75), or None."""
    return _closest(name, tuple(known))


@lru_cache(maxsize=4096)  # captures repeat their shapes: the same names meet the same fields again
def _closest(name: str, known: tuple[str, ...]) -> str | None:
    nearby = [k for k in known if abs(len(k) - len(name)) <= max(2, len(name) // 4)]
    found = difflib.get_close_matches(name, nearby, n=1, cutoff=0.75) if nearby else []
    return found[0] if found else None
