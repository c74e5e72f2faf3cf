"""Validate captured payloads: the fast path decides the common case, the full path explains the rest.

- Fast path (``evaljobs._fast.<api>``, msgspec): accepts a payload only if it is valid and has no drift;
  a duplicate key is caught by re-encoding. Most captured traffic ends here, at about the speed of parsing.
- Full path (``evaljobs._slow``, pydantic, imported on first need): strict decoding, every error with its
  JSON pointer, and every drift.

``validate(payload, endpoint=..., schema=...)`` is the Python API behind ``evaljobs validate``.
"""

from __future__ import annotations

from typing import Any

import msgspec

from evaljobs import _registry
from evaljobs._fastpath import without_duplicates
from evaljobs._registry import Target
from evaljobs._report import Error, Report

__all__ = ["Validator", "validate"]


class Validator:
    """Validates many payloads against one choice of schemas (an endpoint, a schema, or detection)."""

    def __init__(self, *, endpoint: str | None = None, schema: str | None = None) -> None:
        self.forced = schema is not None or endpoint is not None
        if schema is not None:
            self.targets = [_registry.schema(schema)]
        elif endpoint is not None:
            self.targets = _registry.endpoint(endpoint)
        else:
            self.targets = list(_registry.response_targets())

    def check(
        self, payload: bytes | str | Any, source: str = "<payload>", targets: list[Target] | None = None
    ) -> Report:
        """The report on one payload, against ``targets`` if given (a HAR entry's operation), else this
        validator's choice."""
        chosen = self.targets if targets is None else targets
        if isinstance(payload, bytearray | memoryview):
            payload = bytes(payload)
        elif isinstance(payload, str):
            try:
                payload = payload.encode("utf-8")
            except UnicodeEncodeError:
                return _refused(source, "not accepted: a lone UTF-16 surrogate in the text", chosen)
        if type(payload) is bytes:
            for index, target in enumerate(chosen):
                if _fast(target, payload):
                    if index:  # captures come in runs of one schema: try this one first next time
                        chosen.insert(0, chosen.pop(index))
                    return Report(source, target.label)
            from evaljobs._decode import PayloadError, decode  # noqa: PLC0415 - the full path only

            try:
                payload = decode(payload)
            except PayloadError as error:
                return _refused(source, str(error), chosen)
        from evaljobs import _slow  # noqa: PLC0415 - the full path, and pydantic with it, only when needed

        return _slow.report(payload, chosen, source)


def _refused(source: str, message: str, targets: list[Target]) -> Report:
    only = targets[0].label if len(targets) == 1 else None
    return Report(source, only, errors=[Error("", message)])


def _fast(target: Target, data: bytes) -> bool:
    """Whether the fast path accepts ``data`` as ``target``: valid, without drift, without duplicate keys.
    (Another schema's payload looks drifted to this one, so a rejection says nothing more.)"""
    decoder = target.fast
    if decoder is None:
        return False
    try:
        value = decoder.decode(data)
    except (msgspec.MsgspecError, ValueError, RecursionError):
        return False
    return without_duplicates(data, value) is True


def validate(
    payload: bytes | str | Any,
    *,
    endpoint: str | None = None,
    schema: str | None = None,
    source: str = "<payload>",
) -> Report:
    """Validate ``payload`` (JSON bytes or text, or an already parsed value).

    ``schema`` names a model (``"nemo_evaluator.EvaluationJob"``); ``endpoint`` names an operation
    (``"GET /v1/evaluation/jobs/{job_id}"`` or a concrete path). Without either, the best-matching response
    schema of every spec is chosen and named in the report. Raises LookupError for an unknown schema or endpoint.
    """
    return Validator(endpoint=endpoint, schema=schema).check(payload, source)
