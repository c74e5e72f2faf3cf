"""Inputs beyond local files: URLs of any fsspec protocol (``s3://bucket/captures/2026-12-*.jsonl.gz``, ``gs://``,
``az://``, ``https://``...) and compressed files (``.gz``, ``.zst``), local ones included.

A URL is listed where it names a folder, globbed where it holds ``*``, ``?`` or ``[``, and read as a stream:
gzip and zstd are decompressed as they come, JSON Lines split a block at a time, so a worker holds a block
and the lines it splits, never the file. An uncompressed JSONL object larger than ``CHUNK`` is cut into
byte ranges at line boundaries, as a local file is (it is read once through to count its lines, so that each
payload is named by its line); a compressed one is one unit: a compressed stream cannot be entered midway.

Credentials come from each backend's own environment and configuration files (``AWS_*`` and
``~/.aws/credentials`` for s3fs, ``GOOGLE_APPLICATION_CREDENTIALS`` for gcsfs...), and its options from
``FSSPEC_<PROTOCOL>_<OPTION>`` variables, as fsspec reads them (``FSSPEC_S3_ENDPOINT_URL``). What names
an input in a message has its secrets removed: no user or password before the host, no query string (a
presigned URL's signature).

fsspec and its backends are the optional extra ``evaljobs[s3]`` (zstandard for ``.zst`` too): without them, a
URL is a problem naming the ``pip install`` that adds them (exit status 2).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit, urlunsplit

from evaljobs._inputs import (
    _NAMES,
    BLANK,
    CHUNK,
    COMPRESSED_SUFFIXES,
    LINE_SUFFIXES,
    PAYLOAD_SUFFIXES,
    TAIL,
    Payload,
    Unit,
    _blocks,
    _exchanges,
    _head,
    _numbered,
    _split,
    _traffic_kind,
    is_har,
    note,
)

_URL = re.compile(r"\A[A-Za-z][A-Za-z0-9+.-]*://")
_GLOB = re.compile(r"[*?\[]")
COMPRESSIONS = dict(zip(COMPRESSED_SUFFIXES, ("gzip", "zstd", "zstd"), strict=True))
EXTRA = "pip install 'evaljobs[s3]'"


class Located(Unit):
    """A unit read through fsspec or a decompressor. ``path`` names it in messages (secrets removed); ``key``
    is what ``fs`` (an fsspec filesystem, None for a local file) opens: both kept out of its repr, and ``fs`` out
    of its comparisons."""

    _added = ("key", "compression", "fs")
    __slots__ = _added
    _fields: tuple[str, ...] = (*Unit._fields, *_added)
    key: str
    compression: str | None
    fs: Any

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
        key: str = "",
        compression: str | None = None,
        fs: Any = None,
    ) -> None:
        super().__init__(path, start, end, first_line, size, last_line, kind, ends)
        setter = object.__setattr__
        setter(self, "key", key)
        setter(self, "compression", compression)
        setter(self, "fs", fs)

    def _compared(self) -> tuple[Any, ...]:
        return self._values()[:-1]  # (not fs)

    def __repr__(self) -> str:
        shown = (name for name in self._fields if name not in ("key", "fs"))
        return f"{type(self).__qualname__}({', '.join(f'{name}={getattr(self, name)!r}' for name in shown)})"

    def __eq__(self, other: object) -> bool:
        if type(other) is type(self):
            return self._compared() == other._compared()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._compared())


def located(name: str) -> bool:
    """Whether this module reads ``name``: a URL, or a compressed file."""
    return _URL.match(name) is not None or _compression(name) is not None


def compressed_payloads(name: str) -> bool:
    """Whether a file named ``name`` holds payloads compressed (``.jsonl.gz``, ``.har.zst``...): a folder's
    files that this module reads."""
    return _compression(name) is not None and _inner(name).endswith(PAYLOAD_SUFFIXES)


def shown(url: str) -> str:
    """``url`` as a message may show it: without a user, password or query string."""
    if _URL.match(url) is None:
        return url
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "..." if parts.query else "", ""))


def units(name: str) -> Iterator[Unit | Payload]:
    """The units of a URL (a file, a folder listed recursively, or a glob) or of a local compressed file; a
    name that cannot be read is a Payload with its problem."""
    display = shown(name)
    if _URL.match(name) is None:
        path = Path(name)
        if not path.is_file():
            yield Payload(name, problem="no such file" if not path.exists() else "not a regular file")
            return
        if _compression(name) == "zstd" and not _has("zstandard"):
            yield Payload(name, problem=f"reading .zst files needs zstandard: {EXTRA}")
            return
        yield Located(name, size=path.stat().st_size, key=name, compression=_compression(name))
        return
    try:
        import fsspec  # noqa: PLC0415 - the optional extra, for URLs only
    except ImportError:
        yield Payload(display, problem=f"reading URLs needs fsspec and its backends: {EXTRA}")
        return
    try:
        fs, path = fsspec.core.url_to_fs(name)
        if _GLOB.search(path):
            found = sorted(fs.glob(path, detail=True).items())
            files = [(p, info) for p, info in found if info.get("type") == "file"]
            if not files:
                yield Payload(display, problem="no file matches")
                return
        elif fs.isdir(path):
            files = sorted(fs.find(path, detail=True).items())
            files = _payload_files(display, files)
            if not files:
                return
        else:
            files = [(path, fs.info(path))]
        for each, info in files:
            yield from _file_units(fs, each, int(info.get("size") or 0))
    except ImportError as error:  # a protocol whose backend is not installed (gcsfs, adlfs...)
        yield Payload(display, problem=f"{error} ({EXTRA} adds s3fs; other backends by their own name)")
    except FileNotFoundError:
        yield Payload(display, problem="no such file or folder")
    except Exception as error:  # the backends' errors (permission, network, credentials) have no common root
        yield Payload(display, problem=_reason(error))


def _payload_files(display: str, files: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The payload files of a listed folder (decompressed names ending in .json, .jsonl, .ndjson or .har);
    the others are named in a note, as in a local folder."""
    kept: list[tuple[str, Any]] = []
    others: list[str] = []
    for path, info in files:
        if info.get("type") != "file":
            continue
        if _inner(path).endswith(PAYLOAD_SUFFIXES):
            kept.append((path, info))
        else:
            others.append(path)
    if others:
        more = f" and {len(others) - 5} more" if len(others) > 5 else ""
        note(display, f"skipped {len(others)} file(s) not named {_NAMES}: {', '.join(others[:5])}{more}")
    if not kept:
        note(display, f"no {_NAMES} file in this folder")
    return kept


