"""Turn command-line paths into payloads: .json files, .jsonl lines, .har captures, NDJSON traffic logs, folders,
stdin.

Large inputs are cut into *units* (a file, or a byte range of a JSONL file that starts and ends at line
boundaries, or of a HAR file that holds whole entries: see evaljobs._har), and units are grouped into *batches*
of about the same size, so that ``--jobs`` can hand batches to worker processes, each reading its own units.
Standard input cannot be read twice: it is read here, as it comes, into payloads that are batched like units.

Nothing is lost without a word: a path that cannot be read, a file that shrinks while it is read, a pipe
with no writer, a folder with nothing to validate or with files of other kinds is named on standard error
(a problem, which makes the exit status 2, or a note, which does not).
"""

from __future__ import annotations

import errno
import itertools
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import BinaryIO

from evaljobs._record import FrozenRecord

PAYLOAD_SUFFIXES = (".json", ".jsonl", ".ndjson", ".har")
LINE_SUFFIXES = (".jsonl", ".ndjson")  # one payload (or exchange) a line
_HAR_START = re.compile(rb'\A(?:\xef\xbb\xbf)?[ \t\r\n]*\{[ \t\r\n]*"log"[ \t\r\n]*:[ \t\r\n]*\{')
_HAR_SO_FAR = re.compile(
    rb'(?:\xef\xbb\xbf)?[ \t\r\n]*(?:\{[ \t\r\n]*(?:"(?:l(?:o(?:g(?:"[ \t\r\n]*:?)?)?)?)?)?)?[ \t\r\n]*'
)
# ^ what could still be the start of a HAR, but is too short to tell
_LINE = re.compile(rb"[ \t\r\n]*[^ \t\r\n][^\n]*\n")  # a first non-blank line, whole
CHUNK = 1 << 20  # bytes of JSONL per unit, and of input per batch: many batches balance the workers
TAIL = 2 * CHUNK  # the end of a cut JSONL file, cut in pieces of CHUNK // 4: the processes of --jobs finish
# within a small piece of each other instead of a whole one (on a single large file, the usual --jobs input)
BATCH_FILES = 256  # units per batch at most: many small files still make many batches
COMPRESSED_SUFFIXES = (".gz", ".zst", ".zstd")
"""The names of compressed files, which ``evaljobs._storage`` reads (its COMPRESSIONS)."""
BLANK = b" \t\r\n"  # JSON's whitespace: a line of these alone is no payload (bytes.strip() also takes \v, \f)
NAMED_SKIPPED = 5  # files of other kinds named in a folder's note, the rest counted
_NAMES = ".json, .jsonl, .ndjson or .har"


