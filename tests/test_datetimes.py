"""RFC 3339 date-times as the models and the validator read them (evaljobs._datetimes): leap seconds."""

from __future__ import annotations

import json

import pytest

import evaljobs
from evaljobs._datetimes import EXPECTED, LOCAL_EXPECTED, problem

LEAP_SECONDS = [
    "2016-12-31T23:59:60Z",
    "2016-12-31t23:59:60.5z",
    "2016-12-31T15:59:60-08:00",  # 23:59:60 UTC
    "2017-01-01T05:29:60+05:30",  # 23:59:60 UTC, the day before
    "2016-12-31T23:59:60+00:00",
]
NOT_LEAP_SECONDS = [
    "2016-12-31T12:30:60Z",
    "2016-12-31T23:58:60Z",
    "2016-12-31T00:59:60Z",
    "2016-12-31T23:59:60+01:00",  # 22:59:60 UTC
    "2016-12-31T23:59:60-00:01",  # 00:00:60 UTC
    "2016-12-31T15:59:60+08:00",
]


@pytest.mark.parametrize("text", LEAP_SECONDS)
def test_a_leap_second_is_23_59_60_in_utc(text: str) -> None:
    assert problem(text, True, EXPECTED) is None


@pytest.mark.parametrize("text", NOT_LEAP_SECONDS)
def test_second_60_at_any_other_time_of_the_utc_day_is_refused(text: str) -> None:
    found = problem(text, True, EXPECTED)
    assert found is not None and found[0] == "datetime_format" and "23:59:60 UTC" in found[1]


def test_a_local_date_time_has_its_leap_second_at_23_59_60_of_its_clock() -> None:
    assert problem("2016-12-31T23:59:60", False, LOCAL_EXPECTED) is None
    assert problem("2016-12-31T12:30:60", False, LOCAL_EXPECTED) is not None


@pytest.mark.parametrize(("text", "valid"), [(t, True) for t in LEAP_SECONDS] + [(t, False) for t in NOT_LEAP_SECONDS])
def test_the_validator_and_the_models_agree_on_leap_seconds(text: str, valid: bool) -> None:
    from evaljobs.gradient.models import EvaluationRunRetrieveResponse

    payload = {"evaluation_run": {"started_at": text}}
    report = evaljobs.validate(json.dumps(payload).encode(), schema="gradient.EvaluationRunRetrieveResponse")
    assert report.valid is valid, report.errors
    if not valid:
        assert [error.pointer for error in report.errors] == ["/evaluation_run/started_at"]
    try:
        EvaluationRunRetrieveResponse.model_validate(payload)
        accepted = True
    except ValueError:
        accepted = False
    assert accepted is valid
