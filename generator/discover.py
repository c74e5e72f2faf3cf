"""Find the spec files in schemas/ and name the subpackage each becomes."""

from __future__ import annotations

import keyword
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
# Names the package itself uses at its top level.
RESERVED = frozenset({"cli", "models", "validate"})


@dataclass(frozen=True)
class SpecFile:
    path: Path
    name: str
    kind: Kind

    @property
    def label(self) -> str:
        return f"schemas/{self.path.name}"


def discover(schemas_dir: Path) -> tuple[list[SpecFile], list[Problem]]:
    specs: list[SpecFile] = []
    problems: list[Problem] = []
    by_name: dict[str, SpecFile] = {}
    for path in sorted(schemas_dir.iterdir()):
        kind = next((k for suffix, k in _SUFFIXES.items() if path.name.endswith(suffix)), None)
        if kind is None or not path.is_file():
            continue
        name = path.name.split(".", 1)[0]
        spec = SpecFile(path, name, kind)
        if not name.isidentifier() or keyword.iskeyword(name) or not name.isascii():
            problems.append(
                Problem(spec.label, "", f"{name!r} (the name before the first dot) is not a valid package name")
            )
        elif name.startswith("_") or name in RESERVED:
            problems.append(Problem(spec.label, "", f"{name!r} is reserved by the evaljobs package; rename the file"))
        elif name in by_name:
            problems.append(Problem(spec.label, "", f"{by_name[name].label} already defines package {name!r}"))
        else:
            by_name[name] = spec
            specs.append(spec)
    if not specs and not problems:
        problems.append(Problem(str(schemas_dir), "", "no *.openapi.yaml, *.openapi.json or *.schema.json files"))
    return specs, problems
