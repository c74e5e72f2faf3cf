"""`make bench`: speed of `evaljobs validate` against its anchors, measured in the same run.

For one JSONL corpus of generated payloads per API (hypothesis strategies from the specs with capture-like
sizes: most optional fields present, text mostly ASCII and up to 48 characters, arrays up to 24 items; a few
drifted and broken ones mixed in), it prints payloads/s and MB/s of: a plain `orjson.loads` loop (the limit), the
evaljobs validator, jsonschema, jsonschema-rs and pydantic `model_validate_json` on the same schemas, with
ratios to orjson; the cost of collecting every error of an invalid payload; the scaling of `--jobs 2` on
100,000 payloads, beside two independent commands run together on its two halves (this machine's own limit
for 2 processes); and the start-up of validating one small file against `python -c "import
nemo_microservices"`; the generation time of the largest real spec of the tests beside openapi-python-client's.
Then the client figures (bench/clients.py) when that script exists, the live capture figures (bench/live.py) and
the traffic ones (bench/traffic.py).

Each measurement alternates with its orjson anchor over several rounds; medians are printed.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import orjson

import evaljobs
from evaljobs._validation.validator import Validator

OUT = ROOT / "bench" / "out"
PER_MODEL = int(os.environ.get("EVALJOBS_BENCH_PER_MODEL", "150"))
LINES = int(os.environ.get("EVALJOBS_BENCH_LINES", "20000"))
ROUNDS = int(os.environ.get("EVALJOBS_BENCH_ROUNDS", "5"))


def generate(api: str) -> list[tuple[str, Any]]:
    """(schema name, payload) for every success model of ``api``: PER_MODEL each."""

    from tests.conftest import model_document
    from tests.strategies import for_component

    document = model_document(api)
    names = [
        name for _, _, status, name in evaljobs._validation.targets.routes_module(api).ROUTES if status.startswith("2")
    ]
    found: list[tuple[str, Any]] = []
    for name in dict.fromkeys(names):
        found.extend((name, payload) for payload in _examples(for_component(document, name, capture_like=True)))
    return found


def _examples(strategy: Any) -> list[Any]:
    from hypothesis import HealthCheck, given, settings

    batch: list[Any] = []

    @settings(
        max_examples=PER_MODEL, database=None, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck)
    )
    @given(strategy)
    def collect(payload: Any) -> None:
        batch.append(payload)

    collect()
    return batch


def corpus(api: str) -> Path:
    """bench/out/<api>.jsonl: LINES lines; 1% truncated, 1% with a wrong type, 3% with an unknown field."""
    path = OUT / f"{api}.jsonl"
    if path.exists() and path.stat().st_size:
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    payloads = generate(api)
    rng = random.Random(7)
    with path.open("wb") as stream:
        for index in range(LINES):
            _, payload = payloads[index % len(payloads)]
            line = orjson.dumps(payload)
            roll = rng.random()
            if roll < 0.01:
                line = line[: max(1, len(line) // 2)]  # truncated
            elif roll < 0.02 and isinstance(payload, dict) and payload:
                key = next(iter(payload))
                line = orjson.dumps({**payload, key: 12345})  # a wrong type (or drift where free-form)
            elif roll < 0.05 and isinstance(payload, dict):
                line = orjson.dumps({**payload, "x_new_field": {"added": "by a newer server"}})  # drift
            stream.write(line + b"\n")
    return path


def rate(function: Callable[[bytes], object], lines: list[bytes]) -> float:
    started = time.perf_counter()
    for line in lines:
        function(line)
    return len(lines) / (time.perf_counter() - started)


def versus(name: str, function: Callable[[bytes], object], lines: list[bytes], size: int) -> None:
    """Median payloads/s of ``function`` and of orjson.loads, alternating over ROUNDS rounds."""
    ours, anchor = [], []
    for _ in range(ROUNDS):
        anchor.append(rate(_loads, lines))
        ours.append(rate(function, lines))
    ours_rate, anchor_rate = statistics.median(ours), statistics.median(anchor)
    mb = ours_rate * size / len(lines) / 1e6
    print(f"  {name:<44} {ours_rate:>9,.0f}/s {mb:>7.1f} MB/s  {100 * ours_rate / anchor_rate:>6.1f}% of orjson")


def throughput(api: str) -> None:
    path = corpus(api)
    lines = [line for line in path.read_bytes().split(b"\n") if line]
    size = sum(len(line) for line in lines)
    print(
        f"\n{api}: {len(lines):,} payloads, {size / 1e6:.1f} MB, {size / len(lines):,.0f} B each on average"
        f" ({path.relative_to(ROOT)})"
    )
    anchor = statistics.median(rate(_loads, lines) for _ in range(ROUNDS))
    print(f"  {'orjson.loads (the limit)':<44} {anchor:>9,.0f}/s {anchor * size / len(lines) / 1e6:>7.1f} MB/s  100.0%")
    detect = Validator()
    versus("evaljobs validate (schema detected)", detect.check, lines, size)
    verdicts = [detect.check(line) for line in lines]
    invalid = [line for line, report in zip(lines, verdicts, strict=True) if not report.valid]
    drifted = sum(bool(report.drift) for report in verdicts)
    print(f"    verdicts: {len(lines) - len(invalid):,} valid ({drifted:,} with drift), {len(invalid):,} invalid")

    by_schema: dict[str, list[bytes]] = {}
    for line, report in zip(lines, verdicts, strict=True):
        if report.schema:
            by_schema.setdefault(report.schema, []).append(line)
    main_schema, main_lines = max(by_schema.items(), key=lambda item: len(item[1]))
    main_size = sum(len(line) for line in main_lines)
    print(f"  the {len(main_lines):,} payloads of {main_schema}:")
    forced = Validator(schema=main_schema)
    versus(f"evaljobs validate --schema {main_schema.split('.')[1]}", forced.check, main_lines, main_size)
    native = forced.targets[0].native
    if native is not None:  # where the time goes: the native scanner answers for most payloads alone
        check, node = native.program.accepts, native.node
        versus("  of which: the native scanner alone", lambda line: check(node, line), main_lines, main_size)
    versus("  without it: strict decode + the walk", _quiet(_walked(forced.targets[0])), main_lines, main_size)
    _third_parties(main_schema, main_lines, main_size)

    parsed = [line for line in invalid if _loads(line) is not None]  # schema errors, not broken JSON
    with_drift = [line for line, report in zip(lines, verdicts, strict=True) if report.valid and report.drift]
    for label, group in (
        ("collecting every error of an invalid payload", invalid),
        ("collecting every error of one that is JSON (schema errors)", parsed),
        ("naming the drift of a valid payload with drift", with_drift),
    ):
        if group:
            micros = statistics.median(1e6 / rate(detect.check, group) for _ in range(ROUNDS))
            print(f"  {label}: {micros:.0f} us each (median of {ROUNDS} rounds of {len(group)})")
    end_to_end(api, path)


def end_to_end(api: str, path: Path) -> None:
    """The whole command over the corpus file against a script that reads it and runs orjson.loads on each
    line (both include interpreter start-up); best of 3 each."""
    loop = (
        "import orjson,sys\nfor line in open(sys.argv[1],'rb').read().split(b'\\n'):\n"
        " try: orjson.loads(line)\n except orjson.JSONDecodeError: pass"
    )
    ours = _best_seconds([sys.executable, "-m", "evaljobs.cli", "validate", "--format", "json", str(path)])
    anchor = _best_seconds([sys.executable, "-c", loop, str(path)])
    print(
        f"  end to end, whole process, best of 3: evaljobs validate --format json {ours:.2f} s;"
        f" read + orjson.loads loop {anchor:.2f} s ({100 * anchor / ours:.1f}%)"
    )


def _best_seconds(command: list[str]) -> float:
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, check=False, cwd=ROOT)
        runs.append(time.perf_counter() - started)
    return min(runs)


def _third_parties(schema: str, lines: list[bytes], size: int) -> None:
    api, name = schema.split(".")
    bundle = json.loads((ROOT / "generated" / "evaljobs" / api / "schema.json").read_text())
    root = {**bundle, "$ref": f"#/$defs/{name}"}
    model = getattr(__import__(f"evaljobs.{api}.models", fromlist=[name]), name)
    versus("pydantic model_validate_json", _quiet(model.model_validate_json), lines, size)
    try:
        import jsonschema_rs

        compiled = jsonschema_rs.validator_for(root, validate_formats=True)
        versus("orjson.loads + jsonschema-rs", lambda line: compiled.is_valid(orjson.loads(line)), lines, size)
    except Exception as error:
        print(f"  jsonschema-rs: not measured ({error})")
    import jsonschema

    checker = jsonschema.Draft202012Validator(root, format_checker=jsonschema.FormatChecker())
    sample = lines[: max(1, len(lines) // 20)]
    versus(
        "orjson.loads + jsonschema (1/20 sample)",
        lambda line: checker.is_valid(orjson.loads(line)),
        sample,
        sum(len(line) for line in sample),
    )


def _walked(target: Any) -> Callable[[bytes], object]:
    """What validation costs where the scanner cannot tell (or is not built): decode, then the walk."""
    from evaljobs._validation import walk as _walk
    from evaljobs._validation.decode import decode

    def check(line: bytes) -> object:
        return _walk.check(decode(line), target, "", decoded=True)

    return check


def _loads(line: bytes) -> object:
    """The anchor: orjson.loads of one line (a broken line counts as parsed)."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return None


