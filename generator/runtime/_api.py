"""What every generated API package describes about itself: its operations."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import BaseModel

_PARAMETER = re.compile(r"\{([^{}/]+)\}")


@dataclass(frozen=True)
class Operation:
    """One path and method of an API, and the model of each response body."""

    operation_id: str
    method: str
    path: str
    summary: str
    responses: Mapping[str, type[BaseModel] | None]
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = _PARAMETER.split(self.path)
        regex = "".join(
            re.escape(part) if index % 2 == 0 else f"(?P<{_group(part)}>[^/]+)" for index, part in enumerate(parts)
        )
        object.__setattr__(self, "_pattern", re.compile(regex))

    @property
    def success_model(self) -> type[BaseModel] | None:
        """The model of the first 2xx response with a JSON body."""
        for status, model in self.responses.items():
            if status.startswith("2") and model is not None:
                return model
        return None

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The path parameters if ``method`` and ``path`` (a template or a concrete path) are this operation."""
        if method.upper() != self.method:
            return None
        if path == self.path:
            return {}
        found = self._pattern.fullmatch(path)
        return None if found is None else found.groupdict()


def _group(name: str) -> str:
    cleaned = re.sub(r"\W", "_", name)
    return cleaned if cleaned[:1].isalpha() else f"p_{cleaned}"
