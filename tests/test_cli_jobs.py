"""`evaljobs validate --jobs`: worker processes change how fast the reports come, never what they say."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest

from evaljobs._inputs import batches, units
from tests.conftest import ROOT
from tests.test_cli import evaljobs
from tests.test_cli_inputs import _on_a_terminal, har

CAPTURES = ROOT / "samples" / "captures"


def _lines() -> list[str]:
    """One line per sample capture (valid, drifted and invalid ones), and a few lines that fit no schema,
    or several."""
    found = []
    for path in sorted(CAPTURES.rglob("*.json")):
        try:
            found.append(json.dumps(json.loads(path.read_text())))
        except ValueError:
            found.append(path.read_text().replace("\n", " "))  # the truncated capture: still broken
    return [*found, "{}", '{"evaluation_run": {"agent_name": 1}}', "not json", "[]"]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of several batches: a JSONL file cut into units, hundreds of small files, a HAR capture
    with skipped entries and one that does not decode, and a path that cannot be read."""
    folder = tmp_path_factory.mktemp("mixed")
    lines = _lines()
    with (folder / "big.jsonl").open("w") as stream:
        for index in range(2_000):  # twice CHUNK: cut into units
            stream.write(lines[index * 7 % len(lines)] + "\n")
    small = folder / "small"
    small.mkdir()
    for index in range(300):
        (small / f"{index:03}.json").write_text(lines[index % len(lines)])
    run = (CAPTURES / "gradient" / "evaluation-run-successful.json").read_text()
    url = "https://api.digitalocean.com/v2/gen-ai/evaluation_runs/8f0c"
    capture = har(
        [
            ("GET", url, 200, "application/json", run),
            ("GET", "https://api.digitalocean.com/v2/account", 200, "application/json", "{}"),
            ("GET", url, 200, "text/html", "<html></html>"),
            ("GET", url, 200, "application/json", '{"evaluation_run": {"agent_name": 1}}'),
        ]
    )
    (folder / "session.har").write_text(capture)
    (folder / "zz-gone.json").symlink_to(folder / "nowhere")
    assert len(list(batches(units([str(folder)])))) > 2, "the corpus must give the workers several batches"
    return folder


@pytest.mark.parametrize(
    "options",
    [
        ["--format", "text"],
        ["--format", "json"],
        ["--format", "junit"],
        ["--format", "text", "--strict"],
        ["--format", "json", "--strict"],
    ],
)
def test_two_processes_write_what_one_writes(mixed: Path, options: list[str]) -> None:
    paths = [str(mixed), "no/such/file.json"]
    one = evaljobs("validate", *options, *paths)
    two = evaljobs("validate", *options, "--jobs", "2", *paths)
    assert one.returncode == two.returncode == 2, one.stderr  # the unreadable paths win over findings
    assert "Traceback" not in one.stderr + two.stderr
    assert one.stdout == two.stdout
    assert one.stderr == two.stderr
    assert "zz-gone.json: No such file or directory" in two.stderr
    assert "no/such/file.json: no such file or folder" in two.stderr
    if "junit" in options:
        suite = ElementTree.fromstring(two.stdout).find("testsuite")
        assert suite is not None and suite.get("errors") == "2"


def test_two_processes_exit_as_one_does(mixed: Path, tmp_path: Path) -> None:
    """Without unreadable paths: 1 for errors; then, without errors, 0 for drift unless --strict."""
    one = evaljobs("validate", "--format", "json", str(mixed / "big.jsonl"), str(mixed / "small"))
    two = evaljobs("validate", "--format", "json", "--jobs", "2", str(mixed / "big.jsonl"), str(mixed / "small"))
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout and one.stderr == two.stderr
    reports = [json.loads(line) for line in two.stdout.splitlines()]
    assert {(report["valid"], bool(report["drift"])) for report in reports} == {
        (True, False),
        (True, True),
        (False, False),
    }
    drifted = [path for path in sorted(CAPTURES.rglob("*.json")) if "drifted" in path.name or "docs" in path.name]
    clean = tmp_path / "clean"
    clean.mkdir()
    for index in range(300):
        (clean / f"{index:03}.json").write_text(drifted[index % len(drifted)].read_text())
    for strict, status in (([], 0), (["--strict"], 1)):
        one = evaljobs("validate", *strict, str(clean))
        two = evaljobs("validate", *strict, "--jobs", "2", str(clean))
        assert one.returncode == two.returncode == status
        assert one.stdout == two.stdout


def test_workers_colour_the_reports_for_a_terminal(mixed: Path) -> None:
    status, output = _on_a_terminal("validate", "--jobs", "2", str(mixed / "small"), str(mixed / "big.jsonl"))
    assert status == 1 and "Traceback" not in output
    assert "\033[31mFAIL\033[0m" in output and "\033[32mok\033[0m" in output


def test_line_numbers_without_the_native_scanner(mixed: Path) -> None:
    """The JSONL file is cut into units, their first line numbers counted by the native scanner's newline
    count, or by ``bytes.count`` without it: the same sources either way, each line's own number."""
    import os
    import subprocess
    import sys

    path = mixed / "big.jsonl"
    assert len(list(units([str(path)]))) > 1, "the file must be cut into several units"
    runs = []
    for native in ("1", "0"):
        runs.append(
            subprocess.run(
                [sys.executable, "-m", "evaljobs.cli", "validate", "--format", "json", "--jobs", "2", str(path)],
                capture_output=True,
                text=True,
                timeout=120,
                cwd=ROOT,
                check=False,
                env={**os.environ, "EVALJOBS_NATIVE": native},
            )
        )
    assert runs[0].stdout == runs[1].stdout and runs[0].returncode == runs[1].returncode == 1
    sources = [json.loads(line)["source"] for line in runs[1].stdout.splitlines()]
    assert sources == [f"{path}:{number}" for number in range(1, 2_001)]
