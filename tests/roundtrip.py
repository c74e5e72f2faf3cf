"""The lossless-round-trip check, shared by the example tests and the property tests."""

from __future__ import annotations

import json
from typing import Any


def canonical(value: Any) -> str:
    """JSON text with sorted keys: equal exactly when two JSON values are equal (1 and 1.0 differ)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False)


def dump(instance: Any) -> Any:
    return instance.model_dump(mode="json", by_alias=True, exclude_unset=True)


def assert_lossless(model: Any, payload: Any) -> Any:
    """Validate ``payload`` from Python data and from JSON text; both dumps must equal the input."""
    from_python = model.model_validate(payload)
    from_json = model.model_validate_json(json.dumps(payload, ensure_ascii=False))
    assert canonical(dump(from_python)) == canonical(payload)
    assert canonical(dump(from_json)) == canonical(payload)
    return from_python
