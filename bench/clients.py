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
    nemo_url = f"{url}/v1/evaluation/jobs/{NEMO_JOB}"
    gradient_url = f"{url}/v2/gen-ai/evaluation_runs/{GRADIENT_RUN}"
    ours_nemo = nemo_evaluator.Client(base_url=url)
    ours_gradient = gradient.Client(base_url=url, token="dop_v1_bench")
    nemo_sdk = NeMoMicroservices(base_url=url)
    nemo_strict = NeMoMicroservices(base_url=url, _strict_response_validation=True)
    gradient_sdk = Gradient(access_token="dop_v1_bench", base_url=url)
    gradient_strict = Gradient(access_token="dop_v1_bench", base_url=url, _strict_response_validation=True)
    runs = gradient_sdk.agents.evaluation_runs
    strict_runs = gradient_strict.agents.evaluation_runs
    return [
        ("nemo v1 job", BASELINE, lambda: json.loads(plain.get(nemo_url).content), lambda: None),
        ("nemo v1 job", "evaljobs.nemo_evaluator", lambda: ours_nemo.get_evaluation_job(NEMO_JOB), ours_nemo.close),
        ("nemo v1 job", "nemo_microservices", lambda: nemo_sdk.evaluation.jobs.retrieve(NEMO_JOB), nemo_sdk.close),
        (
            "nemo v1 job",
            "nemo_microservices strict",
            lambda: nemo_strict.evaluation.jobs.retrieve(NEMO_JOB),
            nemo_strict.close,
        ),
        ("gradient run", BASELINE, lambda: json.loads(plain.get(gradient_url).content), plain.close),
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
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
