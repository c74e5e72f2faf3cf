"""Property tests: generated payloads of every response model round-trip losslessly, and validate() finds
exactly the drift that was mixed in (unknown fields, unlisted enum values), with their pointers."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaljobs import validate
from evaljobs._report import pointer_token
from tests.conftest import APIS, model, model_document, response_models
from tests.roundtrip import assert_lossless
from tests.strategies import DRIFT_ENUM_PREFIX, DRIFT_FIELD_PREFIX, for_component

EXAMPLES_PER_MODEL = 200
CASES = [(api, name) for api in APIS for name in response_models(api)]


def injected_drift(value: Any, pointer: str = "") -> set[tuple[str, str]]:
    """The (pointer, kind) of every drift the strategy mixed into ``value``."""
    found: set[tuple[str, str]] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{pointer}/{pointer_token(key)}"
            if key.startswith(DRIFT_FIELD_PREFIX):
                found.add((here, "unknown_field"))  # its value is free-form: not walked
            else:
                found |= injected_drift(item, here)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found |= injected_drift(item, f"{pointer}/{index}")
    elif isinstance(value, str) and value.startswith(DRIFT_ENUM_PREFIX):
        found.add((pointer, "unknown_enum_value"))
    return found


@pytest.mark.parametrize(("api", "name"), CASES, ids=[f"{api}.{name}" for api, name in CASES])
def test_generated_payloads_round_trip_and_drift_is_reported(api: str, name: str) -> None:
    document = model_document(api)
    target = model(api, name)
    payloads = st.one_of(for_component(document, name), for_component(document, name, drift=True))

    @settings(
        max_examples=EXAMPLES_PER_MODEL,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(payloads)
    def check(payload: Any) -> None:
        assert_lossless(target, payload)
        report = validate(payload, schema=f"{api}.{name}")
        assert report.errors == [], report.errors
        assert {(d.pointer, d.kind) for d in report.drift} == injected_drift(payload)

    check()
