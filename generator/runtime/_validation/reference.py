"""The models' own verdict (pydantic): every error of a decoded payload, for what the walk of ``_walk``
is not sure of, and as the oracle its tests compare it with. Imported only when a payload needs it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from evaljobs._report import Error, Report, pointer_token
from evaljobs._validation import walk as _walk
from evaljobs._validation.targets import Target
from evaljobs._validation.walk import Detail, merge, missing

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


def check(value: Any, target: Target, source: str) -> Report:
    """The report on ``value`` read as ``target``, its errors the models' (drift: the walk's)."""
    return _walk.check(value, target, source, errors_for)


def report(value: Any, targets: Sequence[Target], source: str, *, detect: bool = False) -> Report:
    """``_walk.report`` with the models' errors."""
    return _walk.report(value, targets, source, errors_for, detect=detect)


def valid_for(value: Any, target: Target) -> bool:
    """Whether the model of ``target`` accepts ``value`` (no error messages are built)."""
    try:
        _validator(target.model)(value)
    except (ValidationError, RecursionError):
        return False
    return True


def errors_for(value: Any, target: Target) -> list[Error]:
    try:
        _validator(target.model)(value)
    except ValidationError as failure:
        return errors_of(failure, value)
    except RecursionError:
        return [Error("", "not accepted: nested too deeply")]
    return []


@cache
def _validator(model: Any) -> Callable[[Any], Any]:
    """What validates a value as ``model``: a model class, or another generated type (an enum)."""
    if isinstance(model, type) and issubclass(model, BaseModel):
        return model.model_validate
    return TypeAdapter(model).validate_python


def errors_of(failure: ValidationError, value: Any) -> list[Error]:
    """Every error of ``failure`` with a JSON pointer into ``value``; the alternatives of a union are joined
    into one message ("expected a string or an object; found number 5")."""
    details: list[Detail] = []
    for detail in failure.errors(include_url=False):
        if detail["type"] == "missing_sentinel_error":
            continue  # the "may be absent" branch of an optional field: not an alternative worth naming
        pointer, node = "", value
        location = detail["loc"]
        for index, part in enumerate(location):
            if isinstance(node, dict) and isinstance(part, str) and part in node:
                pointer, node = f"{pointer}/{pointer_token(part)}", node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                pointer, node = f"{pointer}/{part}", node[part]
            elif detail["type"] == "missing" and index == len(location) - 1:
                details.append(missing(pointer, node, str(part)))
                break
            # anything else names a branch of a union (a type), not a place in the payload
        else:
            details.append(_tag_error(pointer, node, detail) or (pointer, node, _phrase(detail), ""))
    return merge(details)


def _tag_error(pointer: str, node: Any, detail: Any) -> Detail | None:
    """A discriminated union's tag, missing or unknown, as an error of the tag's field."""
    context = detail.get("ctx") or {}
    key = str(context.get("discriminator", "")).strip("'")
    if detail["type"] == "union_tag_not_found" and key and isinstance(node, dict):
        return missing(pointer, node, key)
    if detail["type"] == "union_tag_invalid" and key and isinstance(node, dict) and key in node:
        return (f"{pointer}/{pointer_token(key)}", node[key], f"one of {context.get('expected_tags')}", "")
    return None


def _phrase(detail: Any) -> str:
    kind, message = detail["type"], str(detail["msg"])
    if kind in _EXPECTED:
        return _EXPECTED[kind]
    if kind == "enum":
        return message.replace("Input should be ", "one of ")
    if kind in ("literal_error", "greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return message.removeprefix("Input should be ")
    if kind in ("datetime_type", "datetime_format"):
        return message.removeprefix("expected ")
    if kind == "too_long" and "at most 0" in message:
        return "an empty object"
    return message[:1].lower() + message[1:]
