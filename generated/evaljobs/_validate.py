"""Validate one captured payload against the generated models: errors and drift, with JSON pointers.

``validate(payload, endpoint=..., schema=...)`` is the Python API behind ``evaljobs validate``.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Sequence
from typing import Any

from pydantic import BaseModel, RootModel, ValidationError

from evaljobs import _registry
from evaljobs._report import Drift, Error, Report, describe, pointer_token
from evaljobs._types import OpenEnum

__all__ = ["PayloadError", "decode", "validate"]


class PayloadError(ValueError):
    """The bytes are not a JSON text (a finding about the payload, not a usage error)."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise PayloadError(f"duplicate key {key!r} in one object")
        result[key] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise PayloadError(f"{name} is not a JSON number")


def decode(data: bytes | str) -> Any:
    """Parse a JSON text strictly: UTF-8 without BOM, no NaN/Infinity, no duplicate keys."""
    if isinstance(data, bytes):
        if data.startswith(b"\xef\xbb\xbf"):
            raise PayloadError("starts with a UTF-8 byte order mark, which a JSON text must not have")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise PayloadError(f"not UTF-8: invalid byte at offset {error.start}") from None
    else:
        text = data
    if not text.strip():
        raise PayloadError("empty: no JSON value")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise PayloadError(f"not JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    except RecursionError:
        raise PayloadError("not accepted: nested too deeply") from None
    except ValueError as error:  # e.g. an integer beyond Python's digit limit
        if isinstance(error, PayloadError):
            raise
        raise PayloadError(f"not accepted: {error}") from None


def validate(
    payload: bytes | str | Any,
    *,
    endpoint: str | None = None,
    schema: str | None = None,
    source: str = "<payload>",
) -> Report:
    """Validate ``payload`` (JSON bytes or text, or an already parsed value).

    ``schema`` names a model (``"nemo_evaluator.EvaluationJob"``); ``endpoint`` names an operation
    (``"GET /v1/evaluation/jobs/{job_id}"`` or a concrete path). Without either, the best-matching response
    model of every spec is chosen and named in the report. Raises LookupError for an unknown schema or endpoint.
    """
    if schema is not None:
        targets = [_registry.schema(schema)]
    elif endpoint is not None:
        targets = _registry.endpoint(endpoint)
    else:
        targets = list(_registry.response_targets())
    if isinstance(payload, bytes | str):
        try:
            payload = decode(payload)
        except PayloadError as error:
            only = targets[0].label if len(targets) == 1 else None
            return Report(source, only, errors=[Error("", str(error))])
    return best_report(payload, targets, source)


def best_report(value: Any, targets: Sequence[_registry.Target], source: str) -> Report:
    """The report of the target that fits ``value`` best: the one that knows most of its top-level keys, then
    the one with fewest errors, then least drift (an all-optional model accepts any object, so errors alone
    cannot tell which schema a payload answers)."""
    best: tuple[tuple[int, int, int], Report] | None = None
    for target in targets:
        report = _check(value, target, source)
        known = _known_keys(value, target.model)
        key = (-known, len(report.errors), len(report.drift))
        if best is None or key < best[0]:
            best = (key, report)
    assert best is not None, "validate() always has at least one target"
    return best[1]


def _known_keys(value: Any, model: type[BaseModel]) -> int:
    if not isinstance(value, dict):
        return 0
    aliases = {field.alias or name for name, field in model.model_fields.items()}
    return len(aliases & value.keys())


def _check(value: Any, target: _registry.Target, source: str) -> Report:
    report = Report(source, target.label)
    try:
        instance = target.model.model_validate(value)
    except ValidationError as failure:
        report.errors = errors_of(failure, value)
    except RecursionError:
        report.errors = [Error("", "not accepted: nested too deeply")]
    else:
        report.drift = list(drift_of(instance, ""))
    return report


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


def errors_of(failure: ValidationError, value: Any) -> list[Error]:
    """Every error of ``failure`` with a JSON pointer into ``value``; the alternatives of a union are joined
    into one message ("expected a string or an object, found number 5")."""
    found_at: dict[str, Any] = {}
    expected: dict[str, list[str]] = {}
    for detail in failure.errors(include_url=False):
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
        if detail["type"] == "missing_sentinel_error":
            continue  # the "may be absent" branch of an optional field: not an alternative worth naming
        if missing is not None:
            pointer = f"{pointer}/{pointer_token(missing)}"
            phrase = f"a required field {missing!r}, found nothing"
        elif detail["type"] in _EXPECTED:
            phrase = _EXPECTED[detail["type"]]
        elif detail["type"] == "enum":
            phrase = detail["msg"].replace("Input should be ", "one of ")
        elif detail["type"] in ("datetime_type", "datetime_format"):
            phrase = detail["msg"].removeprefix("expected ")
        else:
            phrase = detail["msg"][0].lower() + detail["msg"][1:]
        found_at.setdefault(pointer, node if missing is None else ...)
        phrases = expected.setdefault(pointer, [])
        if phrase not in phrases:
            phrases.append(phrase)
    errors = []
    for pointer, phrases in expected.items():
        found = found_at[pointer]
        if found is ...:
            errors.append(Error(pointer, f"missing required field {pointer.rsplit('/', 1)[-1]!r}"))
        else:
            errors.append(Error(pointer, f"expected {' or '.join(phrases)}; found {describe(found)}"))
    return errors


def drift_of(value: Any, pointer: str) -> Iterator[Drift]:
    """Unknown fields and unlisted enum values anywhere inside a validated model instance."""
    if isinstance(value, RootModel):
        yield from drift_of(value.root, pointer)
    elif isinstance(value, BaseModel):
        fields = type(value).model_fields
        known = [field.alias or name for name, field in fields.items()]
        for key in value.__pydantic_extra__ or {}:
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            yield Drift(
                f"{pointer}/{pointer_token(key)}",
                "unknown_field",
                f"field {key!r} is not in the spec of {type(value).__name__}{hint}",
            )
        for name, field in fields.items():
            yield from drift_of(getattr(value, name), f"{pointer}/{pointer_token(field.alias or name)}")
    elif isinstance(value, OpenEnum):
        if not value.is_known:
            listed = ", ".join(repr(member.value) for member in type(value))
            yield Drift(
                pointer, "unknown_enum_value", f"{value.value!r} is not a value of {type(value).__name__} ({listed})"
            )
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from drift_of(item, f"{pointer}/{index}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from drift_of(item, f"{pointer}/{pointer_token(key)}")
