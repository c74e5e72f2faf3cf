"""What validating one payload found: errors (it breaks the spec) and drift (it goes beyond it).

A report on a captured exchange (a HAR entry) holds the findings of its request and of its response in the same
lists, each finding naming its side (``side``: "request" or "response"; ``"in"`` in JSON) and its severity; a
finding about a bare payload has no side, and its JSON is what it always was.
"""

from __future__ import annotations

from typing import Any, Literal

from evaljobs._record import FrozenRecord, Record

DriftKind = Literal[
    "unknown_field",
    "unknown_enum_value",
    "undocumented_parameter",
    "undocumented_request_body",
    "undocumented_endpoint",
    "undocumented_method",
    "undocumented_status",
    "undocumented_header",
    "undocumented_server",
    "unexpected_content_type",
]
ErrorKind = Literal[
    "invalid_request_body", "missing_request_body", "missing_parameter", "invalid_parameter", "security_not_met"
]
"""What a request's error is about (a response's errors have no kind)."""
Side = Literal["request", "response"]
Severity = Literal["error", "warning", "info"]
FailOn = Literal["error", "warning", "drift"]
"""What makes a payload fail (``--fail-on``): its errors (the default), also its drift of severity warning
(``--strict``), or also its info findings."""

_INFO: frozenset[str] = frozenset(
    {"undocumented_parameter", "undocumented_header"}
)  # drift worth knowing, less than a warning


class Error(FrozenRecord):
    """The payload breaks the spec at ``pointer`` (a JSON pointer into the body; empty for the whole body, and
    for a finding about a request's ``parameter``, which names it with its ``location``: path, query or header)."""

    _fields = ("pointer", "message", "side", "kind", "parameter", "location")
    __slots__ = _fields
    pointer: str
    message: str
    side: Side | None
    kind: ErrorKind | None
    parameter: str | None
    location: str | None

    def __init__(  # noqa: PLR0917 - a dataclass's signature: the fields in order
        self,
        pointer: str,
        message: str,
        side: Side | None = None,
        kind: ErrorKind | None = None,
        parameter: str | None = None,
        location: str | None = None,
    ) -> None:
        setter = object.__setattr__
        setter(self, "pointer", pointer)
        setter(self, "message", message)
        setter(self, "side", side)
        setter(self, "kind", kind)
        setter(self, "parameter", parameter)
        setter(self, "location", location)

    @property
    def severity(self) -> Severity:
        return "error"

    def as_json(self) -> dict[str, Any]:
        if self.side is None:
            return {"pointer": self.pointer, "message": self.message}
        return _exchange_json(self, {"pointer": self.pointer, "message": self.message})


class Drift(FrozenRecord):
    """The payload goes beyond the spec at ``pointer`` (or, for a request, in its ``parameter``)."""

    _fields = ("pointer", "kind", "message", "side", "parameter", "location")
    __slots__ = _fields
    pointer: str
    kind: DriftKind
    message: str
    side: Side | None
    parameter: str | None
    location: str | None

    def __init__(  # noqa: PLR0917 - a dataclass's signature: the fields in order
        self,
        pointer: str,
        kind: DriftKind,
        message: str,
        side: Side | None = None,
        parameter: str | None = None,
        location: str | None = None,
    ) -> None:
        setter = object.__setattr__
        setter(self, "pointer", pointer)
        setter(self, "kind", kind)
        setter(self, "message", message)
        setter(self, "side", side)
        setter(self, "parameter", parameter)
        setter(self, "location", location)

    @property
    def severity(self) -> Severity:
        return "info" if self.kind in _INFO else "warning"

    def fails(self, fail_on: FailOn) -> bool:
        """Whether this drift makes its payload fail at the level ``fail_on``."""
        return fail_on == "drift" or (fail_on == "warning" and self.severity == "warning")

    def as_json(self) -> dict[str, Any]:
        if self.side is None:
            return {"pointer": self.pointer, "kind": self.kind, "message": self.message}
        return _exchange_json(self, {"pointer": self.pointer, "kind": self.kind, "message": self.message})


def _exchange_json(finding: Error | Drift, found: dict[str, Any]) -> dict[str, Any]:
    """A finding about an exchange: the bare payload's keys, then its side, severity, kind and parameter."""
    found["in"] = finding.side
    found["severity"] = finding.severity
    if isinstance(finding, Error) and finding.kind is not None:
        found["kind"] = finding.kind
    if finding.parameter is not None:
        found["parameter"] = finding.parameter
        found["location"] = finding.location
    return found


class Report(Record):
    """The verdict on one payload, or on one captured exchange (its request's findings and its response's). ``valid``
    is false exactly when there are errors.

    ``operation``: for a captured exchange matched to an operation, (api, operationId, the response's status); for
    ``--coverage``, not part of the JSON report. ``endpoint``: for a captured exchange, its request's method and
    path (``GET /v1/jobs``), which names it in the grouped reports when no operation matches it; not part of the
    JSON report. ``started``: for a captured exchange, when it started, as its capture wrote it (ISO 8601, ""
    when unknown); for the timeline of the HTML report, not part of the JSON report."""

    _fields = ("source", "schema", "errors", "drift", "operation", "endpoint", "started")
    __slots__ = _fields
    source: str
    schema: str | None
    errors: list[Error]
    drift: list[Drift]
    operation: tuple[str, str, int] | None
    endpoint: str | None
    started: str

    def __init__(  # noqa: PLR0917 - a dataclass's signature: the fields in order
        self,
        source: str,
        schema: str | None,
        errors: list[Error] | None = None,
        drift: list[Drift] | None = None,
        operation: tuple[str, str, int] | None = None,
        endpoint: str | None = None,
        started: str = "",
    ) -> None:
        self.source = source
        self.schema = schema
        self.errors = [] if errors is None else errors
        self.drift = [] if drift is None else drift
        self.operation = operation
        self.endpoint = endpoint
        self.started = started

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def drifted(self) -> bool:
        """Whether it has drift that counts (``--strict`` fails on it): of severity warning, not info."""
        return any(drift.severity == "warning" for drift in self.drift)

    def fails(self, fail_on: FailOn) -> bool:
        """Whether the payload fails (exit status 1, a JUnit failure) at the level ``fail_on``."""
        if not self.valid:
            return True
        return (fail_on == "warning" and self.drifted) or (fail_on == "drift" and bool(self.drift))

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "schema": self.schema,
            "valid": self.valid,
            "errors": [error.as_json() for error in self.errors],
            "drift": [drift.as_json() for drift in self.drift],
        }


def pointer_token(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def describe(value: object) -> str:
    """A JSON value as a person reads it in a message: its JSON type and a short rendering."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {'true' if value else 'false'}"
    if isinstance(value, int | float):
        text = repr(value)
        return f"number {text[:40]}{'...' if len(text) > 40 else ''}"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f"string {text!r}"
    if isinstance(value, list):
        return f"array of {len(value)} item{'s' * (len(value) != 1)}"
    if isinstance(value, dict):
        return f"object with {len(value)} field{'s' * (len(value) != 1)}"
    return type(value).__name__
