"""Stage, gate and swap in the generated package; or compare it with what is there.

Nothing in ``out_dir`` changes before the staged package has passed the gate: the package is written into
``out_dir/.stage-*/evaljobs`` (same file system), then swapped in with two renames while SIGINT and SIGTERM
wait, so an interruption leaves either the old package or the new one, never a mix. A lock on ``out_dir``
makes a second generation into the same place fail fast. Stage directories left by a killed run
(SIGKILL) are removed by the next successful one.
"""

from __future__ import annotations

import difflib
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.problems import GenerationFailed, Problem
from generator.publish.interrupts import signals_deferred

PACKAGE = "evaljobs"
STAGE_PREFIX = ".stage-"
RUFF_VARIABLE = "EVALJOBS_RUFF"  # the ruff executable to format with (default: the one beside Python)
_IGNORED = ("__pycache__",)


class Busy(OSError):
    """Another generation holds the lock on the output folder."""


@contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``out_dir`` (created if missing, and removed again if the block fails
    while it is still empty)."""
    created = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(out_dir, os.O_RDONLY)
    succeeded = False
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy(f"another generation into {out_dir} is running; try again when it is done") from None
        yield
        succeeded = True
    finally:
        os.close(descriptor)
        if created and not succeeded and not any(out_dir.iterdir()):
            out_dir.rmdir()


@contextmanager
def staging(out_dir: Path | None) -> Iterator[Path]:
    """An empty ``evaljobs`` directory in a new stage directory, removed afterwards: inside ``out_dir``
    (same file system, for the swap), or in the system's temporary folder when ``out_dir`` is None."""
    stage = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=out_dir))
    try:
        (stage / PACKAGE).mkdir()
        yield stage / PACKAGE
    finally:
        with signals_deferred():
            shutil.rmtree(stage, ignore_errors=True)


def format_python(package: Path) -> None:
    """Format every module with ruff (the models are already; the rendered files get the same style)."""
    command = [_ruff(), "format", str(package)]
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, check=False, cwd=Path(__file__).parent.parent.parent, timeout=300
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise GenerationFailed([Problem(PACKAGE, "", f"ruff format could not run: {error}")]) from error
    if result.returncode != 0:
        output = (result.stderr + result.stdout).strip().splitlines()
        errors = [line for line in output if line.startswith("error")] or output[-3:] or ["no output"]
        stage = str(package.parent) + os.sep
        raise GenerationFailed(
            [
                Problem(PACKAGE, "", f"ruff format failed ({result.returncode}): {line.replace(stage, '')}")
                for line in errors
            ]
        )


def _ruff() -> str:
    configured = os.environ.get(RUFF_VARIABLE)
    if configured:
        return configured
    beside = Path(sys.executable).parent / "ruff"
    return str(beside) if beside.exists() else "ruff"


def swap(package: Path, out_dir: Path) -> None:
    """Replace ``out_dir/evaljobs`` by the staged ``package`` with two renames; signals wait meanwhile.
    Then remove the stage directories of earlier, killed runs."""
    target = out_dir / PACKAGE
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise GenerationFailed([Problem(str(target), "", "is not a directory (a symlink?); refusing to replace it")])
    old = package.parent / "old"
    with signals_deferred():
        if target.exists():
            target.rename(old)
        try:
            package.rename(target)
        except BaseException:
            if old.exists():
                old.rename(target)
            raise
        shutil.rmtree(old, ignore_errors=True)
        for leftover in out_dir.glob(STAGE_PREFIX + "*"):
            if leftover.is_dir() and leftover != package.parent:
                shutil.rmtree(leftover, ignore_errors=True)


def files(root: Path) -> dict[str, bytes]:
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not any(part in _IGNORED for part in path.parts)
    }


def differences(expected: Path, actual: Path, context_lines: int = 40) -> list[str]:
    """A summary of how ``actual`` differs from ``expected``: a line per file, then the start of a diff."""
    want, have = files(expected), files(actual)
    summary: list[str] = []
    diff: list[str] = []
    for name in sorted(want.keys() | have.keys()):
        if name not in have:
            summary.append(f"  missing   {PACKAGE}/{name}")
        elif name not in want:
            summary.append(f"  extra     {PACKAGE}/{name}")
        elif want[name] != have[name]:
            old = have[name].decode("utf-8", "replace").splitlines()
            new = want[name].decode("utf-8", "replace").splitlines()
            lines = list(
                difflib.unified_diff(
                    old, new, f"generated/{PACKAGE}/{name}", f"regenerated/{PACKAGE}/{name}", lineterm=""
                )
            )
            added = sum(1 for line in lines if line.startswith("+") and not line.startswith("+++"))
            removed = sum(1 for line in lines if line.startswith("-") and not line.startswith("---"))
            summary.append(f"  changed   {PACKAGE}/{name} (+{added} -{removed})")
            diff.extend(lines)
    if summary and diff:
        shown = diff[:context_lines]
        summary.extend(["", *shown, *(["  ..."] if len(diff) > context_lines else [])])
    return summary
