"""Turn command-line paths into payloads: .json files, .jsonl lines, folders (recursively), stdin."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

PAYLOAD_SUFFIXES = (".json", ".jsonl")


@dataclass(frozen=True)
class Payload:
    """One payload to validate, or an I/O problem (``problem``) in its place."""

    source: str
    data: bytes = b""
    problem: str | None = None


def payloads(paths: Sequence[str]) -> Iterator[Payload]:
    for name in paths:
        if name == "-":
            yield from _stdin()
            continue
        path = Path(name)
        if path.is_dir():
            yield from _folder(path)
        elif path.exists():
            yield from _file(path)
        else:
            yield Payload(name, problem="no such file or folder")


def _folder(folder: Path) -> Iterator[Payload]:
    for root, folders, files in os.walk(folder, onerror=None):
        folders.sort()
        for name in sorted(files):
            if name.endswith(PAYLOAD_SUFFIXES):
                yield from _file(Path(root) / name)


def _file(path: Path) -> Iterator[Payload]:
    source = str(path)
    try:
        if path.suffix == ".jsonl":
            with path.open("rb") as stream:
                for number, line in enumerate(stream, start=1):
                    if line.strip():
                        yield Payload(f"{source}:{number}", line)
            return
        data = path.read_bytes()
    except OSError as error:
        yield Payload(source, problem=error.strerror or str(error))
        return
    yield Payload(source, data)


def _stdin() -> Iterator[Payload]:
    """Standard input: one JSON payload, or JSON Lines when it holds several lines that each stand alone."""
    data = sys.stdin.buffer.read()
    lines = [line for line in data.splitlines() if line.strip()]
    if (
        len(lines) > 1
        and all(line.lstrip()[:1] in (b"{", b"[") for line in lines)
        and not data.lstrip().startswith(b"[\n")
    ):
        first = data.lstrip().splitlines()[0].rstrip()
        if first.endswith((b"}", b"]")):
            for number, line in enumerate(data.splitlines(), start=1):
                if line.strip():
                    yield Payload(f"<stdin>:{number}", line)
            return
    yield Payload("<stdin>", data)
