"""What every generated API package describes about itself: its operations.

Besides the path, method and response models the clients and the validator read, an operation carries what the
mock server plays: its part in a job's lifecycle (``x-evaljobs-job``, with the status fields of
``x-evaljobs-job-status`` and the paging of ``x-evaljobs-pagination``). What it takes (parameters, body,
credentials) is in the plain table ``evaljobs._routes.<api>.REQUESTS``, which the mock checks requests by and
``evaljobs validate`` checks captured ones by (``evaljobs._validation.request_checks``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from evaljobs._clients.pagination import Pagination

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["JobRole", "JobStatusFields", "Operation", "Pagination"]

_PARAMETER = re.compile(r"\{([^{}/]+)\}")


@dataclass(frozen=True)
class JobRole:
    """The operation's part in a job's lifecycle (``x-evaljobs-job``): ``role`` is create, list, get, cancel,
    delete, results or download; ``id`` is, for create, the dotted path of the new job's id in the response (a
    list there: one job per element), and for the others but list the path parameter holding the job id."""

    role: str
    id: str = ""


@dataclass(frozen=True)
class JobStatusFields:
    """Where a job status operation's body says the state (``x-evaljobs-job-status``), and the normalized state
    (queued, running, succeeded, failed, cancelled) of each value of the status enum."""

    state_field: str
    states: Mapping[str, str]
    progress_field: str = ""
    message_field: str = ""


@dataclass(frozen=True)
class Operation:
    """One path and method of an API, and the model of each response body."""

    operation_id: str
    method: str
    path: str
    summary: str
    responses: Mapping[str, type[BaseModel] | None]
    success_media_type: str = "application/json"
    job: JobRole | None = None
    job_status: JobStatusFields | None = None
    pagination: Pagination | None = None
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
        return self.match_path(path)

    def match_path(self, path: str) -> dict[str, str] | None:
        """The path parameters if ``path`` (a template or a concrete path) is this operation's, whatever the method."""
        if path == self.path:
            return {}
        found = self._pattern.fullmatch(path)
        return None if found is None else found.groupdict()


def _group(name: str) -> str:
    cleaned = re.sub(r"\W", "_", name)
    return cleaned if cleaned[:1].isalpha() else f"p_{cleaned}"
