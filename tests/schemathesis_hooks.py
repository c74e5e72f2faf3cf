"""schemathesis hooks for tests/test_schemathesis.py (loaded through ``SCHEMATHESIS_HOOKS``): values of the
``evaljobs-date-time`` format, which stands for a date-time whose UTC offset the spec makes optional."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import schemathesis
from hypothesis import strategies as st

FORMAT = "evaljobs-date-time"

_moments = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1))
_offsets = st.sampled_from([None, UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))])

schemathesis.openapi.format(
    FORMAT, st.builds(lambda moment, offset: moment.replace(tzinfo=offset).isoformat(), _moments, _offsets)
)
