"""The README as a reader uses it: its first snippet runs as written, and it names what the specs and the
Makefile define (environment variables, make targets)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

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