def _quiet(function: Callable[[bytes], object]) -> Callable[[bytes], object]:
    def call(line: bytes) -> object:
        try:
            return function(line)
        except ValueError:  # a payload error, and pydantic's ValidationError, are ValueErrors
            return None

    return call


def scaling() -> None:
    lines = [line for api in ("nemo_evaluator", "gradient") for line in corpus(api).read_bytes().split(b"\n") if line]
    with tempfile.TemporaryDirectory() as folder:
        big, halves = Path(folder) / "corpus.jsonl", (Path(folder) / "first.jsonl", Path(folder) / "second.jsonl")
        with big.open("wb") as stream, halves[0].open("wb") as first, halves[1].open("wb") as second:
            for index in range(100_000):
                line = lines[index % len(lines)] + b"\n"
                stream.write(line)
                (first if index < 50_000 else second).write(line)

        def command(jobs: int, path: Path) -> list[str]:
            return [
                sys.executable,
                "-m",
                "evaljobs.cli",
                "validate",
                "--format",
                "json",
                "--jobs",
                str(jobs),
                str(path),
            ]

        times: dict[str, list[float]] = {}
        for _ in range(5):  # alternating: this machine's speed drifts from one run to the next
            for kind in ("one", "two", "halves"):
                started = time.perf_counter()
                if kind == "halves":  # two independent processes, started together, one on each half
                    running = [
                        subprocess.Popen(command(1, half), stdout=subprocess.DEVNULL, cwd=ROOT) for half in halves
                    ]
                    for process in running:
                        process.wait()
                else:
                    subprocess.run(
                        command(1 if kind == "one" else 2, big), stdout=subprocess.DEVNULL, check=False, cwd=ROOT
                    )
                times.setdefault(kind, []).append(time.perf_counter() - started)
        one = min(times["one"])

        def ratios(kind: str) -> str:
            # each 1-process run against the run right after it: a ratio measured at one speed
            paired = statistics.median(a / b for a, b in zip(times["one"], times[kind], strict=True))
            best = min(times[kind])
            return f"best {best:.2f} s: {one / best:.2f}x; median of the 5 paired ratios {paired:.2f}x"

        print(
            f"\n--jobs on 100,000 payloads ({big.stat().st_size / 1e6:.0f} MB, whole command, 5 alternating runs each):"
            f" best 1 process {one:.2f} s\n  --jobs 2: {ratios('two')}"
            f"\n  for reference, this machine's own limit for 2 processes (two independent commands started together,"
            f" one on each half, nothing shared): {ratios('halves')}"
        )


