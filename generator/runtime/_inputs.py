"""Turn command-line paths into payloads: .json files, .jsonl lines, .har captures, folders, stdin.

Large inputs are cut into *units* (a file, or a byte range of a JSONL file that starts and ends at line
boundaries), and units are grouped into *batches* of about the same size, so that ``--jobs`` can hand
batches to worker processes, each reading its own units. Standard input cannot be read twice: it is read
here, as it comes, into payloads that are batched like units.

Nothing is lost without a word: a path that cannot be read, a file that shrinks while it is read, a pipe
with no writer, a folder with nothing to validate or with files of other kinds is named on standard error
(a problem, which makes the exit status 2, or a note, which does not).
"""

from __future__ import annotations

import itertools
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

PAYLOAD_SUFFIXES = (".json", ".jsonl", ".har")
_HAR_START = re.compile(rb'\A(?:\xef\xbb\xbf)?[ \t\r\n]*\{[ \t\r\n]*"log"[ \t\r\n]*:[ \t\r\n]*\{')
CHUNK = 1 << 20  # bytes of JSONL per unit, and of input per batch: many batches balance the workers
TAIL = 2 * CHUNK  # the end of a cut JSONL file, cut in pieces of CHUNK // 4: the processes of --jobs finish
# within a small piece of each other instead of a whole one (on a single large file, the usual --jobs input)
BATCH_FILES = 256  # units per batch at most: many small files still make many batches
BLANK = b" \t\r\n"  # JSON's whitespace: a line of these alone is no payload (bytes.strip() also takes \v, \f)
NAMED_SKIPPED = 5  # files of other kinds named in a folder's note, the rest counted


@dataclass(frozen=True)
class Request:
    """The request of a captured exchange, as ``evaljobs._validation.request_checks`` checks it: ``path`` as sent (not
    decoded), ``query`` its parameters in order (decoded), ``body`` None when none was sent, ``body_problem`` a
    body that could not be read (its base64 does not decode), ``url`` the whole URL (its scheme and host: which
    server it was sent to), ``headers`` in order, names in lower case."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    media_type: str = ""
    body_problem: str | None = None
    url: str = ""
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Payload:
    """One payload to validate (``exchange``: the method, path and status a HAR entry captured, ``request`` its
    request), or an I/O problem (``problem``) or a skipped capture (``skipped``) in its place. A HAR entry whose
    response is skipped keeps its ``request``: it is still checked."""

    source: str
    data: bytes = b""
    exchange: tuple[str, str, int] | None = None
    problem: str | None = None
    skipped: str | None = None
    request: Request | None = None
    media_type: str = ""
    """The media type of a captured response's body ("" without a body, or for a bare payload)."""
    started: str = ""
    """When the exchange started, as its capture wrote it (a HAR entry's ``startedDateTime``; "" when unknown)."""

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class Unit:
    """A piece of input one process reads whole: a file, or lines ``[start, end)`` of a JSONL file
    (``first_line`` to ``last_line``)."""

    path: str
    start: int = 0
    end: int = -1
    first_line: int = 1
    size: int = 0
    last_line: int = 0

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
    from evaljobs import _storage  # noqa: PLC0415 - URLs and compressed files (it imports this module)

    for name in paths:
        if _storage.located(name):
            yield from _storage.units(name)
            continue
        if name == "-":
            yield from _stdin()
            continue
        path = Path(name)
        try:
            if path.is_dir():
                yield from _folder(path)
            elif path.exists():
                yield from _file_units(path, os.stat(path), given=True)
            else:
                yield Payload(name, problem="no such file or folder")
        except OSError as error:
            yield Payload(name, problem=error.strerror or str(error))


