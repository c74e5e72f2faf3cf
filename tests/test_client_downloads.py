"""Download operations over real loopback HTTP: the body streamed to a path or a file object, never held in
memory; progress reported; the path replaced atomically (or left as it was) and retries as for any call."""

from __future__ import annotations

import asyncio
import hashlib
import io
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from evaljobs import nemo_evaluator
from evaljobs.nemo_evaluator import APIConnectionError, Download, NotFoundError
from tests.loopback import FAST
from tests.recording import Answer, Recorder

JOB = "job-dq1pjj6vj5p64xaeqgvuk4"
ARTIFACTS = f"/v2/evaluation/jobs/{JOB}/results/artifacts/download"
V1_ZIP = "/v1/evaluation/jobs/eval-UVW123XYZ456/download-results"
MB = 1 << 20


def chunks(total: int, size: int = MB) -> Iterator[bytes]:
    """``total`` bytes of a repeating pattern, one reused ``size`` block at a time (the server holds one block)."""
    block = bytes(range(256)) * (size // 256)
    sent = 0
    while sent < total:
        piece = block[: min(size, total - sent)]
        sent += len(piece)
        yield piece


def digest(total: int) -> str:
    found = hashlib.sha256()
    for piece in chunks(total):
        found.update(piece)
    return found.hexdigest()


def streamed(total: int, **options: object) -> Answer:
    return Answer(body=lambda: chunks(total), length=total, headers={"Content-Type": "application/gzip"}, **options)  # type: ignore[arg-type]


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.endswith(".part"))


def test_a_large_body_streams_to_a_path_in_bounded_memory_with_progress(tmp_path: Path) -> None:
    total = 48 * MB
    target = tmp_path / "artifacts.tar.gz"
    progress: list[tuple[int, int | None]] = []
    with Recorder() as server:
        server.answer("GET", ARTIFACTS, streamed(total))
        with nemo_evaluator.Client(base_url=server.url) as client:
            tracemalloc.start()
            try:
                result = client.download_evaluation_job_artifacts_v2(
                    JOB, target, on_progress=lambda done, size: progress.append((done, size))
                )
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
    assert peak < 8 * MB, f"peak {peak / MB:.1f} MB for a {total // MB} MB body"
    assert result == Download(
        path=target, bytes_written=total, content_type="application/gzip", status_code=200, request_id=None
    )
    assert target.stat().st_size == total
    assert hashlib.sha256(target.read_bytes()).hexdigest() == digest(total)
    assert progress[0] == (0, total) and progress[-1] == (total, total)
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)
    assert leftovers(tmp_path) == []
    assert server.requests[0].headers["accept"] == "application/gzip, application/octet-stream"


def test_a_file_object_receives_the_bytes_and_the_record_has_no_path() -> None:
    sink = io.BytesIO(b"header:")
    sink.seek(0, io.SEEK_END)
    with Recorder() as server:
        server.answer("GET", V1_ZIP, Answer(body=b"PK\x03\x04zip", headers={"Content-Type": "application/zip"}))
        with nemo_evaluator.Client(base_url=server.url) as client:
            result = client.download_evaluation_job_results("eval-UVW123XYZ456", sink)
    assert sink.getvalue() == b"header:PK\x03\x04zip"
    assert (result.path, result.bytes_written, result.content_type) == (None, 7, "application/zip")
    assert server.requests[0].headers["accept"] == "application/zip"


def test_a_body_cut_short_leaves_the_path_as_it_was(tmp_path: Path) -> None:
    target = tmp_path / "artifacts.tar.gz"
    target.write_bytes(b"the previous download")
    with Recorder() as server:
        server.answer("GET", ARTIFACTS, streamed(4 * MB, cut_after=MB + 17))
        with nemo_evaluator.Client(base_url=server.url, max_retries=0) as client, pytest.raises(APIConnectionError):
            client.download_evaluation_job_artifacts_v2(JOB, target)
    assert target.read_bytes() == b"the previous download"
    assert leftovers(tmp_path) == []


def test_a_body_cut_short_is_fetched_again_from_its_start(tmp_path: Path) -> None:
    target = tmp_path / "artifacts.tar.gz"
    progress: list[tuple[int, int | None]] = []
    with Recorder() as server:
        server.answer("GET", ARTIFACTS, streamed(3 * MB, cut_after=MB), streamed(3 * MB))
        with nemo_evaluator.Client(base_url=server.url, backoff=FAST) as client:
            result = client.download_evaluation_job_artifacts_v2(
                JOB, target, on_progress=lambda done, size: progress.append((done, size))
            )
    assert len(server.requests) == 2
    assert server.requests[1].headers["x-evaljobs-retry-count"] == "1"
    assert result.bytes_written == 3 * MB
    assert hashlib.sha256(target.read_bytes()).hexdigest() == digest(3 * MB)
    assert progress.count((0, 3 * MB)) == 2 and progress[-1] == (3 * MB, 3 * MB)
    assert leftovers(tmp_path) == []


