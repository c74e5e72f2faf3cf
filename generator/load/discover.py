"""Find the spec files in schemas/ and name the subpackage each becomes.

The package name is the file name before its first dot, so the file name is checked like code: an ASCII
identifier that no other spec (in any letter case) and nothing of the evaljobs package itself uses, and
a file name of plain characters only (it is quoted in generated docstrings and headers). A spec file must
be a regular file inside schemas/ (a symlink pointing elsewhere is refused, not followed).
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from generator.problems import Problem

Kind = Literal["openapi", "jsonschema"]

_SUFFIXES: dict[str, Kind] = {
    ".openapi.yaml": "openapi",
    ".openapi.yml": "openapi",
    ".openapi.json": "openapi",
    ".schema.json": "jsonschema",
}
# Names the package itself uses at its top level (compared case-insensitively): its modules and attributes.
RESERVED = frozenset({"apis", "cli", "evaljobs", "models", "schemas", "validate"})
RUNTIME = Path(__file__).parent.parent / "runtime"
_PLAIN_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class SpecFile:
    path: Path
    name: str
    kind: Kind

    @property
    def label(self) -> str:
        return f"schemas/{self.path.name}"


def reserved_names() -> frozenset[str]:
    """Casefolded names no spec may take: RESERVED and the modules shipped at the package's top level."""
    shipped = {path.stem.casefold() for path in RUNTIME.glob("*.py")}
    return RESERVED | shipped


def discover(schemas_dir: Path) -> tuple[list[SpecFile], list[Problem]]:
    specs: list[SpecFile] = []
    problems: list[Problem] = []
    by_name: dict[str, SpecFile] = {}
    reserved = reserved_names()
    root = schemas_dir.resolve()
    for path in sorted(schemas_dir.iterdir()):
        kind = next((k for suffix, k in _SUFFIXES.items() if path.name.endswith(suffix)), None)
        if kind is None:
            continue
        name = path.name.split(".", 1)[0]
        spec = SpecFile(path, name, kind)
        label = f"schemas/{path.name!r}" if not _PLAIN_FILE_NAME.fullmatch(path.name) else spec.label
        if not _PLAIN_FILE_NAME.fullmatch(path.name):
            problems.append(
                Problem(label, "", "a spec file name may contain only ASCII letters, digits, '_', '-' and '.'")
            )
        elif path.is_symlink() and not path.resolve().is_relative_to(root):
            problems.append(Problem(label, "", "a symlink to a file outside schemas/ is refused (not followed)"))
        elif not path.is_file():
            problems.append(Problem(label, "", "not a regular file"))
        elif not name.isidentifier() or keyword.iskeyword(name) or not name.isascii():
            problems.append(Problem(label, "", f"{name!r} (the name before the first dot) is not a valid package name"))
        elif name.startswith("_") or name.casefold() in reserved:
            problems.append(Problem(label, "", f"{name!r} is reserved by the evaljobs package; rename the file"))
        elif name.casefold() in by_name:
            other = by_name[name.casefold()]
            problems.append(Problem(label, "", f"{other.label} already defines package {other.name!r}"))
        else:
            by_name[name.casefold()] = spec
            specs.append(spec)
    if not specs and not problems:
        problems.append(Problem(str(schemas_dir), "", "no *.openapi.yaml, *.openapi.json or *.schema.json files"))
    return specs, problems
