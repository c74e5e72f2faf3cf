"""Where live exchanges go: a capture file written as they come, and the same checks as ``evaljobs validate``.

A ``Recorder`` takes each exchange's HAR entry (``evaljobs._capture_record.entry``), numbers it, appends it to
its file and checks it, one exchange at a time (the proxy's threads, an async client's tasks). The file:

- HAR 1.2 (``HarFile``): always a whole document. Each entry is written with the document's closing brackets
  after it, the next one over those brackets: a proxy killed at any time leaves a file ``evaljobs validate``
  reads, every exchange finished before included.
- NDJSON (``NdjsonFile``): a line per exchange, ``{"request": ..., "response": ..., "timestamp": ...}`` with the
  HAR entry's request and response objects and its ``startedDateTime``.

The checks are ``evaljobs validate``'s own (``evaljobs._cli.validate``), on the payload the capture holds: the
report on an exchange is the one ``evaljobs validate`` gives on the file, under the same name.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from evaljobs._output import Outcome
from evaljobs._report import FailOn, Report
from evaljobs._validation.request_checks import BY_PATH, Matching

CaptureKind = Literal["har", "ndjson"]


class HarFile:
    """A HAR 1.2 file written entry by entry, a whole document after each one."""

    TAIL = b"\n]}}\n"

    def __init__(self, path: Path) -> None:
        from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

        try:
            number = version("evaljobs")
        except PackageNotFoundError:
            number = "0"
        creator = json.dumps({"name": "evaljobs", "version": number})
        head = f'{{"log": {{"version": "1.2", "creator": {creator}, "entries": [\n'.encode()
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # (it may hold tokens in bodies)
        self._end = len(head)  # where the closing brackets start: the next entry goes there
        self._count = 0
        self._write(0, head + self.TAIL)

    def add(self, found: dict[str, Any]) -> None:
        text = (b",\n" if self._count else b"") + json.dumps(found, ensure_ascii=False).encode("utf-8", "surrogatepass")
        self._write(self._end, text + self.TAIL)  # one write: the entry and the document's end
        self._end += len(text)
        self._count += 1

    def _write(self, offset: int, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.pwrite(self._fd, view, offset)
            view, offset = view[written:], offset + written

    def close(self) -> None:
        os.close(self._fd)


class NdjsonFile:
    """NDJSON traffic: a line per exchange, written whole."""

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)

    def add(self, found: dict[str, Any]) -> None:
        line = {"request": found["request"], "response": found["response"], "timestamp": found["startedDateTime"]}
        data = memoryview(json.dumps(line, ensure_ascii=False).encode("utf-8", "surrogatepass") + b"\n")
        while data:
            data = data[os.write(self._fd, data) :]

    def close(self) -> None:
        os.close(self._fd)


def open_capture(path: str | os.PathLike[str], kind: CaptureKind | None = None) -> HarFile | NdjsonFile:
    """The capture file at ``path``: NDJSON when ``kind`` says so or the name ends in .ndjson or .jsonl, else HAR."""
    where = Path(path)
    if kind is None:
        kind = "ndjson" if where.suffix.lower() in (".ndjson", ".jsonl") else "har"
    return NdjsonFile(where) if kind == "ndjson" else HarFile(where)


class Recorder:
    """Numbers, records and checks exchanges; thread-safe. ``source`` names them in reports (the capture's path,
    as ``evaljobs validate`` will name them); ``check`` False records only. ``on_outcome`` gets each exchange's
    outcome (a report, a skipped exchange, or a problem) as it is found, under the recorder's lock."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        kind: CaptureKind | None = None,
        *,
        check: bool = True,
        matching: Matching = BY_PATH,
        fail_on: FailOn = "error",
        on_outcome: Callable[[Outcome], None] | None = None,
    ) -> None:
        self.file = None if path is None else open_capture(path, kind)
        self.source = "live" if path is None else os.fspath(path)
        self.check = check
        self.matching = matching
        self.fail_on: FailOn = fail_on
        self.on_outcome = on_outcome
        self.reports: list[Report] = []
        self.skipped: list[tuple[str, str]] = []
        self.unchecked: list[tuple[str, str]] = []
        self.count = 0
        self.closed = False
        self._lock = threading.Lock()
        self._validator: Any = None

    def record(self, found: dict[str, Any]) -> Outcome | None:
        """Append the entry ``found`` to the capture and check it; its outcome (None when not checking)."""
        with self._lock:
            if self.closed:  # (an exchange that ended as the proxy stopped)
                return None
            self.count += 1
            if self.file is not None:
                self.file.add(found)
            if not self.check:
                return None
            outcome = self._outcome(f"{self.source}:{self.count}", found)
            kind, value = outcome
            if isinstance(value, Report):
                self.reports.append(value)
            elif kind == "skipped":
                self.skipped.append(value)
            else:
                self.unchecked.append(value)
            if self.on_outcome is not None:
                self.on_outcome(outcome)
            return outcome

    def _outcome(self, source: str, found: dict[str, Any]) -> Outcome:
        from evaljobs._cli.validate import _outcomes  # noqa: PLC0415 - the checks of `evaljobs validate` itself
        from evaljobs._validation.validator import Validator  # noqa: PLC0415

        if self._validator is None:
            self._validator = Validator()
        from evaljobs._har import har_entry_payload  # noqa: PLC0415 - the HAR reader's own, as `validate` reads it

        sent = har_entry_payload(found, source)
        return next(iter(_outcomes(sent, self._validator, self.matching)))

    @property
    def problems(self) -> list[Report]:
        """The reports that fail at ``fail_on`` (by default: those with errors)."""
        return [report for report in self.reports if report.fails(self.fail_on)]

    def close(self) -> None:
        with self._lock:
            self.closed = True
            if self.file is not None:
                self.file.close()
                self.file = None
