"""Atomic regeneration: whatever stops a run (a signal, a full disk, a formatter crash, a second run, a
module the gate refuses), the output folder is byte-identical to before and the message names the cause.

Real subprocesses of ``python -m generator generate`` on the small spec of tests/golden. A run is stopped at
a known point with ``EVALJOBS_PAUSE_AT=<checkpoint>`` (generator.publish.interrupts): it prints ``paused at ...`` and
waits there for the test's signal.
"""

from __future__ import annotations

import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.problems import GenerationFailed
from generator.publish.gate import gate
from tests.conftest import ROOT
from tests.generation import run_generator, tree_digest

SCHEMAS = ROOT / "tests" / "golden" / "schemas"


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output folder holding a good generated package (copied by each test)."""
    out = tmp_path_factory.mktemp("baseline") / "out"
    result = run_generator("generate", SCHEMAS, out)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture
def out(baseline: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "out"
    shutil.copytree(baseline, copy, symlinks=True)
    return copy


def _command(out: Path) -> list[str]:
    return [sys.executable, "-m", "generator", "generate", "--schemas", str(SCHEMAS), "--out", str(out)]


def start_paused(out: Path, checkpoint: str) -> tuple[subprocess.Popen[str], str]:
    """A generation into ``out`` that is waiting at ``checkpoint``; and what it printed so far."""
    process = subprocess.Popen(
        _command(out),
        cwd=ROOT,
        env={**os.environ, "EVALJOBS_PAUSE_AT": checkpoint},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    seen = ""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stderr], [], [], 1.0)
        if ready:
            line = process.stderr.readline()
            seen += line
            if line.startswith(f"paused at {checkpoint}"):
                return process, seen
            if not line:
                break
    process.kill()
    raise AssertionError(f"generation did not pause at {checkpoint}: {seen}")


def finish(process: subprocess.Popen[str], seen: str) -> tuple[int, str]:
    _, stderr = process.communicate(timeout=120)
    return process.returncode, seen + stderr


def stages(out: Path) -> list[Path]:
    return list(out.glob(".stage-*"))


@pytest.mark.parametrize(
    ("checkpoint", "number"),
    [("staged", signal.SIGINT), ("gated", signal.SIGTERM), ("prepared", signal.SIGTERM)],
    ids=["SIGINT-after-writing", "SIGTERM-after-the-gate", "SIGTERM-before-writing"],
)
def test_a_signal_mid_run_leaves_the_output_untouched(out: Path, checkpoint: str, number: signal.Signals) -> None:
    before = tree_digest(out)
    process, seen = start_paused(out, checkpoint)
    if checkpoint != "prepared":
        assert len(stages(out)) == 1, "the run is writing into its stage"
    process.send_signal(number)
    status, stderr = finish(process, seen)
    assert status == 130, stderr
    assert f"interrupted ({number.name}); {out}/ was left as it was" in stderr
    assert "Traceback" not in stderr
    assert tree_digest(out) == before
    assert stages(out) == []


def test_sigkill_keeps_the_old_package_and_the_next_run_cleans_up(out: Path) -> None:
    before = tree_digest(out / "evaljobs")
    process, _ = start_paused(out, "staged")
    process.kill()
    process.communicate(timeout=60)
    assert tree_digest(out / "evaljobs") == before, "the package is replaced only by the final renames"
    assert len(stages(out)) == 1, "a killed run cannot clean up its stage"
    result = run_generator("generate", SCHEMAS, out)
    assert result.returncode == 0, result.stderr
    assert stages(out) == []
    assert tree_digest(out / "evaljobs") == before


def test_a_full_disk_leaves_the_output_untouched(out: Path) -> None:
    """RLIMIT_FSIZE makes every write past 8 KiB fail with EFBIG, as a full disk fails with ENOSPC."""

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))

    before = tree_digest(out)
    result = subprocess.run(
        _command(out), cwd=ROOT, capture_output=True, text=True, timeout=300, check=False, preexec_fn=small_disk
    )
    assert result.returncode in (1, 2), result.stderr
    assert "File too large" in result.stderr and "was left as it was" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(out) == before
    assert stages(out) == []


def test_a_formatter_crash_leaves_the_output_untouched(out: Path, tmp_path: Path) -> None:
    ruff = tmp_path / "crashing-ruff"
    ruff.write_text("#!/bin/sh\necho 'error: simulated formatter crash' >&2\nexit 2\n")
    ruff.chmod(0o755)
    before = tree_digest(out)
    result = subprocess.run(
        _command(out),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "EVALJOBS_RUFF": str(ruff)},
    )
    assert result.returncode == 1, result.stderr
    assert "ruff format failed (2): error: simulated formatter crash" in result.stderr
    assert tree_digest(out) == before
    assert stages(out) == []


def test_a_second_run_into_the_same_folder_fails_fast(out: Path) -> None:
    before = tree_digest(out)
    first, seen = start_paused(out, "staged")
    try:
        second = run_generator("generate", SCHEMAS, out)
        assert second.returncode == 2, second.stderr
        assert f"another generation into {out} is running" in second.stderr
    finally:
        first.send_signal(signal.SIGINT)
        status, _ = finish(first, seen)
    assert status == 130
    assert tree_digest(out) == before


def test_check_mode_never_writes(tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here"
    result = run_generator("check", SCHEMAS, missing)
    assert result.returncode == 1, result.stderr
    assert "missing   evaljobs/petjobs/models.py" in result.stdout
    assert not missing.exists()


def test_the_gate_refuses_an_injected_statement_with_its_place(baseline: Path, tmp_path: Path) -> None:
    """A generated module with a statement no template writes is refused, naming the file and the line; a
    copy of a runtime module is exempt (it is our code, not written from a spec)."""
    package = tmp_path / "stage" / "evaljobs"
    shutil.copytree(baseline / "evaljobs", package)
    gate(package)  # the real output passes
    operations = package / "petjobs" / "_operations.py"
    text = operations.read_text()
    operations.write_text(text + "\nimport os\nos.getcwd()\nx = eval('1')\n")
    with pytest.raises(GenerationFailed) as failure:
        gate(package)
    messages = [str(problem) for problem in failure.value.problems]
    lines = len(text.splitlines())
    assert f"evaljobs/petjobs/_operations.py: line {lines + 2}: import of 'os' is not allowed" in "\n".join(messages)
    assert f"line {lines + 3}: a generated module may not contain a Expr statement ('os.getcwd()')" in "\n".join(
        messages
    )
    assert f"line {lines + 4}: 'eval' may not be used in generated code" in "\n".join(messages)


def test_the_gate_imports_every_module_and_builds_every_model(baseline: Path, tmp_path: Path) -> None:
    package = tmp_path / "stage" / "evaljobs"
    shutil.copytree(baseline / "evaljobs", package)
    models = package / "petjobs" / "models.py"
    models.write_text(models.read_text().replace("name: StrictStr", "name: Undefined"))
    with pytest.raises(GenerationFailed) as failure:
        gate(package)
    messages = [str(problem) for problem in failure.value.problems]
    line = next(number for number, text in enumerate(models.read_text().splitlines(), 1) if "class JobOwner(" in text)
    expected = f"evaljobs/petjobs/models.py: line {line}: model does not build (evaljobs.petjobs.models.JobOwner)"
    assert any(message.startswith(expected) and "'Undefined' is not defined" in message for message in messages), (
        messages
    )
