"""What pyproject.toml declares: ranges a user's environment can meet (exact versions live in the lock for
development), a lock that satisfies them, the lower bounds `make test-oldest` installs, and the license."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib.metadata import metadata
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.conftest import ROOT

LOCK = ROOT / "requirements-dev.lock"


def project() -> dict[str, Any]:
    data: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return data


def runtime() -> list[Requirement]:
    return [Requirement(text) for text in project()["dependencies"]]


def locked() -> dict[str, Version]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        if line and not line.startswith("#"):
            name, separator, version = line.partition("==")
            assert separator, f"requirements-dev.lock: {line!r} is not an exact pin"
            pins[canonicalize_name(name)] = Version(version)
    return pins


def test_runtime_dependencies_are_ranges_with_a_lower_bound() -> None:
    for requirement in runtime():
        operators = {spec.operator for spec in requirement.specifier}
        assert "==" not in operators and "===" not in operators, f"{requirement} pins one version"
        assert ">=" in operators, f"{requirement} has no lower bound for make test-oldest to test"
    # The case of the issue: evaljobs beside a project that pins httpx 0.27.
    httpx = next(r for r in runtime() if r.name == "httpx")
    assert httpx.specifier.contains("0.27.2")


def test_the_lock_pins_every_dependency_within_its_range() -> None:
    pins = locked()
    declared = list(runtime())
    for extra in project()["optional-dependencies"].values():
        declared += [Requirement(text) for text in extra if not text.startswith("evaljobs")]
    for requirement in declared:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in requirements-dev.lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{name}=={pins[name]} not in {requirement}"
        )
    build = Requirement(tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"][0])
    assert build.specifier.contains(pins[canonicalize_name(build.name)]), "the lock pins the build backend too"


def test_oldest_requirements_are_the_lower_bounds() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "oldest_requirements.py")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for requirement in runtime():
        bound = next(spec.version for spec in requirement.specifier if spec.operator == ">=")
        assert f"{requirement.name}=={bound}" in lines
    pins = locked()
    for line in lines[len(runtime()) :]:  # the test tools, at their locked versions
        name, _, version = line.partition("==")
        assert pins[canonicalize_name(name)] == Version(version)


def test_the_license_is_apache_2_in_the_file_and_the_metadata() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert project()["license"] == "Apache-2.0"
    installed = metadata("evaljobs")
    assert installed["License-Expression"] == "Apache-2.0"
    assert "LICENSE" in (installed.get_all("License-File") or [])
