"""Whether a decoded payload had a duplicate key, found cheaply (no pydantic, and msgspec only when asked).

JSON readers keep the last of duplicate keys silently, so after a decode ``without_duplicates`` checks that
the payload had none, by counting colons. Every member of a JSON object has exactly one colon outside
strings; inside strings, the encoder writes a colon as itself. So the input has as many colons as the
re-encoded value exactly when no member was dropped, provided the input wrote no colon as an escape
(``\\u003a``): when it did, the cheap check answers None and the caller decides another way. (Date-times
stay strings here, so re-encoding keeps them byte for byte.)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any


def without_duplicates(data: bytes, decoded: object, encode: Callable[[Any], bytes] | None = None) -> bool | None:
    """True if no object of ``data`` repeats a key, False if one does, None if the cheap check cannot tell.
    ``decoded`` is ``data`` decoded, which ``encode`` turns back into JSON (any encoder that writes colons
    in strings as themselves; by default msgspec's, which also takes integers beyond 64 bits)."""
    if b"\\" in data and b"\\u003" in data:  # perhaps an escaped colon (\\u003a): the count cannot tell
        return None
    return data.count(b":") == (encode or _msgspec_encode())(decoded).count(b":")


@cache
def _msgspec_encode() -> Callable[[Any], bytes]:
    import msgspec  # noqa: PLC0415 - not needed where the native scanner decides

    return msgspec.json.Encoder().encode
