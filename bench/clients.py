"""Client benchmarks (run by `make bench`, or alone: `.venv/bin/python bench/clients.py [--check]`).

1. Per-call overhead. `evaljobs mock` runs in a separate process on 127.0.0.1; each contender keeps one
   client and calls one GET after a warm-up. The anchor is a plain `httpx.Client.get` + `json.loads` of the
   same URL; a client's overhead is its median latency minus the anchor's. Contenders run interleaved over
   several rounds (every round runs every contender once), so drift on a busy machine hits all alike.
   Target: our overhead is at most half of the official SDK's (nemo_microservices, gradient; default mode,
   and strict mode for reference).
2. Import time, whole process: the median wall time of `python -c "import X"` over several runs, for
   `evaljobs.nemo_evaluator` and `nemo_microservices`. Target: at most a third. For reference also the
   cold first call (import, client, one request) of both, which includes httpx and the models.

3. Download memory: the peak RSS of a process that downloads the 100 MB result archive of a succeeded NeMo v1
   job from `evaljobs mock` to a file with the generated client (the job is created and awaited beforehand, by
   this process); for reference, the same process without the download (interpreter, httpx, client). Target:
   under 50 MB (the body is streamed to disk, never held whole).

`--check` exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from gradient import Gradient
from nemo_microservices import NeMoMicroservices

from evaljobs import gradient, nemo_evaluator

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("EVALJOBS_BENCH_CLIENT_ROUNDS", "7"))
CALLS = int(os.environ.get("EVALJOBS_BENCH_CLIENT_CALLS", "300"))
IMPORT_RUNS = int(os.environ.get("EVALJOBS_BENCH_IMPORT_RUNS", "9"))
NEMO_JOB = "eval-UVW123XYZ456"
GRADIENT_RUN = "0a7c3f5e-4b2d-4f1a-9e8c-6d5b4a3f2e1d"


def start_mock() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "evaljobs.cli", "mock", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout is not None
    first = process.stdout.readline().strip()
    if not first.startswith("listening on "):
        process.kill()
        raise SystemExit(f"bench/clients.py: the mock server did not start: {first!r}")
    return process, first.removeprefix("listening on ")


BASELINE = "httpx + json.loads"


def contenders(url: str) -> list[tuple[str, str, Callable[[], Any], Callable[[], None]]]:
    """(group, name, one call, close). Each group (one URL) has its own baseline, the anchor of its overheads."""
    plain = httpx.Client()
    # the baseline sends what the clients send: the mock answers an evaluation run only with a bearer token
    # (without it, a short 401 body would make the anchor cheaper and every overhead look larger)
    plain_gradient = httpx.Client(headers={"Authorization": "Bearer dop_v1_bench"})
    nemo_url = f"{url}/v1/evaluation/jobs/{NEMO_JOB}"
    gradient_url = f"{url}/v2/gen-ai/evaluation_runs/{GRADIENT_RUN}"
    for client, each in ((plain, nemo_url), (plain_gradient, gradient_url)):
        client.get(each).raise_for_status()  # the anchor reads the same 200 body as the contenders
    ours_nemo = nemo_evaluator.Client(base_url=url)
    ours_gradient = gradient.Client(base_url=url, token="dop_v1_bench")
    nemo_sdk = NeMoMicroservices(base_url=url)
    nemo_strict = NeMoMicroservices(base_url=url, _strict_response_validation=True)
    gradient_sdk = Gradient(access_token="dop_v1_bench", base_url=url)
    gradient_strict = Gradient(access_token="dop_v1_bench", base_url=url, _strict_response_validation=True)
    runs = gradient_sdk.agents.evaluation_runs
    strict_runs = gradient_strict.agents.evaluation_runs
    return [
        ("nemo v1 job", BASELINE, lambda: json.loads(plain.get(nemo_url).content), plain.close),
        ("nemo v1 job", "evaljobs.nemo_evaluator", lambda: ours_nemo.get_evaluation_job(NEMO_JOB), ours_nemo.close),
        ("nemo v1 job", "nemo_microservices", lambda: nemo_sdk.evaluation.jobs.retrieve(NEMO_JOB), nemo_sdk.close),
        (
            "nemo v1 job",
            "nemo_microservices strict",
            lambda: nemo_strict.evaluation.jobs.retrieve(NEMO_JOB),
            nemo_strict.close,
        ),
        (
            "gradient run",
            BASELINE,
            lambda: json.loads(plain_gradient.get(gradient_url).content),
            plain_gradient.close,
        ),
        (
            "gradient run",
            "evaljobs.gradient",
            lambda: ours_gradient.get_evaluation_run(GRADIENT_RUN),
            ours_gradient.close,
        ),
        ("gradient run", "gradient", lambda: runs.retrieve(GRADIENT_RUN), gradient_sdk.close),
        ("gradient run", "gradient strict", lambda: strict_runs.retrieve(GRADIENT_RUN), gradient_strict.close),
    ]


def per_call(url: str) -> dict[tuple[str, str], float]:
    """Median microseconds per call of each contender, by (group, name)."""
    found = contenders(url)
    samples: dict[tuple[str, str], list[float]] = {(group, name): [] for group, name, _, _ in found}
    for _, _, call, _ in found:
        for _ in range(200):  # warm-up: connections, lazy imports, model schemas
            call()
    for _ in range(ROUNDS):
        for group, name, call, _ in found:
            times = samples[(group, name)]
            for _ in range(CALLS):
                started = time.perf_counter_ns()
                call()
                times.append((time.perf_counter_ns() - started) / 1000)
    for _, _, _, close in found:
        close()
    return {key: statistics.median(times) for key, times in samples.items()}


def wall_ms(code: str, runs: int) -> float:
    """Median wall time (ms) of a fresh interpreter running ``code``, after one untimed run (disk cache)."""
    command = [sys.executable, "-c", code]
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


DOWNLOAD_BYTES = 100 * 1024 * 1024
DOWNLOAD_TARGET_MB = 50
DOWNLOAD = """
import json, resource, sys, tempfile
from pathlib import Path
from evaljobs.nemo_evaluator import Client
with Client(base_url=sys.argv[1]) as nemo, tempfile.TemporaryDirectory() as folder:
    written = 0
    if sys.argv[3] == "download":
        written = nemo.download_evaluation_job_results(sys.argv[2], Path(folder) / "results.zip").bytes_written
    # VmHWM: this process image's peak RSS (ru_maxrss would include the forked parent's, counted at exec)
    status = Path("/proc/self/status")
    lines = status.read_text().splitlines() if status.exists() else []
    hwm = [line.split()[1] for line in lines if line.startswith("VmHWM:")]
    peak = int(hwm[0]) if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"bytes": written, "peak_kb": peak}))