def startup() -> None:
    captures = ROOT / "samples" / "captures"
    samples = [
        captures / "gradient" / "evaluation-run-successful.json",
        captures / "nemo_evaluator" / "v1-job-completed.json",
        captures / "nemo_evaluator" / "v1-job-broken.json",  # errors: the full path, whose walk needs no pydantic
        captures / "gradient" / "evaluation-run-drifted.json",  # drift: the same
    ]

    def median_ms(command: list[str]) -> float:
        runs = []
        for _ in range(9):
            started = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, cwd=ROOT)
            runs.append((time.perf_counter() - started) * 1000)
        return statistics.median(runs)

    # as installed: byte-compiled, like nemo_microservices by pip (here PYTHONDONTWRITEBYTECODE may be set)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "generated")], check=True)
    sdk = median_ms([sys.executable, "-c", "import nemo_microservices"])
    bare = median_ms([sys.executable, "-c", "pass"])
    print(
        f"\nstart-up, whole process, median of 9: python -c 'import nemo_microservices' {sdk:.0f} ms;"
        f" bare interpreter {bare:.0f} ms"
    )
    for small in samples:
        ours = median_ms([sys.executable, "-m", "evaljobs.cli", "validate", str(small)])
        print(f"  evaljobs validate {small.relative_to(ROOT)}: {ours:.0f} ms ({ours / sdk:.2f}x)")


