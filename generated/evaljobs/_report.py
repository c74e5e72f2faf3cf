"""What validating one payload found: errors (it breaks the spec) and drift (it goes beyond it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

DriftKind = Literal["unknown_field", "unknown_enum_value"]


@dataclass(frozen=True, slots=True)
class Error:
    pointer: str
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"pointer": self.pointer, "message": self.message}


@dataclass(frozen=True, slots=True)
class Drift:
    pointer: str
    kind: DriftKind
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"pointer": self.pointer, "kind": self.kind, "message": self.message}


@dataclass(slots=True)
class Report:
    """The verdict on one payload. ``valid`` is false exactly when there are errors."""

    source: str
    schema: str | None
    errors: list[Error] = field(default_factory=list)
    drift: list[Drift] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

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