"""


def download_rss() -> tuple[float, float, int]:
    """Peak RSS (MB) of a process that downloads a succeeded job's 100 MB archive with the generated client, of
    the same process without the download (the interpreter, httpx and the client), and the bytes written."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "evaljobs.cli",
            "mock",
            "--port",
            "0",
            "--speed",
            "1000",
            "--download-size",
            "104857600",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip().removeprefix("listening on ")
        with nemo_evaluator.Client(base_url=url) as nemo:  # the job, created and finished in this process
            job = nemo.create_evaluation_job({"config": "ns/gsm8k", "target": "ns/llama"})
            nemo.wait(job.id, poll_interval=0.01)
        found = {}
        for mode in ("download", "none"):
            command = [sys.executable, "-c", DOWNLOAD, url, job.id, mode]
            found[mode] = json.loads(subprocess.run(command, check=True, capture_output=True, cwd=ROOT).stdout)
    finally:
        process.terminate()
        process.wait(timeout=10)
    return found["download"]["peak_kb"] / 1024, found["none"]["peak_kb"] / 1024, found["download"]["bytes"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    process, url = start_mock()
    try:
        medians = per_call(url)
        cold = {
            "evaljobs.nemo_evaluator": wall_ms(
                "from evaljobs.nemo_evaluator import Client; "
                f"Client(base_url={url!r}).get_evaluation_job({NEMO_JOB!r})",
                IMPORT_RUNS,
            ),
            "nemo_microservices": wall_ms(
                "from nemo_microservices import NeMoMicroservices; "
                f"NeMoMicroservices(base_url={url!r}).evaluation.jobs.retrieve({NEMO_JOB!r})",
                IMPORT_RUNS,
            ),
        }
    finally:
        process.terminate()
        process.wait(timeout=10)
    missed = []
    print(f"\nclients: per-call latency against `evaljobs mock` on loopback (median µs of {ROUNDS}x{CALLS} calls)")
    for (group, name), median in medians.items():
        anchor = medians[(group, BASELINE)]
        extra = "" if name == BASELINE else f"  overhead {median - anchor:+6.0f} µs"
        print(f"  {group:<13} {name:<27} {median:7.0f} µs{extra}")
    for group, ours, sdk in (
        ("nemo v1 job", "evaljobs.nemo_evaluator", "nemo_microservices"),
        ("gradient run", "evaljobs.gradient", "gradient"),
    ):
        anchor = medians[(group, BASELINE)]
        ours_overhead, sdk_overhead = medians[(group, ours)] - anchor, medians[(group, sdk)] - anchor
        ratio = ours_overhead / sdk_overhead if sdk_overhead > 0 else float("inf")
        verdict = "ok" if ratio <= 0.5 else "MISSED"
        missed += [] if verdict == "ok" else [f"overhead {ours}"]
        print(
            f"  overhead ratio {ours} / {sdk}: {ours_overhead:.0f} / {sdk_overhead:.0f} µs = {ratio:.2f}"
            f" (target <= 0.50: {verdict})"
        )
    ours_import = wall_ms("import evaljobs.nemo_evaluator", IMPORT_RUNS)
    sdk_import = wall_ms("import nemo_microservices", IMPORT_RUNS)
    bare = wall_ms("pass", IMPORT_RUNS)
    ratio = ours_import / sdk_import
    verdict = "ok" if ratio <= 1 / 3 else "MISSED"
    missed += [] if verdict == "ok" else ["import time"]
    print(f"clients: whole-process import time (median of {IMPORT_RUNS} runs; bare interpreter {bare:.0f} ms)")
    print(f"  import evaljobs.nemo_evaluator {ours_import:6.0f} ms")
    print(f"  import nemo_microservices      {sdk_import:6.0f} ms")
    print(f"  import ratio: {ratio:.2f} (target <= 0.33: {verdict})")
    print(
        f"  for reference, cold first call (import, client, one GET): evaljobs.nemo_evaluator "
        f"{cold['evaljobs.nemo_evaluator']:.0f} ms, nemo_microservices {cold['nemo_microservices']:.0f} ms "
        f"(ratio {cold['evaljobs.nemo_evaluator'] / cold['nemo_microservices']:.2f})"
    )
    peak, without, written = download_rss()
    verdict = "ok" if peak < DOWNLOAD_TARGET_MB else "MISSED"
    missed += [] if verdict == "ok" else ["download memory"]
    print("clients: peak RSS of a process downloading a job's result archive from `evaljobs mock` to a path")
    print(
        f"  {written / 1024 / 1024:.0f} MB download: peak RSS {peak:.1f} MB (the same process without the download:"
        f" {without:.1f} MB; target < {DOWNLOAD_TARGET_MB} MB: {verdict})"
    )
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