def test_a_seekable_file_object_is_rewound_for_the_retry_and_a_stream_is_not_retried() -> None:
    rewound = io.BytesIO()
    with Recorder() as server:
        server.answer("GET", ARTIFACTS, streamed(2 * MB, cut_after=MB // 2), streamed(2 * MB))
        with nemo_evaluator.Client(base_url=server.url, backoff=FAST) as client:
            client.download_evaluation_job_artifacts_v2(JOB, rewound)
    assert hashlib.sha256(rewound.getvalue()).hexdigest() == digest(2 * MB)

    class Stream(io.RawIOBase):
        def __init__(self) -> None:
            self.count = 0

        def writable(self) -> bool:
            return True

        def write(self, data: bytes) -> int:  # type: ignore[override]
            self.count += len(data)
            return len(data)

    stream = Stream()
    with Recorder() as server:
        server.answer("GET", ARTIFACTS, streamed(2 * MB, cut_after=MB // 2), streamed(2 * MB))
        with nemo_evaluator.Client(base_url=server.url, backoff=FAST) as client, pytest.raises(APIConnectionError):
            client.download_evaluation_job_artifacts_v2(JOB, stream)
    assert len(server.requests) == 1  # the bytes already written cannot be taken back


def test_an_error_status_raises_its_error_and_creates_no_file(tmp_path: Path) -> None:
    target = tmp_path / "results.zip"
    with Recorder() as server:
        server.answer("GET", V1_ZIP, Answer.of_json({"detail": "Job not found"}, status=404))
        with nemo_evaluator.Client(base_url=server.url) as client, pytest.raises(NotFoundError) as raised:
            client.download_evaluation_job_results("eval-UVW123XYZ456", target)
    assert raised.value.body == nemo_evaluator.models.ErrorResponse(detail="Job not found")
    assert not target.exists() and leftovers(tmp_path) == []


def test_a_server_error_is_retried_before_the_body_is_written(tmp_path: Path) -> None:
    target = tmp_path / "results.zip"
    with Recorder() as server:
        server.answer(
            "GET",
            V1_ZIP,
            Answer.of_json({"detail": "busy"}, status=503),
            Answer(body=b"PK\x03\x04", headers={"Content-Type": "application/zip"}),
        )
        with nemo_evaluator.Client(base_url=server.url, backoff=FAST) as client:
            result = client.download_evaluation_job_results("eval-UVW123XYZ456", target)
    assert target.read_bytes() == b"PK\x03\x04" and result.bytes_written == 4 and len(server.requests) == 2


def test_the_async_client_streams_too_and_keeps_the_path_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "artifacts.tar.gz"
    progress: list[tuple[int, int | None]] = []

    async def run(server: Recorder) -> Download:
        async with nemo_evaluator.AsyncClient(base_url=server.url, backoff=FAST) as client:
            return await client.download_evaluation_job_artifacts_v2(
                JOB, target, on_progress=lambda done, size: progress.append((done, size))
            )

    with Recorder() as server:
        server.answer("GET", ARTIFACTS, streamed(6 * MB, cut_after=2 * MB), streamed(6 * MB))
        tracemalloc.start()
        try:
            result = asyncio.run(run(server))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 4 * MB
    assert result.path == target and result.bytes_written == 6 * MB
    assert hashlib.sha256(target.read_bytes()).hexdigest() == digest(6 * MB)
    assert progress[-1] == (6 * MB, 6 * MB) and leftovers(tmp_path) == []

    target.write_bytes(b"kept")

    async def failing(server: Recorder) -> None:
        async with nemo_evaluator.AsyncClient(base_url=server.url, max_retries=0) as client:
            await client.download_evaluation_job_artifacts_v2(JOB, target)

    with Recorder() as server:
        server.answer("GET", ARTIFACTS, streamed(2 * MB, cut_after=MB))
        with pytest.raises(APIConnectionError):
            asyncio.run(failing(server))
    assert target.read_bytes() == b"kept" and leftovers(tmp_path) == []


def test_downloads_have_no_raw_view_and_the_same_signature_sync_and_async() -> None:
    client, raw = nemo_evaluator.Client, nemo_evaluator.AsyncClient
    for name in ("download_evaluation_job_results", "download_evaluation_job_artifacts_v2"):
        assert name in vars(client) and name in vars(raw)
        assert name not in vars(nemo_evaluator._client.ClientWithRawResponse)
