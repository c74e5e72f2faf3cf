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

from evaljobs._duplicates import duplicate_key, without_duplicates
from evaljobs._registry import native_scanner


class PayloadError(ValueError):
    """The bytes are not an acceptable JSON text (a finding about the payload, not a usage error)."""


JSON_WHITESPACE = b" \t\r\n"
"""The only bytes JSON allows around a value (RFC 8259): ``bytes.strip()`` would also take \\v and \\f."""


def decode(data: bytes) -> Any:
    if not data.strip(JSON_WHITESPACE):
        raise PayloadError("empty: no JSON value")
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise PayloadError(_explain(data, error)) from None
    strict = _strict_json()
    if strict is not None and strict(0, data) is True:  # no duplicate key (nor anything else refused)
        return value
    # orjson re-encodes dicts faster than msgspec; a None verdict may be a false alarm
    if without_duplicates(data, value, orjson.dumps) is not True and (key := _duplicate_key(data)) is not None:
        raise PayloadError(f"duplicate key {key!r} in one object")
    return value


@cache
def _strict_json() -> Callable[[int, bytes], bool | None] | None:
    """The native scanner's check of any JSON value (True: strict JSON without duplicate keys), if built."""
    scan = native_scanner()
    return None if scan is None else scan.Program((("any",),)).accepts


def _explain(data: bytes, error: orjson.JSONDecodeError) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return "starts with a UTF-8 byte order mark, which a JSON text must not have"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as bad:
        return f"not UTF-8: invalid byte at offset {bad.start}"
    message = str(error.msg)
    near = data[error.pos : error.pos + 9].lstrip(b"-")
    for constant in (b"NaN", b"Infinity"):
        if near.startswith(constant):
            return f"{constant.decode()} is not a JSON number (line {error.lineno} column {error.colno})"
    if "depth limit" in message:
        return f"not accepted: nested more than 1,024 levels deep (line {error.lineno} column {error.colno})"
    if "infinity" in message:
        return f"not accepted: a number too large to represent (line {error.lineno} column {error.colno})"
    if "surrogate" in message:
        return f"not accepted: a lone UTF-16 surrogate escape (line {error.lineno} column {error.colno})"
    return f"not JSON: {message} at line {error.lineno} column {error.colno}"


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Duplicate(key)
        result[key] = value
    return result


def _duplicate_key(data: bytes) -> str | None:
    """The key an object of ``data`` repeats, if any. orjson accepted the text, so the standard parser
    does too, faster than a search in Python; but it recurses, and orjson accepts deeper texts than it
    parses: those are searched without recursion."""
    import json  # noqa: PLC0415 - a duplicate key, or perhaps one

    try:
        json.loads(data, object_pairs_hook=_pairs)
    except _Duplicate as found:
        return found.key
    except RecursionError:
        return duplicate_key(data)
    return None
