"""Strict JSON decoding for the full path: what a payload's bytes must be before its schema is checked.

UTF-8 without byte order mark; no NaN/Infinity; no lone surrogates; no duplicate keys; numbers a double or a
64-bit integer can hold; nesting up to 1,024 levels. Anything else is a finding about the payload
(PayloadError), with a message a person can act on.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import orjson

from evaljobs._validation.duplicates import duplicate_key, without_duplicates
from evaljobs._validation.targets import native_scanner


class PayloadError(ValueError):
    """The bytes are not an acceptable JSON text (a finding about the payload, not a usage error), at
    ``pointer`` (the JSON pointer of the object holding a duplicate key; empty for the whole text)."""

    pointer = ""  # (set on the instance for a duplicate key: without an __init__, the others are raised faster)


def _duplicate(key: str, pointer: str) -> PayloadError:
    error = PayloadError(f"duplicate key {key!r} in one object")
    error.pointer = pointer
    return error


JSON_WHITESPACE = b" \t\r\n"
"""The only bytes JSON allows around a value (RFC 8259): ``bytes.strip()`` would also take \\v and \\f."""


def decode(data: bytes) -> Any:
    if not data.strip(JSON_WHITESPACE):
        raise PayloadError("empty: no JSON value")
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise PayloadError(_decode_error(data, error)) from None
    strict = _strict_json()
    if strict is not None and strict(0, data) is True:  # no duplicate key (nor anything else refused)
        return value
    # a None verdict may be a false alarm (an escaped colon): the key search decides
    if without_duplicates(data, value, orjson.dumps) is not True:
        _find_duplicate(data)  # raises when there is one
    return value


@cache
def _strict_json() -> Callable[[int, bytes], bool | None] | None:
    """The native scanner's check of any JSON value (True: strict JSON without duplicate keys), if built."""
    scan = native_scanner()
    return None if scan is None else scan.Program((("any",),)).accepts


def _decode_error(data: bytes, error: orjson.JSONDecodeError) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return "starts with a UTF-8 byte order mark, which a JSON text must not have"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as bad:
        return f"not UTF-8: invalid byte at offset {bad.start}"
    message = str(error.msg)
    near = text[error.pos : error.pos + 9].lstrip("-")  # (error.pos counts characters, not bytes)
    for constant in ("NaN", "Infinity"):
        if near.startswith(constant):
            return f"{constant} is not a JSON number (line {error.lineno} column {error.colno})"
    if "depth limit" in message:
        return f"not accepted: nested more than 1,024 levels deep (line {error.lineno} column {error.colno})"
    if "infinity" in message:
        return f"not accepted: a number too large to represent (line {error.lineno} column {error.colno})"
    if "surrogate" in message:
        return f"not accepted: a lone UTF-16 surrogate escape (line {error.lineno} column {error.colno})"
    return f"not JSON: {message} at line {error.lineno} column {error.colno}"


class _Repeating(dict[str, Any]):
    """An object that had a key more than once (``repeated``: the first such key)."""

    repeated = ""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result and type(result) is dict:
            result = _Repeating(result)
            result.repeated = key
        result[key] = value
    return result


def _find_duplicate(data: bytes) -> None:
    # orjson accepted the text, so the standard parser does too; it only has to name the duplicate and the
    # pointer of the object holding it, the first in document order
    import json  # noqa: PLC0415 - a duplicate key, or perhaps one

    from evaljobs._report import pointer_token  # noqa: PLC0415

    try:
        decoded = json.loads(data, object_pairs_hook=_pairs)
    except RecursionError:  # orjson accepts deeper texts than the standard parser: searched without recursion
        found = duplicate_key(data)
        if found is not None:
            raise _duplicate(found[1], found[0]) from None
        return
    stack: list[tuple[str, Any]] = [("", decoded)]
    while stack:
        pointer, value = stack.pop()
        if isinstance(value, _Repeating):
            raise _duplicate(value.repeated, pointer)
        children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        stack.extend(reversed([(f"{pointer}/{pointer_token(key)}", child) for key, child in children]))
