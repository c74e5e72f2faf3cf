"""Problems found in specs, collected as values and reported together."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# A message quotes spec text; beyond this many characters it is cut (a 2 MB description stays out of a terminal).
MAX_MESSAGE = 400
MAX_POINTER = 160


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a spec, at a JSON pointer inside a file."""

    file: str
    pointer: str
    message: str

    def __str__(self) -> str:
        message = printable(self.message)
        if len(message) > MAX_MESSAGE:
            message = message[:MAX_MESSAGE] + "..."
        if self.pointer:
            pointer = printable(self.pointer)
            if len(pointer) > MAX_POINTER:
                pointer = pointer[: MAX_POINTER // 2] + "/.../" + pointer[-MAX_POINTER // 2 :]
            return f"{printable(self.file)}: #{pointer}: {message}"
        return f"{printable(self.file)}: {message}"


class GenerationFailed(Exception):
    """Generation stopped; generated/ was left as it was. Carries every problem found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


def printable(text: str) -> str:
    """``text`` on one line, with control, format and bidi characters escaped (no terminal tricks)."""
    return "".join(
        char if char == " " or unicodedata.category(char)[0] not in "CZ" else repr(char)[1:-1] for char in text
    )


def escape_pointer_token(token: object) -> str:
    """Escape one reference token of a JSON pointer (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def join_pointer(pointer: str, *tokens: object) -> str:
    return pointer + "".join("/" + escape_pointer_token(token) for token in tokens)
