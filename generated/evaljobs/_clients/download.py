"""Binary downloads: where the bytes of a download operation go, chunk by chunk, and what the call returns.

A download is never held whole in memory. Given a path, the bytes go to a temporary file beside it
(``.<name>.<random>.part``) that is renamed over the path only once the body is complete, so the path holds
either its old content or the whole new file, never a part; a failed or interrupted download removes the
temporary file. Given a binary file object, the bytes are written to it from its current position; a retry
after a body broken off midway rewinds it when it can seek, and is not attempted when it cannot.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

__all__ = ["Destination", "Download", "ProgressCallback", "Sink"]

Destination = str | os.PathLike[str] | IO[bytes]
"""A path (written atomically) or a binary file object open for writing."""
ProgressCallback = Callable[[int, int | None], object]
"""``on_progress(bytes_done, total)``: ``total`` is the announced length, None when the server did not say."""
CHUNK_SIZE = 1 << 16


@dataclass(frozen=True)
class Download:
    """What a download call wrote: the ``path`` (None for a file object), the ``bytes_written``, the response's
    ``content_type`` and ``status_code``, and its ``request_id`` where the API sends one."""

    path: Path | None
    bytes_written: int
    content_type: str | None
    status_code: int
    request_id: str | None = None


class Sink:
    """One download's destination: ``begin()`` before each attempt's body, ``write()`` each chunk, then
    ``commit()`` once the body is complete or ``abort()`` on any failure."""

    def __init__(self, destination: Destination, on_progress: ProgressCallback | None) -> None:
        if isinstance(destination, str | os.PathLike):
            self.path: Path | None = Path(destination)
            self._file: IO[bytes] | None = None
            self._start: int | None = None
        else:
            self.path = None
            self._file = destination
            self._start = _position(destination)
        self._on_progress = on_progress
        self._temporary: Path | None = None
        self.written = 0
        self.total: int | None = None
        self.used = False

    @property
    def can_restart(self) -> bool:
        """Whether a retry may write the body again from its start (a path, or a file object that seeks)."""
        return not self.used or self.path is not None or self._start is not None

    def begin(self, response: httpx.Response) -> None:
        """Start (or restart) writing the body of ``response``."""
        if self.path is not None:
            self._discard()
            handle, name = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".part")
            self._temporary = Path(name)
            self._file = os.fdopen(handle, "wb")
        elif self.used and self._start is not None and self._file is not None:
            self._file.seek(self._start)
            self._file.truncate()
        self.used = True
        self.written = 0
        length = response.headers.get("content-length")
        encoded = response.headers.get("content-encoding", "identity").lower() not in ("", "identity")
        self.total = int(length) if length and length.isdigit() and not encoded else None
        self._report()

    def write(self, chunk: bytes) -> None:
        assert self._file is not None
        self._file.write(chunk)
        self.written += len(chunk)
        self._report()

    def commit(self) -> Path | None:
        """The body is complete: rename the temporary file over the path (or flush the file object)."""
        assert self._file is not None
        if self.path is None:
            self._file.flush()
            return None
        self._file.close()
        assert self._temporary is not None
        os.replace(self._temporary, self.path)
        self._temporary = None
        return self.path

    def abort(self) -> None:
        """Give up: remove the temporary file; the path keeps what it held before."""
        self._discard()

    def _discard(self) -> None:
        if self._temporary is None:
            return
        if self._file is not None:
            self._file.close()
        self._temporary.unlink(missing_ok=True)
        self._temporary = None

    def _report(self) -> None:
        if self._on_progress is not None:
            self._on_progress(self.written, self.total)


def _position(file: IO[bytes]) -> int | None:
    try:
        return file.tell() if file.seekable() else None
    except (OSError, ValueError):
        return None
