"""Reading RFC 3339 date-times, without pydantic: shared by the models' ``DateTime`` type (``_types``) and
the full path's walk (``_walk``), so that both accept the same texts and give the same reasons."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import TypeVar

__all__ = ["EXPECTED", "LOCAL_EXPECTED", "LOCAL_PATTERN", "OFFSET_KEY", "parse", "problem"]

EXPECTED = "an RFC 3339 date-time such as 2025-03-19T22:50:15.684382Z"
LOCAL_EXPECTED = "an ISO 8601 date-time such as 2025-03-19T22:50:15.684382 (offset optional)"

OFFSET_KEY = "x-evaljobs-datetime-offset"
# How a spec says "a date-time whose offset may be missing" so that every tool reads it alike: a string with
# this pattern and ``x-evaljobs-datetime-offset: optional``, and no ``format: date-time`` (which requires the
# offset). The generator reads it as ``format: date-time`` with the offset optional.
LOCAL_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})?$"

# RFC 3339, section 5.6, with ASCII digits only. The offset group is optional here; the strict
# type refuses a match without it.
_DATE_TIME = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})[Tt]"
    r"(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]+))?"
    r"(?P<offset>[Zz]|[+-][0-9]{2}:[0-9]{2})?"
)

D = TypeVar("D", bound=datetime)


def parse(text: str, offset_required: bool, expected: str, make: type[D]) -> D:
    """``text`` read as a ``make`` (datetime or a subclass); ``ValueError`` with a readable reason when it is
    not a date-time (``expected`` names what was expected)."""
    match = _DATE_TIME.fullmatch(text)
    if match is None or (offset_required and match["offset"] is None):
        raise ValueError(f"expected {expected}, found {text[:64]!r}")
    second = int(match["second"])
    fraction = (match["fraction"] or "")[:6].ljust(6, "0")
    microsecond = int(fraction)
    leap = second == 60
    if leap:  # a leap second: RFC 3339 allows it, datetime cannot hold it
        second, microsecond = 59, 999_999
    try:
        offset = match["offset"]
        tzinfo: timezone | None = None
        if offset in ("Z", "z"):
            tzinfo = UTC
        elif offset is not None:
            hours, minutes = int(offset[1:3]), int(offset[4:6])
            if hours > 23 or minutes > 59:
                raise ValueError("UTC offset out of range")
            sign = -1 if offset[0] == "-" else 1
            tzinfo = timezone(sign * timedelta(hours=hours, minutes=minutes))
        fields = (int(match["year"]), int(match["month"]), int(match["day"]), int(match["hour"]))
        value = make(*fields, int(match["minute"]), second, microsecond, tzinfo=tzinfo)
        if leap and not _last_minute_of_utc_day(value):
            raise ValueError("second 60 is a leap second, only at 23:59:60 UTC")
        return value
    except ValueError as error:
        raise ValueError(f"expected {expected}, found {text[:64]!r}: {error}") from None


def problem(value: object, offset_required: bool, expected: str) -> tuple[str, str] | None:
    """None if ``value`` is a date-time text, else the kind of error (``datetime_type``: not a string,
    ``datetime_format``: not a date-time) and what was expected, with the reason."""
    if not isinstance(value, str):
        return "datetime_type", expected
    try:
        parse(value, offset_required, expected, datetime)
    except ValueError as error:
        reason = str(error).split(": ", 1)[1] if ": " in str(error) else ""
        return "datetime_format", expected + (f" ({reason})" if reason else "")
    return None


def _last_minute_of_utc_day(value: datetime) -> bool:
    """Whether ``value`` is in the minute 23:59 of UTC, its offset applied (RFC 3339, section 5.7: a leap
    second is 23:59:60 UTC; local time has its offset, so 15:59:60-08:00 is one). Without an offset (a local
    date-time where the spec allows one), in the minute 23:59 of its own clock."""
    offset = value.utcoffset()
    minutes = value.hour * 60 + value.minute - (0 if offset is None else int(offset.total_seconds()) // 60)
    return minutes % 1440 == 1439
