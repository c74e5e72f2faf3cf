"""The bytes the mock serves for a job's download: synthesized for the declared media type, of a configurable
size, and streamed in chunks (a 100 MB download is never held in memory).

- gzip types (``application/gzip``, ``application/x-gzip``, ``...+gzip``): a real gzip stream whose content is
  ``size`` bytes of text (compressed as it goes, so sent in chunked transfer encoding);
- ``text/*``: ``size`` bytes of text lines; anything else: ``size`` bytes of a repeating pattern.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

from evaljobs._mock_routes import Answer

__all__ = ["CHUNK", "download_answer"]

CHUNK = 64 * 1024


def download_answer(media_type: str, size: int, job_id: str, *, status: int = 200) -> Answer:
    media = media_type or "application/octet-stream"
    disposition = {"Content-Disposition": f'attachment; filename="{job_id}{_suffix(media)}"'}
    if "gzip" in media:
        return Answer(status, content_type=media, headers=disposition, chunks=_gzip(_text(size, job_id)))
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
