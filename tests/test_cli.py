"""`evaljobs validate` as a user runs it: real files, real processes, exit statuses, formats."""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

SAMPLES = ROOT / "samples"


def evaljobs(*args: str, stdin: bytes | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evaljobs.cli", *args],
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        check=False,
    )


def reports(result: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_bundled_samples_get_their_expected_verdicts() -> None:
    result = evaljobs("validate", "--format", "json", "samples/captures")
    assert result.returncode == 1, result.stderr  # the samples include broken payloads on purpose
    expected = json.loads((SAMPLES / "expected.json").read_text())
    found = {
        r["source"]: {
            "schema": r["schema"],
            "valid": r["valid"],
            "drift": bool(r["drift"]),
            "errors": sorted(e["pointer"] for e in r["errors"]),
        }
        for r in reports(result)
    }
    assert found == expected
    for report in reports(result):
        assert report["valid"] == (report["errors"] == [])
        assert set(report) == {"source", "schema", "valid", "errors", "drift"}


def test_text_report_has_findings_and_a_summary_line() -> None:
    result = evaljobs("validate", "samples/captures")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[-1] == "14 payload(s): 9 valid (3 with drift), 5 invalid"
    assert any("error /target: missing required field 'target'" in line for line in lines)
    assert "\033[" not in result.stdout, "no colour when the output is not a terminal"


def test_exit_status_zero_with_drift_and_one_with_strict() -> None:
    drifted = "samples/captures/gradient/evaluation-run-drifted.json"
    assert evaljobs("validate", drifted).returncode == 0
    strict = evaljobs("validate", "--strict", drifted)
    assert strict.returncode == 1 and "--strict: drift fails" in strict.stdout


def test_jsonl_reports_line_numbers_and_stdin_works(tmp_path: Path) -> None:
    logs = (SAMPLES / "captures/nemo_evaluator/v2-logs.jsonl").read_bytes()
    from_file = reports(evaljobs("validate", "--format", "json", "samples/captures/nemo_evaluator/v2-logs.jsonl"))
    assert [r["source"] for r in from_file] == [
        "samples/captures/nemo_evaluator/v2-logs.jsonl:1",
        "samples/captures/nemo_evaluator/v2-logs.jsonl:2",
    ]
    from_stdin = reports(evaljobs("validate", "--format", "json", "-", stdin=logs))
    assert [r["source"] for r in from_stdin] == ["<stdin>:1", "<stdin>:2"]
    assert [r["valid"] for r in from_stdin] == [True, False]
    one = reports(
        evaljobs("validate", "--format", "json", "-", stdin=b'{\n  "evaluation_run": {"agent_name": "a"}\n}\n')
    )
    assert [(r["source"], r["schema"], r["valid"]) for r in one] == [
        ("<stdin>", "gradient.EvaluationRunRetrieveResponse", True)
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\xef\xbb\xbf{}", "byte order mark"),
        (b'{"a": NaN}', "NaN is not a JSON number"),
        ('{"é": NaN}'.encode(), "NaN is not a JSON number"),  # (after a 2-byte character: not a byte offset)
        ('{"a": "€😀", "b": -Infinity}'.encode(), "Infinity is not a JSON number"),
        (b'{"a": 1, "a": 2}', "duplicate key 'a'"),
        (b"\xff\xfe{", "not UTF-8"),
        (b"[" * 100_000, "nested more than 1,024 levels"),
        (b'{"evaluation_run": {', "not JSON"),
    ],
)
def test_hostile_bytes_are_findings_not_crashes(tmp_path: Path, content: bytes, message: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    good = tmp_path / "good.json"
    good.write_text('{"evaluation_run": {"agent_name": "a"}}')
    result = evaljobs("validate", "--format", "json", str(tmp_path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    found = {Path(str(r["source"])).name: r for r in reports(result)}
    assert found["good.json"]["valid"] is True, "one bad file does not stop the batch"
    assert found["bad.json"]["valid"] is False
    assert message in found["bad.json"]["errors"][0]["message"]


def test_usage_and_io_errors_exit_2_without_traceback() -> None:
    for args in (
        ["validate", "--schema", "nemo_evaluator.Nope", "samples"],
        ["validate", "--endpoint", "GET /nowhere", "samples"],
        ["validate", "--endpoint", "nonsense", "samples"],
        ["validate"],
        ["frobnicate"],
    ):
        result = evaljobs(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
    missing = evaljobs("validate", "samples/captures/gradient/results-page.json", "no/such/file.json")
    assert missing.returncode == 2 and "no/such/file.json: no such file or folder" in missing.stderr
    assert "1 payload(s): 1 valid" in missing.stdout, "the readable paths are still validated"


def test_endpoint_and_schema_select_the_model() -> None:
    path = "samples/captures/nemo_evaluator/v2-job-docs.json"
    by_template = reports(
        evaljobs("validate", "--format", "json", "--endpoint", "GET /v2/evaluation/jobs/{job_id}", path)
    )
    by_path = reports(evaljobs("validate", "--format", "json", "--endpoint", "GET /v2/evaluation/jobs/job-1?x=1", path))
    assert by_template[0]["schema"] == by_path[0]["schema"] == "nemo_evaluator.EvaluatorV2Job"
    wrong = reports(evaljobs("validate", "--format", "json", "--schema", "nemo_evaluator.EvaluationJob", path))
    assert wrong[0]["valid"] is False
    assert {e["pointer"] for e in wrong[0]["errors"]} >= {"/config", "/target"}


def installed_version() -> str:
    from importlib.metadata import version

    return version("evaljobs")


def test_version_names_the_release_and_the_native_scanner(tmp_path: Path) -> None:
    import tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert installed_version() == declared
    result = evaljobs("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"evaljobs {declared} (native scanner _evaljobs_scan: built)\n"
    # Without the scanner (a module of that name that cannot load stands for a build without a C compiler).
    (tmp_path / "_evaljobs_scan.py").write_text('raise ImportError("not built")\n')
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    missing = subprocess.run(
        [sys.executable, "-m", "evaljobs", "--version"], capture_output=True, text=True, env=env, check=False
    )
    assert missing.returncode == 0, missing.stderr
    assert missing.stdout.startswith(f"evaljobs {declared} (native scanner _evaljobs_scan: not built")
    assert "3-5x slower" in missing.stdout
    switched_off = subprocess.run(
        [sys.executable, "-m", "evaljobs", "--version"],
        capture_output=True,
        text=True,
        env={**os.environ, "EVALJOBS_NATIVE": "0"},
        check=False,
    )
    assert "built, switched off by EVALJOBS_NATIVE=0" in switched_off.stdout


def test_python_dash_m_evaljobs_is_the_command() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "evaljobs",
            "validate",
            "--format",
            "json",
            "samples/captures/gradient/results-page.json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert [r["valid"] for r in reports(result)] == [True]
    usage = subprocess.run([sys.executable, "-m", "evaljobs"], capture_output=True, text=True, check=False)
    assert usage.returncode == 2 and "usage: evaljobs" in usage.stderr and "Traceback" not in usage.stderr


def test_schemas_lists_every_api_its_operations_and_schemas() -> None:
    from evaljobs import APIS
    from evaljobs._validation.targets import routes_module

    result = evaljobs("schemas")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line for line in lines if line and not line.startswith(" ")] == list(APIS)
    for api in APIS:
        listed = {line.strip() for line in evaljobs("schemas", api).stdout.splitlines()}
        assert {f"{api}.{name}" for name in routes_module(api).CLASSES} <= listed
        for operation in importlib.import_module(f"evaljobs.{api}._operations").OPERATIONS:
            assert any(
                line.startswith(operation.operation_id) and f"{operation.method} {operation.path}" in line
                for line in listed
            ), operation.operation_id
    nemo = evaljobs("schemas", "nemo_evaluator").stdout
    assert "get_evaluation_job, get_evaluation_job_v2, get_evaluation_job_status_v2" in nemo
    assert re.search(
        r"getEvaluationJobV2 +GET /v2/evaluation/jobs/\{job_id\} -> nemo_evaluator\.EvaluatorV2Job\n", nemo
    )
    unknown = evaljobs("schemas", "nope")
    assert unknown.returncode == 2 and "unknown API 'nope'; known: gradient, nemo_evaluator" in unknown.stderr


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ("nemo_evaluator.EvalJob", "closest: nemo_evaluator.EvaluationJob, nemo_evaluator.EvaluatorV2Job"),
        ("nemo_evaluator.evaluationjob", "closest: nemo_evaluator.EvaluationJob,"),
        (
            "nemo_evaluator.Nope",
            "the responses' schemas: nemo_evaluator.EvaluationJobsPage, nemo_evaluator.EvaluationJob",
        ),
        ("EvaluatorV2Job", "expected API.Name, found 'EvaluatorV2Job'; did you mean nemo_evaluator.EvaluatorV2Job?"),
    ],
)
def test_an_unknown_schema_names_the_closest_ones(schema: str, expected: str) -> None:
    result = evaljobs("validate", "--schema", schema, "samples")
    assert result.returncode == 2 and result.stdout == ""
    assert expected in result.stderr and "Traceback" not in result.stderr
    if "Nope" in schema:
        assert "`evaljobs schemas nemo_evaluator` lists all" in result.stderr


@pytest.mark.parametrize(
    ("columns", "lines"), [(None, None), ("50", None), ("200", "10"), ("x", "y"), ("0", "5"), ("-3", None)]
)
def test_the_help_is_as_wide_as_shutil_says(
    monkeypatch: pytest.MonkeyPatch, columns: str | None, lines: str | None
) -> None:
    """The command's parser asks the terminal's width without importing shutil (start-up): the same width."""
    import shutil

    from evaljobs.cli import _columns

    for name, value in (("COLUMNS", columns), ("LINES", lines)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert _columns() == shutil.get_terminal_size().columns
