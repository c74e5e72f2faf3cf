"""Turn command-line paths into payloads: .json files, .jsonl lines, .har captures, folders, stdin.

Large inputs are cut into *units* (a file, or a byte range of a JSONL file that starts and ends at line
boundaries), and units are grouped into *batches* of about the same size, so that ``--jobs`` can hand
batches to worker processes, each reading its own units.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

PAYLOAD_SUFFIXES = (".json", ".jsonl", ".har")
CHUNK = 1 << 20  # bytes of JSONL per unit, and of input per batch: many batches balance the workers
TAIL = 2 * CHUNK  # the end of a cut JSONL file, cut in pieces of CHUNK // 4: the processes of --jobs finish
# within a small piece of each other instead of a whole one (on a single large file, the usual --jobs input)
BATCH_FILES = 256  # units per batch at most: many small files still make many batches


@dataclass(frozen=True)
class Payload:
    """One payload to validate (``exchange``: the method, path and status a HAR entry captured), or an I/O
    problem (``problem``) or a skipped capture (``skipped``) in its place."""

    source: str
    data: bytes = b""
    exchange: tuple[str, str, int] | None = None
    problem: str | None = None
    skipped: str | None = None


@dataclass(frozen=True)
class Unit:
    """A piece of input one process reads whole: a file, or lines ``[start, end)`` of a JSONL file."""

    path: str
    start: int = 0
    end: int = -1
    first_line: int = 1
    size: int = 0


def units(paths: Sequence[str]) -> Iterator[Unit | Payload]:
    """The units of ``paths`` in order; a path that cannot be read yields a Payload with its problem."""
    for name in paths:
        if name == "-":
            yield Unit("-")
            continue
        path = Path(name)
        try:
            if path.is_dir():
                yield from _folder(path)
            elif path.exists():
                yield from _file_units(path)
            else:
                yield Payload(name, problem="no such file or folder")
        except OSError as error:
            yield Payload(name, problem=error.strerror or str(error))


def _folder(folder: Path) -> Iterator[Unit | Payload]:
    def report(error: OSError) -> None:
        raise error

    try:
        for root, folders, files in os.walk(folder, onerror=report):
            folders.sort()
            for name in sorted(files):
                if name.endswith(PAYLOAD_SUFFIXES):
                    yield from _file_units(Path(root) / name)
    except OSError as error:
        yield Payload(str(error.filename or folder), problem=error.strerror or str(error))


def _file_units(path: Path) -> Iterator[Unit | Payload]:
    try:
        size = path.stat().st_size
    except OSError as error:
        yield Payload(str(path), problem=error.strerror or str(error))
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
                break  # the file got shorter meanwhile
            tail = stream.readline() if start + read < size else b""
            end = start + read + len(tail)
            yield Unit(str(path), start, end, line, end - start)
            line += count(block[:read]) + count(tail)
            start = end


def _newline_counter() -> Callable[[bytes | memoryview], int]:
    """Counts the newlines of a block: the native scanner's count (a ``memchr`` loop, without copying the
    block), else ``bytes.count``."""
    from evaljobs._registry import native_scanner  # noqa: PLC0415 - large JSONL files only

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
        size += item.size if isinstance(item, Unit) else 0
        if piece or size >= CHUNK or len(batch) >= BATCH_FILES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def payloads(unit: Unit) -> Iterator[Payload]:
    """The payloads of one unit."""
    if unit.path == "-":
        yield from _stdin()
        return
    path = Path(unit.path)
    try:
        if path.suffix == ".jsonl":
            yield from _lines(path, unit)
        elif path.suffix == ".har":
            yield from _har(unit.path, path.read_bytes())
        else:
            yield Payload(unit.path, path.read_bytes())
    except OSError as error:
        yield Payload(unit.path, problem=error.strerror or str(error))


def _lines(path: Path, unit: Unit) -> Iterator[Payload]:
    with path.open("rb") as stream:
        stream.seek(unit.start)
        remaining = unit.end - unit.start if unit.end >= 0 else -1
        data = stream.read(remaining) if remaining >= 0 else stream.read()
    for number, line in enumerate(data.split(b"\n"), start=unit.first_line):
        if line.strip():
            yield Payload(f"{unit.path}:{number}", line)


def _stdin() -> Iterator[Payload]:
    """Standard input: one JSON payload, or JSON Lines when it is several lines that each hold a value."""
    data = sys.stdin.buffer.read()
    lines = [line for line in data.split(b"\n") if line.strip()]
    if len(lines) > 1 and all(_whole_value(line) for line in lines):
        for number, line in enumerate(data.split(b"\n"), start=1):
            if line.strip():
                yield Payload(f"<stdin>:{number}", line)
        return
    yield Payload("<stdin>", data)


def _whole_value(line: bytes) -> bool:
    stripped = line.strip()
    return stripped[:1] in (b"{", b"[") and stripped[-1:] in (b"}", b"]")


def _har(source: str, data: bytes) -> Iterator[Payload]:
    """Each response of a HAR capture whose body is JSON, with the method, path and status it answered."""
    import base64  # noqa: PLC0415 - HAR captures only
    import binascii  # noqa: PLC0415
    import json  # noqa: PLC0415
    from urllib.parse import urlsplit  # noqa: PLC0415

    try:
        entries = json.loads(data)["log"]["entries"]
        if not isinstance(entries, list):
            raise TypeError("log.entries is not a list")
    except (ValueError, KeyError, TypeError) as error:
        yield Payload(source, problem=f"not a HAR capture ({error})")
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
        label = f"{source}:{index} {method} {path} {status}"
        mime = str(content.get("mimeType", ""))
        text = content.get("text")
        if text is None or "json" not in mime.lower():
            yield Payload(label, skipped=f"no JSON body ({mime or 'no content type'})")
            continue
        try:
            body = (
                base64.b64decode(text, validate=True)
                if content.get("encoding") == "base64"
                else str(text).encode("utf-8", "surrogatepass")
            )
        except (binascii.Error, ValueError):
            yield Payload(label, problem="its base64 body does not decode")
            continue
        yield Payload(label, body, exchange=(method, path, status))
