"""Whether a decoded payload had a duplicate key, found cheaply (no pydantic).

JSON readers keep the last of duplicate keys silently, so after a decode ``without_duplicates`` checks that
the payload had none, by counting colons. Every member of a JSON object has exactly one colon outside
strings; inside strings, the encoder writes a colon as itself. So the input has as many colons as the
re-encoded value exactly when no member was dropped, provided the input wrote no colon as an escape
(``\\u003a``): when it did, the cheap check answers None and the caller decides another way. (Date-times
stay strings here, so re-encoding keeps them byte for byte.)

JSON texts may nest 1,024 levels deep, deeper than the encoder goes (orjson stops at 255 levels): such a
value is counted by a walk with a stack of its own, and ``duplicate_key`` names a duplicate at any depth the
same way, never by recursion.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from orjson import dumps as _encode


def without_duplicates(data: bytes, decoded: object, encode: Callable[[Any], bytes] | None = None) -> bool | None:
    """True if no object of ``data`` repeats a key, False if one does, None if the cheap check cannot tell.
    ``decoded`` is ``data`` decoded, which ``encode`` turns back into JSON (any encoder that writes colons
    in strings as themselves; by default orjson's, with a count of its own where orjson cannot encode)."""
    if b"\\" in data and b"\\u003" in data:  # perhaps an escaped colon (\\u003a): the count cannot tell
        return None
    return data.count(b":") == _encoded_colons(decoded, encode)


def _encoded_colons(decoded: object, encode: Callable[[Any], bytes] | None) -> int:
    try:
        return (encode or _encode)(decoded).count(b":")
    except (TypeError, RecursionError):  # orjson: an integer beyond 64 bits, or more than 255 levels deep
        return colons(decoded)


def colons(decoded: object) -> int:
    """The colons of ``decoded`` written as JSON (one per member of an object, and those of its strings),
    at any depth."""
    found = 0
    pending = [decoded]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            found += len(value)
            for key, member in value.items():
                found += key.count(":")
                pending.append(member)
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str):
            found += value.count(":")
    return found


_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\],]')  # strings, brackets, commas: all a key search needs


def duplicate_key(data: bytes) -> tuple[str, str] | None:
    """The first key that an object of ``data`` (a JSON text) repeats, if any, at any depth, with the JSON
    pointer of that object: one pass over its strings and punctuation, keys compared as decoded (``"a"`` and
    ``"\\u0061"`` are the same key)."""
    import json  # noqa: PLC0415 - a key's escapes, only when a duplicate is likely

    from evaljobs._report import pointer_token  # noqa: PLC0415

    # per open container: its keys so far (None for an array), its pointer, its current member (key or index)
    frames: list[tuple[set[str] | None, str, list[Any]]] = []
    expecting_key = False
    for match in _TOKEN.finditer(data):
        token = match.group()
        first = token[0]
        if first == 0x22:  # a string: a key where one is expected
            if expecting_key:
                keys, pointer, member = frames[-1]
                key = json.loads(token) if b"\\" in token else token[1:-1].decode("utf-8", "surrogatepass")
                if keys is not None:
                    if key in keys:
                        return pointer, str(key)
                    keys.add(key)
                    member[0] = key
                expecting_key = False
        elif first in (0x7B, 0x5B):  # { [
            pointer = "" if not frames else f"{frames[-1][1]}/{pointer_token(frames[-1][2][0])}"
            frames.append((set() if first == 0x7B else None, pointer, [0]))
            expecting_key = first == 0x7B
        elif first in (0x7D, 0x5D):  # } ]
            frames.pop()
            expecting_key = False
        elif first == 0x2C and frames:  # , : the next member of an object (a key) or of an array
            keys, _, member = frames[-1]
            if keys is None:
                member[0] += 1
            expecting_key = keys is not None
    return None
