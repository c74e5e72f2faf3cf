"""Stage, gate and swap in the generated package; or compare it with what is there."""

from __future__ import annotations

import difflib
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.problems import GenerationFailed, Problem

PACKAGE = "evaljobs"
_IGNORED = ("__pycache__",)


@contextmanager
def staging(out_dir: Path) -> Iterator[Path]:
    """An empty ``evaljobs`` directory beside ``out_dir``'s package (same file system), removed afterwards."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".stage-", dir=out_dir))
    try:
        (stage / PACKAGE).mkdir()
        yield stage / PACKAGE
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def gate(package: Path) -> None:
    """Every module compiles, and every subpackage imports in a fresh interpreter."""
    problems = []
    for path in sorted(package.rglob("*.py")):
        try:
            compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as error:
            problems.append(Problem(str(path.relative_to(package.parent)), "", f"does not compile: {error}"))
    if problems:
        raise GenerationFailed(problems)
    names = sorted(p.name for p in package.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    script = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    modules = [PACKAGE] + [f"{PACKAGE}.{name}" for name in names]
    result = subprocess.run(
        [
            sys.executable,
            "-I",
            "-B",
            "-c",
            f"import sys; sys.path.insert(0, {str(package.parent)!r})\n{script}",
            *modules,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        tail = result.stderr.strip().splitlines()[-1:] or ["no output"]
        raise GenerationFailed([Problem("generated/evaljobs", "", f"the generated package does not import: {tail[0]}")])


def format_python(package: Path) -> None:
    """Format every module with ruff (the models are already; the rendered files get the same style)."""
    ruff = Path(sys.executable).parent / "ruff"
    command = [str(ruff) if ruff.exists() else "ruff", "format", "--quiet", str(package)]
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=Path(__file__).parent.parent)
    if result.returncode != 0:
        raise GenerationFailed(
            [Problem("generated/evaljobs", "", f"ruff format failed: {result.stderr.strip()[:500]}")]
        )


def swap(package: Path, out_dir: Path) -> None:
    """Replace ``out_dir/evaljobs`` by the staged ``package`` with two renames."""
    target = out_dir / PACKAGE
    old = package.parent / "old"
    if target.exists():
        target.rename(old)
    try:
        package.rename(target)
    except BaseException:
        if old.exists():
            old.rename(target)
        raise


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
