"""Waiting for a job: one normalized state for every API, and the polling logic behind ``wait()``.

Each spec maps the values of its status enum to a ``JobState`` (``x-evaljobs-job-states``) and names the
operation that reports a job's status (``x-evaljobs-job-status``: the dotted path of the status field, and
optionally of a progress percentage and a message). A value in no list, or a missing field, is ``UNKNOWN``:
not terminal, so ``wait()`` keeps polling.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from evaljobs._exceptions import InvalidParameterError, WaitTimeoutError

if TYPE_CHECKING:
    from evaljobs._clients.http import Endpoint
    from evaljobs._clients.response import RawResponse

__all__ = ["JobProgress", "JobState", "JobStatusSpec", "Poller"]

T = TypeVar("T")


class JobState(StrEnum):
    """The state of a job, the same for every API."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"

    @property
    def terminal(self) -> bool:
        """Whether the job has stopped for good (succeeded, failed or cancelled)."""
        return self in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)


@dataclass(frozen=True)
class JobStatusSpec:
    """How one operation reports a job's state (rendered from the spec into each client module)."""

    endpoint: Endpoint[Any]
    state_field: str
    states: Mapping[str, JobState]
    progress_field: str = ""
    message_field: str = ""


@dataclass(frozen=True)
class JobProgress(Generic[T]):
    """One observation of a job: the normalized ``state``, the API's own ``status`` value, the ``progress``
    percentage and ``message`` when the API reports them, and the parsed ``job`` model."""

    job_id: str
    state: JobState
    status: str | None
    progress: float | None
    message: str | None
    job: T
    polls: int
    elapsed: float

    @property
    def done(self) -> bool:
        return self.state.terminal


class Poller:
    """The pure part of ``wait()``: reads each answer and decides how long to sleep, or when to stop."""

    def __init__(self, spec: JobStatusSpec, job_id: str, *, timeout: float | None, poll_interval: float) -> None:
        if not poll_interval > 0:
            raise InvalidParameterError(f"poll_interval must be > 0, found {poll_interval!r}")
        if timeout is not None and not timeout >= 0:
            raise InvalidParameterError(f"timeout must be >= 0 or None, found {timeout!r}")
        self.spec = spec
        self.job_id = job_id
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.started = time.monotonic()
        self.polls = 0
        self.last: JobProgress[Any] | None = None

    def observe(self, raw: RawResponse[T]) -> JobProgress[T]:
        job = raw.parse()
        data = raw.json()
        self.polls += 1
        status = dig(data, self.spec.state_field)
        progress = dig(data, self.spec.progress_field) if self.spec.progress_field else None
        message = dig(data, self.spec.message_field) if self.spec.message_field else None
        found: JobProgress[T] = JobProgress(
            job_id=self.job_id,
            state=self.spec.states.get(status, JobState.UNKNOWN) if isinstance(status, str) else JobState.UNKNOWN,
            status=status if isinstance(status, str) else None,
            progress=float(progress) if isinstance(progress, int | float) and not isinstance(progress, bool) else None,
            message=message if isinstance(message, str) else None,
            job=job,
            polls=self.polls,
            elapsed=time.monotonic() - self.started,
        )
        self.last = found
        return found

    def next_delay(self, progress: JobProgress[Any]) -> float | None:
        """Seconds to sleep before the next poll; None when the job is done; ``WaitTimeoutError`` when the
        time is up."""
        if progress.done:
            return None
        if self.timeout is None:
            return self.poll_interval
        remaining = self.started + self.timeout - time.monotonic()
        if remaining <= 0:
            raise WaitTimeoutError(
                f"job {self.job_id!r} is still {progress.state.value} (status {progress.status!r}) after "
                f"{self.timeout:g} s and {self.polls} poll{'' if self.polls == 1 else 's'}",
                last=progress,
            )
        return min(self.poll_interval, remaining)


def dig(data: Any, dotted: str) -> Any:
    """The value at a dotted path of object keys (``status_details.progress``) in a JSON value, or None."""
    for key in dotted.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data
