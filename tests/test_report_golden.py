"""Golden reports: what `evaljobs validate` and `evaljobs.validate()` say about the sample captures and two frozen
bench corpora, byte for byte.

Written before the validator and the generator were reorganised (issue "One schema model"), so that every move
is checked to change nothing a user sees. The corpora are the first 2,000 lines of `make bench`'s corpora as they
were generated then (valid, drifted, truncated and mistyped payloads), frozen here because the bench regenerates
them from the specs. A deliberate change of a report rewrites the expected files with
``EVALJOBS_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_report_golden.py`` and says why in its commit.
"""

from __future__ import annotations

import json
import lzma
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "reports"
SAMPLES = ROOT / "samples" / "captures"
CORPORA = ("nemo_evaluator", "gradient")
UPDATE = os.environ.get("EVALJOBS_UPDATE_GOLDEN") == "1"


def _validate(*args: str, stdin: bytes | None = None) -> bytes:
    """The command's standard output (its status and standard error are part of the golden too)."""
    result = subprocess.run(
        [sys.executable, "-m", "evaljobs.cli", "validate", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        env={**os.environ, "NO_COLOR": "1", "TERM": "dumb"},
        check=False,
    )
    return result.stdout + f"\n[exit {result.returncode}]\n".encode() + result.stderr


def _compare(name: str, produced: bytes, *, compressed: bool = False) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_bytes(lzma.compress(produced) if compressed else produced)
    expected = lzma.decompress(path.read_bytes()) if compressed else path.read_bytes()
    if produced != expected:
        produced_lines, expected_lines = produced.splitlines(), expected.splitlines()
        first = next(
            (
                index
                for index, (one, other) in enumerate(zip(produced_lines, expected_lines, strict=False))
                if one != other
            ),
            min(len(produced_lines), len(expected_lines)),
        )
        got = produced_lines[first] if first < len(produced_lines) else b"<end>"
        want = expected_lines[first] if first < len(expected_lines) else b"<end>"
        pytest.fail(f"{name} differs at line {first + 1}:\n  got:      {got!r}\n  expected: {want!r}")


@pytest.mark.parametrize("output", ["text", "json", "junit", "csv"])
def test_the_sample_report_is_unchanged(output: str) -> None:
    _compare(f"samples.{output}", _validate("--format", output, "samples/captures"))


def test_the_sample_report_with_a_named_endpoint_is_unchanged() -> None:
    produced = _validate(
        "--format", "json", "--endpoint", "GET /v2/evaluation/jobs/{job_id}", "samples/captures/nemo_evaluator"
    )
    _compare("samples-endpoint.json", produced)


@pytest.mark.parametrize("api", CORPORA)
def test_the_bench_corpus_report_is_unchanged(api: str, tmp_path: Path) -> None:
    corpus = tmp_path / f"{api}.jsonl"
    corpus.write_bytes(lzma.decompress((GOLDEN / f"corpus-{api}.jsonl.xz").read_bytes()))
    produced = _validate("--format", "json", str(corpus)).replace(str(tmp_path).encode(), b"CORPUS")
    _compare(f"corpus-{api}.json.xz", produced, compressed=True)


def test_the_python_api_report_is_unchanged() -> None:
    """``evaljobs.validate`` on each sample payload, from bytes and from the decoded value."""
    import evaljobs

    lines = []
    for path in sorted(SAMPLES.rglob("*.json")):
        body = path.read_bytes()
        from_bytes = evaljobs.validate(body).as_json()
        lines.append(f"{path.relative_to(ROOT)} bytes {json.dumps(from_bytes, sort_keys=True)}")
        try:
            value = json.loads(body)
        except ValueError:
            continue
        from_value = evaljobs.validate(value).as_json()
        lines.append(f"{path.relative_to(ROOT)} value {json.dumps(from_value, sort_keys=True)}")
    _compare("samples-python.txt", ("\n".join(lines) + "\n").encode())
