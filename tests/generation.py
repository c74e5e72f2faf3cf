"""Helpers to run the generator in a subprocess, as `make generate` does, on folders of the tests' own."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def run_generator(command: str, schemas: Path, out: Path, *, seed: str = "0") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", command, "--schemas", str(schemas), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "PYTHONHASHSEED": seed},
    )


def tree_digest(root: Path) -> dict[str, str]:
    """Every file below ``root`` (caches aside) and the hash of its bytes."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def run_python(code: str, package_root: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter that imports ``evaljobs`` from ``package_root``."""
    prelude = f"import sys; sys.path.insert(0, {str(package_root)!r})\n"
    return subprocess.run(
        [sys.executable, "-B", "-c", prelude + code], capture_output=True, text=True, timeout=120, check=False
    )
