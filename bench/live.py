"""Live capture benchmarks (run by `make bench`, or alone: `.venv/bin/python bench/live.py`).

1. Per-exchange overhead. `evaljobs mock` runs in a separate process on 127.0.0.1; each contender keeps one
   client and GETs one NeMo job (a 1.6 kB JSON body) after a warm-up: plain `httpx.Client` (the anchor),
   the same through `CaptureTransport(check=False, har=...)` (record only), through `CaptureTransport(har=...)`
   (record and check), and through `evaljobs proxy --har ...` (another process, recording and checking,
   printing a JSON report per exchange to a file). Contenders run interleaved over several rounds; the
   overhead is a contender's median latency minus the anchor's.
2. Proxy memory: the peak RSS (VmHWM) of the `evaljobs proxy` process while a client streams a 100 MB result
   archive through it (the default --body-limit of 8 MiB: the body is kept up to that for the capture, then
   only counted), beside the same process's peak before the download (interpreter, httpx, validator).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx

from evaljobs.capture import CaptureTransport

ROUNDS = int(os.environ.get("EVALJOBS_BENCH_LIVE_ROUNDS", "5"))
CALLS = int(os.environ.get("EVALJOBS_BENCH_LIVE_CALLS", "200"))
NEMO_JOB = "eval-UVW123XYZ456"
DOWNLOAD_BYTES = 100 * 1024 * 1024


@contextmanager
def serving(*args: str, folder: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`evaljobs ARGS` (mock or proxy) as a process, with its URL once it listens; its output goes to a file (a
    proxy prints a line per exchange: a pipe nobody reads would fill and stop it)."""
    out = folder / f"{args[0]}-{time.monotonic_ns()}.out"
    with out.open("wb") as stream:
        process = subprocess.Popen(
            [sys.executable, "-m", "evaljobs.cli", *args], stdout=stream, stderr=subprocess.DEVNULL, cwd=ROOT
        )
    try:
        deadline = time.monotonic() + 60
        while not out.read_bytes().startswith(b"listening on ") or b"\n" not in out.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"bench/live.py: `evaljobs {args[0]}` did not start")
            time.sleep(0.05)
        yield process, out.read_text().split("\n", 1)[0].removeprefix("listening on ")
    finally:
        process.terminate()
        process.wait(timeout=30)


def per_exchange(mock_url: str, proxy_url: str, folder: Path) -> dict[str, float]:
    """Median microseconds per GET of each contender."""
    path = f"/v1/evaluation/jobs/{NEMO_JOB}"
    clients: dict[str, httpx.Client] = {
        "httpx direct (anchor)": httpx.Client(base_url=mock_url),
        "CaptureTransport, record": httpx.Client(
            base_url=mock_url, transport=CaptureTransport(check=False, har=folder / "record.har")
        ),
        "CaptureTransport, record + check": httpx.Client(
            base_url=mock_url, transport=CaptureTransport(har=folder / "check.har")
        ),
        "evaljobs proxy, record + check": httpx.Client(base_url=proxy_url),
    }
    calls: dict[str, Callable[[], object]] = {
        name: (lambda c=client: c.get(path).content) for name, client in clients.items()
    }
    for call in calls.values():
        for _ in range(50):  # warm-up: connections, the validator's programs
            call()
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(ROUNDS):
        for name, call in calls.items():
            for _ in range(CALLS):
                started = time.perf_counter_ns()
                call()
                samples[name].append((time.perf_counter_ns() - started) / 1000)
    for client in clients.values():
        client.close()
    return {name: statistics.median(times) for name, times in samples.items()}


def peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def proxy_download(folder: Path) -> tuple[float, float, int]:
    """Peak RSS (MB) of the proxy before and after streaming a 100 MB archive through it, and the bytes read."""
    mock_args = ("mock", "--port", "0", "--no-auth", "--download-size", str(DOWNLOAD_BYTES))
    with serving(*mock_args, folder=folder) as (_, mock_url):
        with httpx.Client(base_url=mock_url) as direct:
            job = direct.post(
                "/v1/evaluation/jobs",
                json={"config": "ns/gsm8k", "target": "ns/llama"},
                headers={"X-Mock-Schedule": "succeeded=0"},
            ).json()["id"]
        proxy_args = ("proxy", "--target", mock_url, "--har", str(folder / "download.har"), "--format", "json")
        with serving(*proxy_args, folder=folder) as (proxy, proxy_url):
            with httpx.Client(base_url=proxy_url, timeout=120) as client:
                client.get(f"/v1/evaluation/jobs/{NEMO_JOB}")
                before = peak_kb(proxy.pid)
                received = 0
                with client.stream("GET", f"/v1/evaluation/jobs/{job}/download-results") as response:
                    for piece in response.iter_raw():
                        received += len(piece)
            after = peak_kb(proxy.pid)
    return before / 1024, after / 1024, received


def main() -> None:
    print("live capture: per-exchange overhead, GET of a NeMo job from `evaljobs mock` (median of", end=" ")
    print(f"{ROUNDS} x {CALLS} calls, microseconds)")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        with serving("mock", "--port", "0", "--no-auth", folder=folder) as (_, mock_url):
            proxy_args = ("proxy", "--target", mock_url, "--har", str(folder / "proxy.har"), "--format", "json")
            with serving(*proxy_args, folder=folder) as (_, proxy_url):
                medians = per_exchange(mock_url, proxy_url, folder)
        anchor = medians["httpx direct (anchor)"]
        for contender, median in medians.items():
            extra = "" if median is anchor else f"  overhead {median - anchor:>7,.0f} us"
            print(f"  {contender:<34} {median:>8,.0f} us{extra}")
        before, after, received = proxy_download(folder)
    print(
        f"live capture: {received / 1024 / 1024:.0f} MB download through `evaljobs proxy --har`: proxy peak RSS"
        f" {after:.1f} MB (before the download: {before:.1f} MB)"
    )


if __name__ == "__main__":
    main()