OPC = "openapi-python-client==0.29.1"
OPC_VENV = ROOT / ".cache" / "bench-openapi-python-client"


def generation() -> None:
    """Generation time of the largest real spec of the tests (tests/realspecs.py: Airflow's, 110 operations)
    with `python -m generator generate`, beside openapi-python-client on the same file (in a venv of its own
    under .cache/, made on first use: its dependencies are not ours). Median of 3 alternating runs."""
    from tests import realspecs

    spec = realspecs.ensure()["airflow.openapi.yaml"]
    if not (OPC_VENV / "bin" / "openapi-python-client").exists():
        subprocess.run([sys.executable, "-m", "venv", str(OPC_VENV)], check=True)
        subprocess.run([str(OPC_VENV / "bin" / "pip"), "install", "--quiet", OPC], check=True)
    ours, theirs = [], []
    with tempfile.TemporaryDirectory() as folder:
        schemas = Path(folder) / "schemas"
        schemas.mkdir()
        (schemas / spec.name).write_bytes(spec.read_bytes())
        for _ in range(3):
            out = Path(folder) / "out"
            ours.append(
                _timed([sys.executable, "-m", "generator", "generate", "--schemas", str(schemas), "--out", str(out)])
            )
            client = Path(folder) / "opc"
            command = [str(OPC_VENV / "bin" / "openapi-python-client"), "generate", "--path", str(spec)]
            theirs.append(_timed([*command, "--output-path", str(client), "--overwrite"]))
    mine, other = statistics.median(ours), statistics.median(theirs)
    print(
        f"\ngeneration of {spec.name} (110 operations), median of 3: evaljobs {mine:.2f} s (models, clients,"
        f" validator programs, mock, gate); openapi-python-client 0.29.1 {other:.2f} s ({mine / other:.2f}x)"
    )


def _timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=ROOT)
    return time.perf_counter() - started


def main() -> None:
    print(f"evaljobs bench (python {sys.version.split()[0]}, {os.cpu_count()} CPUs); rounds={ROUNDS}")
    for api in ("nemo_evaluator", "gradient"):
        throughput(api)
    scaling()
    subprocess.run([sys.executable, str(ROOT / "bench" / "scale.py")], check=False, cwd=ROOT)  # --dask beside --jobs
    startup()
    generation()
    clients = ROOT / "bench" / "clients.py"
    if clients.exists():
        print()
        subprocess.run([sys.executable, str(clients)], check=False, cwd=ROOT)
    print()
    subprocess.run([sys.executable, str(ROOT / "bench" / "live.py")], check=False, cwd=ROOT)  # live capture
    print()
    subprocess.run([sys.executable, str(ROOT / "bench" / "traffic.py")], check=False, cwd=ROOT)  # HAR, NDJSON


if __name__ == "__main__":
    main()
