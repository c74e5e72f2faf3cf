"""The runtime value types: exact date-time text, open enums, the tolerant base model."""

from __future__ import annotations

import copy
import pickle
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from evaljobs._types import DateTime, LocalDateTime, Model, OpenEnum


class Colour(OpenEnum):
    RED = "red"
    GREEN = "green"


class Paint(Model):
    colour: Colour | None = None
    at: DateTime | None = None
    local: LocalDateTime | None = None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-19T22:50:15Z", datetime(2025, 3, 19, 22, 50, 15, tzinfo=UTC)),
        ("2025-03-19t22:50:15.5z", datetime(2025, 3, 19, 22, 50, 15, 500000, tzinfo=UTC)),
        (
            "2025-03-19T22:50:15.123456789+05:30",
            datetime(2025, 3, 19, 22, 50, 15, 123456, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        ),
        ("2025-03-19T22:50:15-08:00", datetime(2025, 3, 19, 22, 50, 15, tzinfo=timezone(-timedelta(hours=8)))),
        ("2016-12-31T23:59:60Z", datetime(2016, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
    ],
)
def test_date_time_is_a_datetime_that_keeps_its_text(text: str, expected: datetime) -> None:
    value = DateTime.parse(text)
    assert value == expected
    assert str(value) == value.text == text
    assert Paint.model_validate({"at": text}).model_dump(mode="json") == {"at": text, "colour": None, "local": None}


@pytest.mark.parametrize(
    "text",
    [
        "2025-03-19T22:50:15",
        "2025-03-19 22:50:15Z",
        "2025-02-30T00:00:00Z",
        "2025-03-19T24:00:00Z",
        "2025-03-19T22:50:15+24:00",
        "2025-03-19T22:50Z",
        "2025-03-19",
        "２０２５-03-19T22:50:15Z",
        "yesterday",
        "2025-03-19T22:50:15.Z",
        " 2025-03-19T22:50:15Z",
    ],
)
def test_date_time_refuses_what_rfc_3339_does_not_allow(text: str) -> None:
    with pytest.raises(ValueError, match="RFC 3339"):
        DateTime.parse(text)
    with pytest.raises(ValidationError):
        Paint.model_validate({"at": text})


def test_local_date_time_allows_a_missing_offset_only() -> None:
    naive = LocalDateTime.parse("2025-09-08T19:20:32.655254")
    assert naive.tzinfo is None and str(naive) == "2025-09-08T19:20:32.655254"
    assert LocalDateTime.parse("2025-09-08T19:20:32Z").tzinfo is UTC
    with pytest.raises(ValueError):
        LocalDateTime.parse("2025-09-08 19:20:32")


def test_date_time_survives_pickle_copy_and_arithmetic() -> None:
    value = DateTime.parse("2025-03-19T22:50:15.123456789+05:30")
    for clone in (pickle.loads(pickle.dumps(value)), copy.deepcopy(value), copy.copy(value)):
        assert clone.text == value.text and clone == value
    later = value + timedelta(seconds=1)
    assert later.text == later.isoformat()  # arithmetic makes a new instant: ISO text, not the old text


def test_numbers_and_booleans_are_not_date_times() -> None:
    with pytest.raises(ValidationError, match="expected"):
        Paint.model_validate({"at": 1742424615})


def test_open_enum_accepts_unlisted_values_and_knows_it() -> None:
    known, drifted = Colour("red"), Colour("ultraviolet")
    assert known is Colour.RED and known.is_known
    assert isinstance(drifted, Colour) and drifted == "ultraviolet" and not drifted.is_known
    assert pickle.loads(pickle.dumps(drifted)) == drifted
    paint = Paint.model_validate({"colour": "ultraviolet"})
    assert paint.colour == "ultraviolet" and paint.model_dump(mode="json", exclude_unset=True) == {
        "colour": "ultraviolet"
    }
    with pytest.raises(ValidationError):
        Paint.model_validate({"colour": 3})


def test_model_keeps_unknown_fields_and_null_versus_absent() -> None:
    payload = {"colour": None, "brand_new": {"nested": [1, 2.5, None]}}
    paint = Paint.model_validate(payload)
    assert paint.model_extra == {"brand_new": {"nested": [1, 2.5, None]}}
    assert paint.model_dump(mode="json", exclude_unset=True) == payload
