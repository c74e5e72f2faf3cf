"""Print the requirements of `make test-oldest`: each runtime dependency of pyproject.toml at its lower bound
(`name>=X` becomes `name==X`), then the test tools at their versions in requirements-dev.lock.

A runtime dependency without a `>=` lower bound is an error: its oldest version could not be tested.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements-dev.lock"
TEST_TOOLS = ("pytest", "hypothesis", "pyyaml", "jsonschema", "rfc3339-validator")
"""What the runtime tests import besides evaljobs (tests/conftest.py reads the specs with PyYAML)."""


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lowest(requirement: str) -> str:
    found = re.fullmatch(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*)", requirement)
    bound = re.search(r">=\s*([^,;\s]+)", found.group(2)) if found else None
    if found is None or bound is None:
        raise SystemExit(f"oldest_requirements: {requirement!r} has no lower bound (>=) to test")
    return f"{found.group(1)}=={bound.group(1)}"


def main() -> int:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = [lowest(requirement) for requirement in project["dependencies"]]
    pinned = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        name, separator, _ = line.partition("==")
        if separator and not line.startswith("#"):
            pinned[normalized(name)] = line.strip()
    missing = [tool for tool in TEST_TOOLS if normalized(tool) not in pinned]
    if missing:
        raise SystemExit(f"oldest_requirements: {', '.join(missing)} not pinned in {LOCK.name}")
    lines += [pinned[normalized(tool)] for tool in TEST_TOOLS]
    sys.stdout.write("".join(f"{line}\n" for line in lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