def _folder(folder: Path) -> Iterator[Unit | Payload]:
    """The units of the payload files in ``folder`` and below; files of other kinds, and what is not a
    regular file (a FIFO would wait for a writer), are skipped with a note."""

    def report(error: OSError) -> None:
        raise error

    found = others = 0
    named: list[str] = []  # the first files of other kinds
    try:
        for root, folders, files in os.walk(folder, onerror=report):
            folders.sort()
            for name in sorted(files):
                path = Path(root) / name
                if not name.endswith(PAYLOAD_SUFFIXES):
                    others += 1
                    if others <= NAMED_SKIPPED:
                        named.append(str(path.relative_to(folder)))
                    continue
                found += 1
                try:
                    status = os.stat(path)
                except OSError as error:
                    yield Payload(str(path), problem=error.strerror or str(error))
                    continue
                if not stat.S_ISREG(status.st_mode):
                    note(str(path), f"skipped: not a regular file ({_kind(status.st_mode)})")
                    continue
                yield from _file_units(path, status)
    except OSError as error:
        yield Payload(str(error.filename or folder), problem=error.strerror or str(error))
    if others:
        more = f" and {others - NAMED_SKIPPED} more" if others > NAMED_SKIPPED else ""
        note(str(folder), f"skipped {others} file(s) not named .json, .jsonl or .har: {', '.join(named)}{more}")
    if not found:
        note(str(folder), "no .json, .jsonl or .har file in this folder")


def _kind(mode: int) -> str:
    for test, kind in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device")):
        if test(mode):
            return kind
    return "a block device" if stat.S_ISBLK(mode) else "not a file"


