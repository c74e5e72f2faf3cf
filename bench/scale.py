"""`make bench`, beyond one process: `evaljobs validate` on the 100,000-payload corpus of bench/run.py alone,
with `--jobs 2` (2 worker processes: evaljobs._workers), and with `--dask local:2` (a
LocalCluster of 2 worker processes started by the command; and a cluster started beforehand: the run's share
alone); the peak memory of the largest process of each, and the memory of each Dask worker.

Whole commands, 5 alternating rounds, best times (this machine's speed drifts from one run to the next; the
bench shares 2 cores). Run by bench/run.py; `python bench/scale.py` runs it alone.

(This bench compared the pools `--jobs` has had: see evaljobs/_workers.py and ARCHITECTURE.md.)
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROUNDS = int(os.environ.get("EVALJOBS_BENCH_SCALE_ROUNDS", "5"))
PAYLOADS = 100_000


def corpus(folder: Path) -> Path:
    """bench/run.py's two corpora, interleaved up to PAYLOADS lines (as its --jobs figure uses)."""
    sys.argv = sys.argv[:1]
    sys.path.insert(0, str(ROOT / "bench"))
    import run as bench_run

    lines = [
        line
        for api in ("nemo_evaluator", "gradient")
        for line in bench_run.corpus(api).read_bytes().split(b"\n")
        if line
    ]
    path = folder / "corpus.jsonl"
    with path.open("wb") as stream:
        for index in range(PAYLOADS):
            stream.write(lines[index % len(lines)] + b"\n")
    return path


def timed(command: list[str], also: list[int]) -> tuple[float, int]:
    """Seconds, and the peak resident memory in MB of the largest process among the command, its descendants
    and the processes ``also`` names (sampled every 10 ms: resident memory's high-water mark, ru_maxrss, is
    inherited through exec on Linux, so it would show the bench's own)."""
    import threading

    import psutil

    peak = 0
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    watched = psutil.Process(process.pid)
    others = [psutil.Process(pid) for pid in also]

    def sample() -> None:
        nonlocal peak
        while process.poll() is None:
            try:
                tree = [watched, *watched.children(recursive=True), *others]
            except psutil.Error:
                continue
            for each in tree:
                with contextlib.suppress(psutil.Error):
                    peak = max(peak, each.memory_info().rss)
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    process.wait()
    seconds = time.perf_counter() - started
    sampler.join()
    return seconds, peak // (1 << 20)


def main() -> None:
    evaljobs = [sys.executable, "-m", "evaljobs.cli", "validate", "--format", "json"]
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        print("\nscaling: Dask is not installed (pip install 'evaljobs[dask]'): --dask not measured")
        return
    with tempfile.TemporaryDirectory() as folder:
        path = str(corpus(Path(folder)))
        size = Path(path).stat().st_size
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50
        )
        client = Client(cluster, set_as_default=False)
        kinds: dict[str, list[str]] = {
            "one process": [*evaljobs, path],
            "--jobs 2 (2 worker processes)": [*evaljobs, "--jobs", "2", path],
            "--dask local:2 (starts its cluster)": [*evaljobs, "--dask", "local:2", path],
            "--dask to a running 2-worker cluster": [*evaljobs, "--dask", cluster.scheduler_address, path],
        }
        workers = list(client.run(os.getpid).values())
        times: dict[str, list[float]] = {kind: [] for kind in kinds}
        memory: dict[str, int] = {}
        try:
            for _ in range(ROUNDS):
                for kind, command in kinds.items():
                    seconds, peak = timed(command, workers if "running" in kind else [])
                    times[kind].append(seconds)
                    memory[kind] = max(memory.get(kind, 0), peak)
            resident = client.run(lambda: __import__("psutil").Process().memory_info().rss >> 20)
        finally:
            client.close()
            cluster.close()
    one = min(times["one process"])
    print(
        f"\nscaling on {PAYLOADS:,} payloads ({size / 1e6:.0f} MB JSONL, whole command, best of {ROUNDS} alternating"
        f" rounds; {os.cpu_count()} CPUs):"
    )
    for kind, runs in times.items():
        best = min(runs)
        print(
            f"  {kind:<42} {best:6.2f} s {PAYLOADS / best:>9,.0f} payloads/s {size / best / 1e6:6.1f} MB/s"
            f"  {one / best:.2f}x  peak memory {memory[kind]} MB"
        )
    print(
        "  memory per Dask worker, resident after all the rounds (the running cluster's 2 workers): "
        + ", ".join(f"{mb} MB" for mb in sorted(resident.values()))
    )
    print("  (peak memory: of the largest process of a command: itself, a worker of --jobs or of --dask)")


if __name__ == "__main__":
    main()