class Request(FrozenRecord):
    """The request of a captured exchange, as ``evaljobs._validation.request_checks`` checks it: ``path`` as sent (not
    decoded), ``query`` its parameters in order (decoded), ``body`` None when none was sent, ``body_problem`` a
    body that could not be read (its base64 does not decode), ``url`` the whole URL (its scheme and host: which
    server it was sent to), ``headers`` in order, names in lower case."""

    _fields = ("method", "path", "query", "body", "media_type", "body_problem", "url", "headers")
    __slots__ = _fields
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    body: bytes | None
    media_type: str
    body_problem: str | None
    url: str
    headers: tuple[tuple[str, str], ...]

    def __init__(  # noqa: PLR0917 - a dataclass's signature: the fields in order
        self,
        method: str,
        path: str,
        query: tuple[tuple[str, str], ...] = (),
        body: bytes | None = None,
        media_type: str = "",
        body_problem: str | None = None,
        url: str = "",
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        setter = object.__setattr__
        setter(self, "method", method)
        setter(self, "path", path)
        setter(self, "query", query)
        setter(self, "body", body)
        setter(self, "media_type", media_type)
        setter(self, "body_problem", body_problem)
        setter(self, "url", url)
        setter(self, "headers", headers)


class Payload(FrozenRecord):
    """One payload to validate (``exchange``: the method, path and status a HAR entry captured, ``request`` its
    request), or an I/O problem (``problem``) or a skipped capture (``skipped``) in its place. A HAR entry whose
    response is skipped keeps its ``request``: it is still checked. ``media_type``: the media type of a captured
    response's body ("" without a body, or for a bare payload). ``started``: when the exchange started, as its
    capture wrote it (a HAR entry's ``startedDateTime``; "" when unknown)."""

    _fields = ("source", "data", "exchange", "problem", "skipped", "request", "media_type", "started")
    __slots__ = _fields
    source: str
    data: bytes
    exchange: tuple[str, str, int] | None
    problem: str | None
    skipped: str | None
    request: Request | None
    media_type: str
    started: str

    def __init__(  # noqa: PLR0917 - a dataclass's signature: the fields in order
        self,
        source: str,
        data: bytes = b"",
        exchange: tuple[str, str, int] | None = None,
        problem: str | None = None,
        skipped: str | None = None,
        request: Request | None = None,
        media_type: str = "",
        started: str = "",
    ) -> None:
        setter = object.__setattr__
        setter(self, "source", source)
        setter(self, "data", data)
        setter(self, "exchange", exchange)
        setter(self, "problem", problem)
        setter(self, "skipped", skipped)
        setter(self, "request", request)
        setter(self, "media_type", media_type)
        setter(self, "started", started)

    @property
    def size(self) -> int:
        return len(self.data)


class Unit(FrozenRecord):
    """A piece of input one process reads whole: a file, or lines ``[start, end)`` of a JSONL file
    (``first_line`` to ``last_line``), or entries ``first_line`` to ``last_line`` of a HAR file (``kind`` "har",
    ``ends``: where each ends, from ``start``). ``kind``: what the file holds, where its first bytes were read
    to cut it ("lines" of payloads, "har", or a kind of traffic log, see evaljobs._traffic); "" when the reader
    decides."""

    _fields: tuple[str, ...] = ("path", "start", "end", "first_line", "size", "last_line", "kind", "ends")
    __slots__ = _fields
    path: str
    start: int
    end: int
    first_line: int
    size: int
    last_line: int
    kind: str
    ends: tuple[int, ...]

    def __init__(  # noqa: PLR0917 - a dataclass's signature: the fields in order
        self,
        path: str,
        start: int = 0,
        end: int = -1,
        first_line: int = 1,
        size: int = 0,
        last_line: int = 0,
        kind: str = "",
        ends: tuple[int, ...] = (),
    ) -> None:
        setter = object.__setattr__
        setter(self, "path", path)
        setter(self, "start", start)
        setter(self, "end", end)
        setter(self, "first_line", first_line)
        setter(self, "size", size)
        setter(self, "last_line", last_line)
        setter(self, "kind", kind)
        setter(self, "ends", ends)

    @property
    def where(self) -> str:
        """The file, or its lines this unit holds: what a message about the unit names."""
        return f"{self.path}:{self.first_line}-{self.last_line}" if self.end >= 0 else self.path


def note(source: str, message: str) -> None:
    """A word on standard error about the input that does not change the exit status."""
    sys.stderr.write(f"evaljobs: {source}: {message}\n")


def units(paths: Sequence[str]) -> Iterator[Unit | Payload]:
    """The units of ``paths`` in order (standard input's payloads themselves); a path that cannot be read
    yields a Payload with its problem."""
    for name in paths:
        if "://" in name or name.endswith(COMPRESSED_SUFFIXES):  # perhaps a URL or a compressed file
            from evaljobs import _storage  # noqa: PLC0415 - only for those (it imports this module)

            if _storage.located(name):
                yield from _storage.units(name)
                continue
        if name == "-":
            yield from _stdin()
            continue
        path = _normal(name)
        try:
            status = _stat(path)
            if status is None:
                yield Payload(name, problem="no such file or folder")
            elif stat.S_ISDIR(status.st_mode):
                yield from _folder(path)
            else:
                yield from _file_units(path, status, given=True)
        except OSError as error:
            yield Payload(name, problem=error.strerror or str(error))


# Paths are strings here, named as pathlib names them (``./a//b.json`` is ``a/b.json``), without importing it
# (with urllib.parse and ipaddress: a few ms of the command's start-up), except for a path it would rewrite.
_MISSING = frozenset((errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP))
"""The errors of ``os.stat`` for which ``pathlib.Path.exists()`` says False instead of raising."""


def _normal(name: str) -> str:
    """``str(pathlib.Path(name))``: ``name`` itself when pathlib would keep it as it is."""
    if (
        os.name == "posix"
        and name not in ("", ".")
        and "//" not in name
        and "/./" not in name
        and not name.startswith("./")
        and not name.endswith(("/", "/."))
    ):
        return name
    from pathlib import Path  # noqa: PLC0415 - only for a name it rewrites

    return str(Path(name))


def _stat(path: str) -> os.stat_result | None:
    """``os.stat(path)``, or None where ``pathlib.Path(path).exists()`` is False; its other errors raised."""
    try:
        return os.stat(path)
    except OSError as error:
        if error.errno in _MISSING:
            return None
        raise
    except ValueError:  # an embedded null byte
        return None


def _suffix(path: str) -> str:
    """``pathlib.PurePath(path).suffix`` of a path named as pathlib names it (see _normal)."""
    name = path.rpartition("/")[2]
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def _folder(folder: str) -> Iterator[Unit | Payload]:
    """The units of the payload files in ``folder`` and below (compressed ones too: ``.jsonl.gz``, ``.har.zst``);
    files of other kinds, and what is not a regular file (a FIFO would wait for a writer), are skipped with a
    note."""

    from evaljobs import _storage  # noqa: PLC0415 - compressed files (it imports this module)

    def report(error: OSError) -> None:
        raise error

    found = others = 0
    named: list[str] = []  # the first files of other kinds
    try:
        for root, folders, files in os.walk(folder, onerror=report):
            folders.sort()
            for name in sorted(files):
                path = _normal(os.path.join(root, name))
                if _storage.compressed_payloads(name):  # a .jsonl.gz, .har.zst...: read as it is decompressed
                    found += 1
                    yield from _storage.units(path)
                    continue
                if not name.endswith(PAYLOAD_SUFFIXES):
                    others += 1
                    if others <= NAMED_SKIPPED:
                        named.append(path if folder == "." else path[len(folder) :].lstrip("/"))
                    continue
                found += 1
                try:
                    status = os.stat(path)
                except OSError as error:
                    yield Payload(path, problem=error.strerror or str(error))
                    continue
                if not stat.S_ISREG(status.st_mode):
                    note(path, f"skipped: not a regular file ({_kind(status.st_mode)})")
                    continue
                yield from _file_units(path, status)
    except OSError as error:
        yield Payload(str(error.filename or folder), problem=error.strerror or str(error))
    if others:
        more = f" and {others - NAMED_SKIPPED} more" if others > NAMED_SKIPPED else ""
        note(folder, f"skipped {others} file(s) not named {_NAMES}: {', '.join(named)}{more}")
    if not found:
        note(folder, f"no {_NAMES} file in this folder")


def _kind(mode: int) -> str:
    for test, kind in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device")):
        if test(mode):
            return kind
    return "a block device" if stat.S_ISBLK(mode) else "not a file"


def _file_units(path: str, status: os.stat_result, *, given: bool = False) -> Iterator[Unit | Payload]:
    """The units of one file: a regular file, or (``given`` on the command line) a pipe, read once whole by
    whichever process gets it (``<(command)`` in a shell is one)."""
    if stat.S_ISFIFO(status.st_mode) and given:
        yield Unit(path)
        return
    if not stat.S_ISREG(status.st_mode):
        yield Payload(path, problem=f"not a regular file or a pipe ({_kind(status.st_mode)})")
        return
    size = status.st_size
    if _suffix(path) in LINE_SUFFIXES and size == 0:
        note(path, "empty: no payload in it")
        return
    if size <= CHUNK:
        yield Unit(path, size=size)
        return
    with open(path, "rb") as stream:
        head = stream.read(CHUNK)
    if _suffix(path) == ".har" or is_har(head):
        yield from _har_units(path, size)
        return
    kind = _traffic_kind(head)
    if kind is None and _suffix(path) not in LINE_SUFFIXES:
        yield Unit(path, size=size)
        return
    yield from _line_units(path, size, kind or "lines")


def _line_units(path: str, size: int, kind: str) -> Iterator[Unit | Payload]:
    """A file of lines (payloads, or exchanges of a traffic log) cut into ranges of whole lines."""
    count = _newline_counter()
    block = memoryview(bytearray(CHUNK))  # read into, again and again: no new memory for each block
    with open(path, "rb") as stream:  # cut at the first newline after every CHUNK bytes, counting lines
        start, line = 0, 1
        while start < size:
            read = stream.readinto(block if size - start > TAIL else block[: CHUNK // 4])
            if not read:
                yield Payload(path, problem=f"lines {line:,} to the last: {_shrank(size, start)}")
                return
            tail = stream.readline() if start + read < size else b""
            end = start + read + len(tail)
            newlines = count(block[:read]) + count(tail)
            ended = (tail[-1:] if tail else bytes(block[read - 1 : read])) == b"\n"  # (else: the file's end)
            yield Unit(path, start, end, line, end - start, line + newlines - ended, kind)
            line += newlines
            start = end


def _piece(size: int) -> Callable[[int], int]:
    """How many bytes a piece of a cut file holds from an offset: CHUNK, and CHUNK // 4 in its last TAIL bytes."""
    return lambda offset: CHUNK if size - offset > TAIL else CHUNK // 4


def _har_units(path: str, size: int) -> Iterator[Unit | Payload]:
    """A HAR file cut into ranges of whole entries (read through once, here, to find them)."""
    from evaljobs._har import Cut, ranges  # noqa: PLC0415 - HAR captures only

    with open(path, "rb") as stream:
        for cut in ranges(path, stream.read, size, _piece(size)):
            if isinstance(cut, Cut):
                ends = tuple(cut.ends)
                yield Unit(path, cut.start, cut.end, cut.first, cut.end - cut.start, cut.last, "har", ends)
            else:
                yield cut


def _traffic_kind(head: bytes) -> str | None:
    """The kind of traffic log whose first bytes are ``head``, by its first non-blank line (None: not one)."""
    for line in head.split(b"\n")[:-1] if b"\n" in head else [head]:
        stripped = line.strip(BLANK)
        if stripped:
            if stripped[:1] != b"{" or stripped[-1:] != b"}":  # not a JSON object (a pretty-printed file's "{"):
                return None  # no traffic line, told without importing _traffic (orjson: start-up)
            from evaljobs._traffic import line_kind  # noqa: PLC0415 - (orjson and the log kinds)

            return line_kind(line)
    return None


def _shrank(listed: int, found: int) -> str:
    return f"not validated: the file shrank while it was read ({listed:,} bytes when listed, {found:,} then)"


def _newline_counter() -> Callable[[bytes | memoryview], int]:
    """Counts the newlines of a block: the native scanner's count (a ``memchr`` loop, without copying the
    block), else ``bytes.count``."""
    from evaljobs._validation.targets import native_scanner  # noqa: PLC0415 - large JSONL files only

    scanner = native_scanner()
    if scanner is not None:
        return scanner.newlines  # type: ignore[no-any-return]
    return lambda block: bytes(block).count(b"\n")


def batches(work: Iterable[Unit | Payload]) -> Iterator[list[Unit | Payload]]:
    """``work`` in consecutive groups of about CHUNK bytes: what one process validates in one go. A piece of
    a cut JSONL file is a group by itself (its size was chosen). The groups depend on the input alone, never
    on ``--jobs``."""
    batch: list[Unit | Payload] = []
    size = 0
    for item in work:
        piece = isinstance(item, Unit) and item.end >= 0
        if piece and batch:
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += item.size
        if piece or size >= CHUNK or len(batch) >= BATCH_FILES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def payloads(unit: Unit) -> Iterator[Payload]:
    """The payloads of one unit; a file that shrank since it was listed is a problem naming what was not
    read, and a pipe is read only if a process writes to it."""
    _storage = sys.modules.get("evaljobs._storage")  # (a Located unit comes from it: then it is imported)
    if _storage is not None and isinstance(unit, _storage.Located):
        yield from _storage.payloads(unit)
        return
    suffix = _suffix(unit.path)
    try:
        fd = os.open(unit.path, os.O_RDONLY | os.O_NONBLOCK)  # (a FIFO's open would wait for a writer)
    except OSError as error:
        yield Payload(unit.path, problem=error.strerror or str(error))
        return
    with open(fd, "rb", buffering=0) as stream:
        try:
            first = b""
            piped = stat.S_ISFIFO(os.fstat(fd).st_mode)
            if piped:
                started = _first_bytes(fd)
                if started is None:
                    yield Payload(unit.path, problem="not read: a pipe with no writer, so nothing to read")
                    return
                first = started
            os.set_blocking(fd, True)
            if unit.kind == "har":
                yield from _har_range(stream, unit)
                return
            if unit.kind or suffix in LINE_SUFFIXES:
                yield from _exchanges(_lines(stream, unit, first), unit.kind)
                return
            head = _head(stream.read, first)
            if suffix == ".har" or is_har(head):
                yield from _har_file(stream, unit, head, piped=piped)
                return
            kind = _traffic_kind(head)
            if kind is not None:
                yield from _exchanges(
                    _numbered(unit.path, _split(itertools.chain((head,), _blocks(stream.read, -1)))), kind
                )
                return
            data = head + stream.readall()
            if not piped and len(data) < unit.size:
                yield Payload(unit.path, problem=_shrank(unit.size, len(data)))
            else:
                yield Payload(unit.path, data)
        except OSError as error:
            yield Payload(unit.path, problem=error.strerror or str(error))


def _head(read: Callable[[int], bytes], first: bytes = b"") -> bytes:
    """The first bytes of an input (``first``: those read already): through its first non-blank line, and far
    enough to tell a HAR from other JSON (``{``, ``"log"`` and ``:`` may each be on a line of their own); CHUNK
    bytes at most, and all of it if shorter."""
    head = first
    while len(head) < CHUNK and (_HAR_SO_FAR.fullmatch(head[:4096]) or not _LINE.match(head)):
        block = read(CHUNK - len(head))
        if not block:
            break
        head += block
    return head


def _har_file(stream: BinaryIO, unit: Unit, head: bytes, *, piped: bool) -> Iterator[Payload]:
    """The payloads of a whole HAR file (or pipe), read entry by entry; a file that shrank since it was listed
    is a problem after them."""
    from evaljobs._har import read_har  # noqa: PLC0415 - HAR captures only

    read = 0

    def counted(size: int) -> bytes:
        nonlocal read
        block = stream.read(size)
        read += len(block)
        return block

    yield from read_har(unit.path, counted, head)
    if not piped and len(head) + read < unit.size:
        yield Payload(unit.path, problem=_shrank(unit.size, len(head) + read))


def _har_range(stream: BinaryIO, unit: Unit) -> Iterator[Payload]:
    """The payloads of a range of entries of a HAR file (``unit.ends``: where each ends)."""
    from evaljobs._har import range_payloads  # noqa: PLC0415 - HAR captures only

    stream.seek(unit.start)
    data = stream.read(unit.end - unit.start)
    if len(data) < unit.end - unit.start:
        found = os.fstat(stream.fileno()).st_size
        problem = f"entries {unit.first_line:,} to {unit.last_line:,}: {_shrank(unit.end, found)}"
        yield Payload(unit.path, problem=problem)
        return
    yield from range_payloads(unit.path, data, unit.ends, unit.first_line, unit.start)


def _numbered(source: str, lines: Iterable[tuple[int, bytes, bool]]) -> Iterator[Payload]:
    for number, line, _ in lines:
        if line.strip(BLANK):
            yield Payload(f"{source}:{number}", line)


def _exchanges(lines: Iterator[Payload], kind: str) -> Iterator[Payload]:
    """The lines of a file as they are: payloads (``kind`` "lines"), or the exchanges of a traffic log of
    ``kind``; "": decided by the first line."""
    if kind == "lines":
        yield from lines
        return
    first = next(lines, None)
    if first is None:
        return
    if not kind:
        kind = (_traffic_kind(first.data) if first.problem is None else None) or "lines"
    if kind == "lines":
        yield first
        yield from lines
        return
    from evaljobs._traffic import line_payload  # noqa: PLC0415 - traffic logs only

    for payload in itertools.chain((first,), lines):
        yield payload if payload.problem is not None else line_payload(payload.data, payload.source, kind)


def _first_bytes(fd: int) -> bytes | None:
    """What a pipe holds already (perhaps nothing yet), or None when no process writes to it: a named pipe
    nobody has opened for writing would make a read wait forever, so it is not read. (A writer still
    blocked in its open counts as one; so does the command of a shell's ``<(command)``.)"""
    try:
        first = os.read(fd, CHUNK)
    except BlockingIOError:  # empty, but written to: its data will come
        return b""
    return first or None


def _lines(stream: BinaryIO, unit: Unit, first: bytes = b"") -> Iterator[Payload]:
    """The payloads of a unit of a JSONL file (``first``: its first bytes, already read from a pipe). A
    pipe is read as it comes; a file's unit (CHUNK bytes and a line at most) at once, and if the file
    shrank meanwhile, the lines read are kept and the rest is a problem (a line cut short is no payload)."""
    if first or not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
        for number, line, _ in _split(itertools.chain((first,), _blocks(stream.read, -1)), unit.first_line):
            if line.strip(BLANK):
                yield Payload(f"{unit.path}:{number}", line)
        return
    if unit.start:
        stream.seek(unit.start)
    data = stream.read(unit.end - unit.start) if unit.end >= 0 else stream.read()
    expected = unit.end - unit.start if unit.end >= 0 else unit.size  # its bytes when it was listed
    shrank = len(data) < expected
    lines = data.split(b"\n")
    del data  # (a long line is held once)
    last = lines.pop()  # what follows the last newline: nothing, a last line without one, or a line cut short
    if last and not shrank:
        lines.append(last)
    for offset, line in enumerate(lines):
        if line.strip(BLANK):
            yield Payload(f"{unit.path}:{unit.first_line + offset}", line)
    if shrank:
        following = unit.first_line + len(lines)
        to = f"{unit.last_line:,}" if unit.last_line >= following else "the last"
        found = os.fstat(stream.fileno()).st_size
        yield Payload(unit.path, problem=f"lines {following:,} to {to}: {_shrank(unit.start + expected, found)}")


def _blocks(read: Callable[[int], bytes], remaining: int) -> Iterator[bytes]:
    """What ``read`` gives, ``remaining`` bytes of it (all if -1), in blocks of at most CHUNK."""
    while remaining:
        block = read(CHUNK if remaining < 0 else min(CHUNK, remaining))
        if not block:
            return
        if remaining > 0:
            remaining -= len(block)
        yield block


def _split(blocks: Iterable[bytes], first: int = 1) -> Iterator[tuple[int, bytes, bool]]:
    """The lines of ``blocks`` numbered from ``first``, without their newline, each with whether a newline
    ended it (the last one may have none: at the end of the file, or where a shrunk file stopped)."""
    number = first
    pending: list[bytes] = []  # the start of a line that goes on in the next block (a long line: many)
    for block in blocks:
        if b"\n" not in block:
            pending.append(block)
            continue
        lines = block.split(b"\n")
        if pending:
            lines[0] = b"".join((*pending, lines[0]))  # (joined once: no copy of a long line per block)
        pending = [lines.pop()] if lines[-1] else []
        for line in lines:
            yield number, line, True
            number += 1
    if pending:
        yield number, b"".join(pending), False


def _stdin() -> Iterator[Payload]:
    """Standard input, read as it comes (``read_stream``)."""
    stream = sys.stdin.buffer
    yield from read_stream("<stdin>", getattr(stream, "read1", stream.read))  # read1: what has come, not a block


def read_stream(source: str, read: Callable[[int], bytes]) -> Iterator[Payload]:
    """The payloads of an input read once, as it comes, through ``read(size)`` (standard input, a stream opened
    elsewhere), by its content: a HAR capture (entry by entry) when it starts as one; a traffic log when its first
    non-blank line is one; JSON Lines when its first two non-blank lines each hold a whole value (then each line
    is a payload, ``source:line``, validated before all of the input has come); else one payload."""
    first = _head(read)
    if is_har(first):
        from evaljobs._har import read_har  # noqa: PLC0415 - HAR captures only

        yield from read_har(source, read, first)
        return
    lines = _split(_blocks(read, -1) if not first else itertools.chain((first,), _blocks(read, -1)))
    head: list[tuple[int, bytes, bool]] = []
    values = 0
    kind = None
    for entry in lines:
        head.append(entry)
        if entry[1].strip(BLANK):
            values += 1
            if values == 1 and _whole_value(entry[1]):
                kind = _traffic_kind(entry[1])
            if kind or values == 2 or not _whole_value(entry[1]):
                break
    if kind or (values == 2 and _whole_value(head[-1][1])):
        yield from _exchanges(_numbered(source, itertools.chain(head, lines)), kind or "lines")
        return
    whole = b"".join(line + b"\n" if ended else line for _, line, ended in itertools.chain(head, lines))
    yield Payload(source, whole)


def is_har(data: bytes) -> bool:
    """Whether ``data`` is a HAR capture by its content, whatever its name (a ``.json`` file, standard input): a
    JSON object whose first key is ``log`` and holds an object, as every HAR writer puts it (its only key)."""
    return _HAR_START.match(data) is not None


def _whole_value(line: bytes) -> bool:
    stripped = line.strip(BLANK)
    return stripped[:1] in (b"{", b"[") and stripped[-1:] in (b"}", b"]")