def _file_units(path: Path, status: os.stat_result, *, given: bool = False) -> Iterator[Unit | Payload]:
    """The units of one file: a regular file, or (``given`` on the command line) a pipe, read once whole by
    whichever process gets it (``<(command)`` in a shell is one)."""
    if stat.S_ISFIFO(status.st_mode) and given:
        yield Unit(str(path))
        return
    if not stat.S_ISREG(status.st_mode):
        yield Payload(str(path), problem=f"not a regular file or a pipe ({_kind(status.st_mode)})")
        return
    size = status.st_size
    if path.suffix == ".jsonl" and size == 0:
        note(str(path), "empty: no payload in it")
        return
    if path.suffix != ".jsonl" or size <= CHUNK:
        yield Unit(str(path), size=size)
        return
    count = _newline_counter()
    block = memoryview(bytearray(CHUNK))  # read into, again and again: no new memory for each block
    with path.open("rb") as stream:  # cut at the first newline after every CHUNK bytes, counting lines
        start, line = 0, 1
        while start < size:
            read = stream.readinto(block if size - start > TAIL else block[: CHUNK // 4])
            if not read:
                yield Payload(str(path), problem=f"lines {line:,} to the last: {_shrank(size, start)}")
                return
            tail = stream.readline() if start + read < size else b""
            end = start + read + len(tail)
            newlines = count(block[:read]) + count(tail)
            ended = (tail[-1:] if tail else bytes(block[read - 1 : read])) == b"\n"  # (else: the file's end)
            yield Unit(str(path), start, end, line, end - start, line + newlines - ended)
            line += newlines
            start = end


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
    from evaljobs import _storage  # noqa: PLC0415 - URLs and compressed files (it imports this module)

    if isinstance(unit, _storage.Located):
        yield from _storage.payloads(unit)
        return
    path = Path(unit.path)
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
            if path.suffix == ".jsonl":
                yield from _lines(stream, unit, first)
                return
            data = first + stream.readall()
            if not piped and len(data) < unit.size:
                yield Payload(unit.path, problem=_shrank(unit.size, len(data)))
            elif path.suffix == ".har" or is_har(data):
                yield from _har(unit.path, data)
            else:
                yield Payload(unit.path, data)
        except OSError as error:
            yield Payload(unit.path, problem=error.strerror or str(error))


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
    """Standard input, read as it comes: JSON Lines when its first two non-blank lines each hold a whole
    value (then each line is a payload, validated before all of the input has come), else one payload."""
    stream = sys.stdin.buffer
    lines = _split(_blocks(getattr(stream, "read1", stream.read), -1))  # read1: what has come, not a block
    head: list[tuple[int, bytes, bool]] = []
    values = 0
    for entry in lines:
        head.append(entry)
        if entry[1].strip(BLANK):
            values += 1
            if values == 2 or not _whole_value(entry[1]):
                break
    if values == 2 and _whole_value(head[-1][1]):
        for number, line, _ in itertools.chain(head, lines):
            if line.strip(BLANK):
                yield Payload(f"<stdin>:{number}", line)
        return
    whole = b"".join(line + b"\n" if ended else line for _, line, ended in itertools.chain(head, lines))
    if is_har(whole):
        yield from _har("<stdin>", whole)
        return
    yield Payload("<stdin>", whole)


def is_har(data: bytes) -> bool:
    """Whether ``data`` is a HAR capture by its content, whatever its name (a ``.json`` file, standard input): a
    JSON object whose first key is ``log`` and holds an object, as every HAR writer puts it (its only key)."""
    return _HAR_START.match(data) is not None


def _whole_value(line: bytes) -> bool:
    stripped = line.strip(BLANK)
    return stripped[:1] in (b"{", b"[") and stripped[-1:] in (b"}", b"]")


def _har(source: str, data: bytes) -> Iterator[Payload]:
    """Each response of a HAR capture whose body is JSON, with the method, path and status it answered."""
    import json  # noqa: PLC0415 - HAR captures only
    from urllib.parse import urlsplit  # noqa: PLC0415

    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as error:
        reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        yield Payload(source, problem=f"not a HAR capture: not JSON ({reason})")
        return
    log = document.get("log") if isinstance(document, dict) else None
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(entries, list):
        if not isinstance(document, dict):
            found = f"its JSON is {_json_kind(document)}, not an object"
        elif not isinstance(log, dict):
            found = 'it has no "log" object' if log is None else f'its "log" is {_json_kind(log)}, not an object'
        else:
            found = 'it has no "log.entries" list' if entries is None else f'its "log.entries" is {_json_kind(entries)}'
        yield Payload(source, problem=f'not a HAR capture: {found} (a HAR file is {{"log": {{"entries": [...]}}}})')
        return
    for index, entry in enumerate(entries, start=1):
        try:
            request, response = entry["request"], entry["response"]
            method, url, status = str(request["method"]), str(request["url"]), int(response["status"])
            content = response.get("content") or {}
        except (KeyError, TypeError, ValueError, AttributeError):
            yield Payload(f"{source}:{index}", skipped="not a request and response")
            continue
        path = urlsplit(url).path or "/"
        started = entry.get("startedDateTime")
        started = started if isinstance(started, str) else ""
        label = f"{source}:{index} {method} {path} {status}"
        sent = _request(method, path, url, request)
        mime = str(content.get("mimeType", ""))
        text = content.get("text")
        media = mime if text not in (None, "") else ""
        if text is None or "json" not in mime.lower():
            skipped = f"no JSON body ({mime or 'no content type'})"
            yield Payload(
                label, skipped=skipped, exchange=(method, path, status), request=sent, media_type=media, started=started
            )
            continue
        body = _body(text, content.get("encoding"))
        if body is None:
            yield Payload(label, problem="its base64 body does not decode", started=started)
            continue
        yield Payload(label, body, exchange=(method, path, status), request=sent, media_type=media, started=started)


def _request(method: str, path: str, url: str, request: Any) -> Request:
    """What a HAR entry's request sent: the query of its URL (else its ``queryString`` list) and its
    ``postData`` (base64 when its ``encoding`` says so, as some tools write it)."""
    from urllib.parse import parse_qsl, urlsplit  # noqa: PLC0415 - HAR captures only

    query = tuple(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    listed = request.get("queryString")
    if not query and isinstance(listed, list):
        query = tuple(
            (str(item.get("name", "")), str(item.get("value", ""))) for item in listed if isinstance(item, dict)
        )
    listed_headers = request.get("headers")
    headers = tuple(
        (str(item.get("name", "")).lower(), str(item.get("value", "")))
        for item in (listed_headers if isinstance(listed_headers, list) else ())
        if isinstance(item, dict) and not str(item.get("name", "")).startswith(":")  # HTTP/2 pseudo-headers
    )
    posted = request.get("postData")
    if not isinstance(posted, dict) or posted.get("text") in (None, ""):
        return Request(method, path, query, url=url, headers=headers)
    media = str(posted.get("mimeType") or "")
    body = _body(posted["text"], posted.get("encoding"))
    if body is None:
        return Request(method, path, query, b"", media, "its base64 body does not decode", url, headers)
    return Request(method, path, query, body, media, url=url, headers=headers)


def _body(text: object, encoding: object) -> bytes | None:
    """A HAR body's bytes (None: base64 that does not decode)."""
    import base64  # noqa: PLC0415 - HAR captures only
    import binascii  # noqa: PLC0415

    try:
        if encoding == "base64":
            return base64.b64decode(str(text), validate=True)
        return str(text).encode("utf-8", "surrogatepass")
    except (binascii.Error, ValueError):
        return None


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return "true or false" if isinstance(value, bool) else "a number" if isinstance(value, int | float) else "an object"
