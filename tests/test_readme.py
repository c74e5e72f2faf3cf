"""The README as a reader uses it: its first snippet runs as written, its lifecycle examples run against the
mock, and it names what the specs and the Makefile define (environment variables, make targets)."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from evaljobs._mock import MockServer
from tests.conftest import APIS, ROOT, spec

README = (ROOT / "README.md").read_text(encoding="utf-8")


def python_snippets() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)


def test_the_first_snippet_runs_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the README says its Python snippets run from the repository's root
    namespace: dict[str, Any] = {}
    exec(compile(python_snippets()[0], "README.md", "exec"), namespace)
    job, body = namespace["job"], namespace["body"]
    assert job.status == "completed"
    assert str(job.created_at) == "2025-03-19T22:50:15.684382"
    assert job.model_dump(mode="json", by_alias=True, exclude_unset=True) == json.loads(body)


def lifecycle_snippets() -> list[str]:
    section = README.split("### The job lifecycle", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


def test_the_lifecycle_examples_run_against_the_mock(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    snippets = lifecycle_snippets()
    assert len(snippets) == 3, "NeMo v1, NeMo v2, Gradient"
    monkeypatch.chdir(tmp_path)  # they write their downloads where they run
    # a clock so fast that a job has succeeded by its first poll: wait() returns without sleeping
    with MockServer(speed=1e6, token="any") as mock:
        for name in ("EVALUATOR_BASE_URL", "GRADIENT_BASE_URL"):
            monkeypatch.setenv(name, mock.url)
        monkeypatch.setenv("DIGITALOCEAN_ACCESS_TOKEN", "any")
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            for snippet in snippets:
                exec(compile(snippet, "README.md", "exec"), {})
        methods = [request.method for request in mock.requests]
    lines = printed.getvalue().splitlines()
    assert lines[0] == "succeeded 100.0"
    assert Path("results.zip").stat().st_size > 0 and Path("artifacts.tar.gz").stat().st_size > 0
    assert any(line.startswith("succeeded EVALUATION_RUN_SUCCESSFUL") for line in lines)
    assert methods.count("POST") == 3 and methods.count("DELETE") == 2


@pytest.mark.parametrize("api", APIS)
def test_every_environment_variable_of_the_specs_is_named(api: str) -> None:
    document = spec(api)
    names = list(document.get("x-evaljobs-base-url-env", []))
    if "x-evaljobs-token-env" in document:
        names.append(document["x-evaljobs-token-env"])
    assert names
    for name in names:
        assert f"${name}" in README or f"{name}=" in README, f"the README does not name ${name}"


def test_every_make_target_is_in_the_table() -> None:
    phony = re.search(r"^\.PHONY:(.*)$", (ROOT / "Makefile").read_text(), flags=re.MULTILINE)
    assert phony is not None
    for target in phony.group(1).split():
        assert f"| `make {target}" in README, f"make {target} is not in the README's table"


def test_shell_snippets_say_which_environment_runs_them() -> None:
    assert ".venv/bin/evaljobs" in README and ". .venv/bin/activate" in README
    assert "see the issues" not in README, "the README points outside the repository"
