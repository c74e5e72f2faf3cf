"""Runtime helpers of the generated fast-path types (``evaljobs._fast.<api>``): no pydantic here.

A fast-path decode must never accept more than the schema does. msgspec keeps the last of duplicate keys
silently: after a typed decode, ``evaljobs._duplicates`` checks that the payload had none.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import UNSET

from evaljobs._duplicates import without_duplicates

# Exact RFC 3339 date-times (calendar included: month lengths, leap years; year 0000 excluded as datetime
# cannot hold it), ASCII digits, T/t and Z/z. The leap second (:60) is left to the full path.
_LEAP_YEAR = r"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
_DATE = (
    r"(?:(?!0000)[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    rf"|02-(?:0[1-9]|1[0-9]|2[0-8]))|{_LEAP_YEAR}-02-29)"
)
_TIME = r"[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?"
_OFFSET = r"(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
RFC3339 = rf"^{_DATE}{_TIME}{_OFFSET}\Z"
LOCAL_DATE_TIME = rf"^{_DATE}{_TIME}{_OFFSET}?\Z"

DateTime = Annotated[str, msgspec.Meta(pattern=RFC3339)]
"""A string that is an RFC 3339 date-time (offset required)."""
LocalDateTime = Annotated[str, msgspec.Meta(pattern=LOCAL_DATE_TIME)]
"""A string that is an RFC 3339 date-time whose offset may be missing."""


def whole_or_empty(struct: msgspec.Struct, required: tuple[Any, ...], *, exactly_one: bool) -> None:
    """The check of a struct standing for "this object or the empty object" (the object's required fields
    made optional; ``required`` holds their values): all of them present, or no field at all. For a oneOf,
    an empty object must not be valid as both."""
    if UNSET in required:  # (UNSET compares by identity: no field value equals it)
        if any(value is not UNSET for value in msgspec.structs.astuple(struct)):
            raise ValueError("neither the object (a required field is missing) nor the empty object")
    elif exactly_one and not required and all(value is UNSET for value in msgspec.structs.astuple(struct)):
        raise ValueError("the empty object matches both members of the oneOf")


class Branches:
    """The members of a union of several object types (msgspec decodes at most one): a raw value must
    decode as one of them (exactly one for ``oneOf``), without duplicate keys. The lenient types leave
    duplicate keys to their caller, which checks the whole payload (drift makes the colon count differ)."""

    def __init__(self, types: tuple[Any, ...], *, exactly_one: bool, lenient: bool = False) -> None:
        self.types = types
        self.exactly_one = exactly_one
        self.lenient = lenient
        self._decoders: list[msgspec.json.Decoder[Any]] | None = None

    def check(self, raw: msgspec.Raw | msgspec.UnsetType) -> None:
        if raw is msgspec.UNSET:
            return
        if self._decoders is None:
            self._decoders = [msgspec.json.Decoder(member) for member in self.types]
        data = bytes(raw)
        matches = 0
        for decoder in self._decoders:
            try:
                decoded = decoder.decode(data)
            except msgspec.ValidationError:
                continue
            if not self.lenient and without_duplicates(data, decoded) is not True:
                raise ValueError("needs the full check")
            matches += 1
            if not self.exactly_one:
                return
        if matches != 1:
            raise ValueError("no member of the union matches" if matches == 0 else "several members of a oneOf match")