def _file_units(fs: Any, path: str, size: int) -> Iterator[Unit | Payload]:
    """One object's units: whole, or (uncompressed JSON Lines over CHUNK bytes) in ranges at line boundaries."""
    display = shown(fs.unstrip_protocol(path))
    compression = _compression(path)
    if compression == "zstd" and not _has("zstandard"):
        yield Payload(display, problem=f"reading .zst files needs zstandard: {EXTRA}")
        return
    if compression is not None or not _inner(path).endswith(LINE_SUFFIXES) or size <= CHUNK:
        yield Located(display, size=size, key=path, compression=compression, fs=fs)
        return
    with fs.open(path, "rb", block_size=CHUNK) as stream:  # cut after the first newline past every CHUNK
        start, line = 0, 1
        while start < size:
            block = stream.read(CHUNK if size - start > TAIL else CHUNK // 4)  # (cut as a local file is)
            if not block:
                break
            tail = stream.readline() if start + len(block) < size else b""
            end = start + len(block) + len(tail)
            newlines = block.count(b"\n") + tail.count(b"\n")
            ended = (tail or block).endswith(b"\n")
            yield Located(display, start, end, line, end - start, line + newlines - ended, key=path, fs=fs)
            line += newlines
            start = end


def payloads(unit: Located) -> Iterator[Payload]:
    """The payloads of a unit read through fsspec or a decompressor, as ``evaljobs._inputs.payloads`` gives
    those of a local file; what cannot be read is a problem naming the lines not validated."""
    following = unit.first_line
    try:
        with _opened(unit) as stream:
            if _inner(unit.path).endswith(LINE_SUFFIXES):
                if unit.start:
                    stream.seek(unit.start)
                remaining = unit.end - unit.start if unit.end >= 0 else -1

                def numbered() -> Iterator[Payload]:
                    nonlocal following
                    for number, line, _ in _split(_blocks(stream.read, remaining), unit.first_line):
                        following = number + 1
                        if line.strip(BLANK):
                            yield Payload(f"{unit.path}:{number}", line)

                yield from _exchanges(numbered(), "")  # payloads, or a traffic log's exchanges: by the first line
                return
            head = _head(stream.read)
            if _inner(unit.path).endswith(".har") or is_har(head):
                from evaljobs._har import read_har  # noqa: PLC0415 - HAR captures only

                yield from read_har(unit.path, stream.read, head)
                return
            kind = _traffic_kind(head)
            if kind is not None:
                blocks = itertools.chain((head,), _blocks(stream.read, -1))
                yield from _exchanges(_numbered(unit.path, _split(blocks)), kind)
            else:
                yield Payload(unit.path, head + stream.read())
    except Exception as error:  # the backends' and decompressors' errors have no common root
        lines = f"lines {following:,} to the last: " if _inner(unit.path).endswith(LINE_SUFFIXES) else ""
        yield Payload(unit.path, problem=f"{lines}{_reason(error)}")


class _opened:
    """The unit's bytes as a stream, decompressed as they are read; closes what it opened."""

    def __init__(self, unit: Located) -> None:
        self.unit = unit
        self.closing: list[Any] = []

    def __enter__(self) -> BinaryIO:
        unit = self.unit
        if unit.fs is None:
            raw: Any = open(unit.key, "rb")
        else:
            raw = unit.fs.open(unit.key, "rb", block_size=CHUNK)
        self.closing.append(raw)
        if unit.compression == "gzip":
            import gzip  # noqa: PLC0415

            stream: Any = gzip.GzipFile(fileobj=raw, mode="rb")
        elif unit.compression == "zstd":
            import zstandard  # noqa: PLC0415 - the optional extra

            stream = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
        else:
            return raw  # type: ignore[no-any-return]
        self.closing.append(stream)
        return stream  # type: ignore[no-any-return]

    def __exit__(self, *_: object) -> None:
        for each in reversed(self.closing):
            each.close()


def _reason(error: BaseException) -> str:
    """An error as a message says it, URLs in it shown without their secrets."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror  # (the message names the input: not its path a second time)
    text = re.sub(r"[A-Za-z][A-Za-z0-9+.-]*://\S+", lambda found: shown(found.group()), str(error))
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _compression(name: str) -> str | None:
    for suffix, kind in COMPRESSIONS.items():
        if name.endswith(suffix):
            return kind
    return None


def _inner(name: str) -> str:
    """``name`` without its compression suffix: what its content is."""
    for suffix in COMPRESSIONS:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _has(module: str) -> bool:
    import importlib.util  # noqa: PLC0415

    return importlib.util.find_spec(module) is not None
