"""The bytes the mock serves for a job's download: synthesized for the declared media type, of a configurable
size, and streamed in chunks (a 100 MB download is never held in memory).

- gzip types (``application/gzip``, ``application/x-gzip``, ``...+gzip``): a real gzip stream whose content is
  ``size`` bytes of text (compressed as it goes, so sent in chunked transfer encoding);
- ``application/zip``: a real zip archive holding one stored (uncompressed) file of ``size`` bytes of text, its
  checksum computed as it goes (written after the data, in the entry's data descriptor);
- ``text/*``: ``size`` bytes of text lines; anything else: ``size`` bytes of a repeating pattern.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

from evaljobs._mock.routes import Answer

__all__ = ["CHUNK", "download_answer"]

CHUNK = 64 * 1024


def download_answer(media_type: str, size: int, job_id: str, *, status: int = 200) -> Answer:
    media = media_type or "application/octet-stream"
    disposition = {"Content-Disposition": f'attachment; filename="{job_id}{_suffix(media)}"'}
    if "gzip" in media:
        return Answer(status, content_type=media, headers=disposition, chunks=_gzip(_text(size, job_id)))
    if media == "application/zip":
        name = f"{job_id}.txt".encode()
        chunks = _zip(name, _text(size, job_id))
        return Answer(status, content_type=media, headers=disposition, chunks=chunks, length=_zip_length(name, size))
    chunks = _text(size, job_id) if media.startswith("text/") else _pattern(size, job_id)
    return Answer(status, content_type=media, headers=disposition, chunks=chunks, length=size)


def _suffix(media: str) -> str:
    if "gzip" in media:
        return ".tar.gz" if "tar" in media else ".gz"
    return {"application/zip": ".zip", "text/plain": ".txt", "text/csv": ".csv"}.get(media, ".bin")


def _text(size: int, job_id: str) -> Iterator[bytes]:
    line = f"evaljobs mock result of {job_id}: sample,score\n".encode()
    block = line * (CHUNK // len(line) + 1)
    yield from _repeat(block[:CHUNK], size)


def _pattern(size: int, job_id: str) -> Iterator[bytes]:
    seed = job_id.encode() + bytes(range(256))
    block = (seed * (CHUNK // len(seed) + 1))[:CHUNK]
    yield from _repeat(block, size)


def _repeat(block: bytes, size: int) -> Iterator[bytes]:
    left = max(size, 0)
    while left > 0:
        piece = block[: min(left, len(block))]
        left -= len(piece)
        yield piece


def _gzip(content: Iterator[bytes]) -> Iterator[bytes]:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # 16+: the gzip container
    for piece in content:
        packed = compressor.compress(piece)
        if packed:
            yield packed
    yield compressor.flush()


# Zip records (APPNOTE.TXT 4.3): version 2.0, flag 0x08 (sizes and CRC in a data descriptor after the data),
# method 0 (stored), a fixed DOS time (1980-01-01). Sizes beyond 4 GiB would need zip64: the mock never serves them.
_ZIP_LIMIT = 0xFFFFFFFF


def _zip_length(name: bytes, size: int) -> int:
    return (30 + len(name)) + max(size, 0) + 16 + (46 + len(name)) + 22


def _zip(name: bytes, content: Iterator[bytes]) -> Iterator[bytes]:
    yield struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x08, 0, 0, 0x21, 0, 0, 0, len(name), 0) + name
    crc, size = 0, 0
    for piece in content:
        crc = zlib.crc32(piece, crc)
        size += len(piece)
        yield piece
    if size > _ZIP_LIMIT:
        raise ValueError("the mock's zip downloads stop at 4 GiB (no zip64)")
    yield struct.pack("<IIII", 0x08074B50, crc, size, size)
    central = struct.pack(
        "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x08, 0, 0, 0x21, crc, size, size, len(name), 0, 0, 0, 0, 0, 0
    )
    directory_start = 30 + len(name) + size + 16
    yield central + name + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, 46 + len(name), directory_start, 0)
