"""Problems found in specs, collected as values and reported together."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a spec, at a JSON pointer inside a file."""

    file: str
    pointer: str
    message: str

    def __str__(self) -> str:
        if self.pointer:
            return f"{self.file}: #{self.pointer}: {self.message}"
        return f"{self.file}: {self.message}"


class GenerationFailed(Exception):
    """Generation stopped; generated/ was left as it was. Carries every problem found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


def escape_pointer_token(token: object) -> str:
    """Escape one reference token of a JSON pointer (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def join_pointer(pointer: str, *tokens: object) -> str:
    return pointer + "".join("/" + escape_pointer_token(token) for token in tokens)
