"""`make bench`, traffic part: `evaljobs validate` on a large HAR capture and a large NDJSON traffic log.

Writes, in a temporary folder, a HAR and an NDJSON log of EVALJOBS_BENCH_TRAFFIC_MB megabytes each (default
1024) of GET exchanges of a Gradient evaluation run (the bundled sample capture's body, one in 50 drifted, with
request headers as a client sends them), runs `evaljobs validate --format json` on each in a subprocess (its
output thrown away) and prints exchanges per second and the peak resident memory of that process (os.wait4's
ru_maxrss), against the goal of reading either in under 100 MB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZE = int(os.environ.get("EVALJOBS_BENCH_TRAFFIC_MB", "1024")) << 20
GOAL = 100  # MB of resident memory
URL = "https://api.digitalocean.com/v2/gen-ai/evaluation_runs/"
HEADERS = {"authorization": "Bearer bench-token", "accept": "application/json", "user-agent": "bench/1.0"}


def bodies() -> tuple[str, str]:
    """The sample run, compact, and the same with a field the spec does not have."""
    run = json.loads((ROOT / "samples" / "captures" / "gradient" / "evaluation-run-successful.json").read_text())
    drifted = json.loads(json.dumps(run))
    drifted["evaluation_run"]["bench_extra"] = "drift"
    return json.dumps(run, separators=(",", ":")), json.dumps(drifted, separators=(",", ":"))


def har_entry(number: int, body: str) -> bytes:
    entry = {
        "startedDateTime": "2026-12-05T12:00:00.000Z",
        "time": 12,
        "request": {
            "method": "GET",
            "url": f"{URL}run-{number}",
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": name, "value": value} for name, value in HEADERS.items()],
            "queryString": [],
            "cookies": [],
            "headersSize": -1,
            "bodySize": 0,
        },
        "response": {
            "status": 200,
            "statusText": "OK",
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": "content-type", "value": "application/json"}],
            "cookies": [],
            "content": {"size": len(body), "mimeType": "application/json", "text": body},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": len(body),
        },
        "cache": {},
        "timings": {"send": 0, "wait": 11, "receive": 1},
    }
    return json.dumps(entry, indent=1).encode()


def ndjson_line(number: int, body: str) -> bytes:
    line = {
        "request": {"method": "GET", "url": f"{URL}run-{number}", "headers": HEADERS},
        "response": {"status": 200, "headers": {"content-type": "application/json"}, "body": body},
        "timestamp": "2026-12-05T12:00:00.000Z",
    }
    return json.dumps(line, separators=(",", ":")).encode() + b"\n"


def write(path: Path, kind: str) -> int:
    """Writes ``path`` up to SIZE bytes; the number of exchanges in it."""
    plain, drifted = bodies()
    count = written = 0
    with path.open("wb") as out:
        if kind == "har":
            written += out.write(
                b'{"log": {"version": "1.2", "creator": {"name": "bench", "version": "1"},\n"entries": [\n'
            )
        while written < SIZE:
            body = drifted if count % 50 == 49 else plain
            piece = har_entry(count, body) if kind == "har" else ndjson_line(count, body)
            if kind == "har" and count:
                piece = b",\n" + piece
            written += out.write(piece)
            count += 1
        if kind == "har":
            out.write(b"\n]}}\n")
    return count


def measure(path: Path, exchanges: int) -> None:
    command = [sys.executable, "-m", "evaljobs.cli", "validate", "--format", "json", str(path)]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    peak = usage.ru_maxrss / 1024  # (kilobytes on Linux)
    verdict = "under" if peak < GOAL else "OVER"
    print(
        f"  {path.suffix[1:]:7} {path.stat().st_size / 2**20:7.0f} MB {exchanges:9,} exchanges "
        f"{exchanges / elapsed:9,.0f} exchanges/s {elapsed:7.1f} s  peak RSS {peak:6.1f} MB "
        f"({verdict} the {GOAL} MB goal), exit {process.returncode}"
    )
    if process.returncode not in (0, 1):
        print("    " + errors.decode(errors="replace")[-500:])


def main() -> None:
    print(f"traffic: evaljobs validate on a HAR and an NDJSON log of {SIZE >> 20} MB each")
    with tempfile.TemporaryDirectory(prefix="evaljobs-traffic-") as folder:
        for kind in ("har", "ndjson"):
            path = Path(folder) / f"bench.{kind}"
            exchanges = write(path, kind)
            measure(path, exchanges)
            path.unlink()


if __name__ == "__main__":
    main()
