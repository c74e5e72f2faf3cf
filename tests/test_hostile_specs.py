"""The hostile-spec corpus (tests/hostile/manifest.yaml) through the real generator, in a subprocess.

Two runs of ``python -m generator generate`` cover the corpus: every case expected to generate shares one
schemas folder (a run reports every problem together, and a spec that generates can share one), and every
case expected to be refused shares another, run into the output of the first. Then:

- a refused case is refused with its message on a line of its file; the output folder is byte-identical;
- a generated package compiles, holds no hidden characters and no statement a generated module may not
  contain, imports in a fresh interpreter, passes its checks (exact values, round trips by the original
  names), and the canary file that any injected code would write never appears.
"""

from __future__ import annotations

import ast
import json
import os
import re
import textwrap
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT
from tests.generation import run_generator, run_python, tree_digest

HOSTILE = ROOT / "tests" / "hostile"
MANIFEST: list[dict[str, Any]] = yaml.safe_load((HOSTILE / "manifest.yaml").read_text(encoding="utf-8"))
GENERATES = [case for case in MANIFEST if case["expect"] == "generates"]
REFUSED = [case for case in MANIFEST if case["expect"] == "refused"]
LONG = ('A long description with """ quotes, \\ backslashes and \u202e bidi. ' * 3500)[:200_000].strip()
# Module-level statements a generated module may contain (the generator's gate enforces the same rule).
ALLOWED_TOP_LEVEL = (
    ast.Import,
    ast.ImportFrom,
    ast.ClassDef,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.Assign,
    ast.AnnAssign,
    ast.AugAssign,
)


def case_id(case: dict[str, Any]) -> str:
    names = case.get("as")
    suffix = f"[{names[0] if isinstance(names, list) else names}]" if names else ""
    return re.sub(r"\W+", "_", case["file"].split(".")[0] + suffix).strip("_")


def package_of(case: dict[str, Any]) -> str:
    return str(case["file"]).split(".")[0]


@dataclass
class Corpus:
    root: Path
    canary: Path
    out: Path
    generated: Any
    generated_digest: dict[str, str]
    refused: Any
    refused_digest: dict[str, str]
    # per generating case: where its package is, and why it failed ("" when it passed)
    outs: dict[str, Path]
    results: dict[str, str]


def _place(case: dict[str, Any], schemas: Path, outside: Path, canary: Path) -> list[str]:
    """Copy the case's spec into ``schemas`` (under its ``as`` names); return the names it has there."""
    text = (HOSTILE / case["file"]).read_text(encoding="utf-8")
    text = text.replace("@CANARY@", str(canary)).replace("@LONG@", json.dumps(LONG)[1:-1])
    if case.get("pad_bytes"):
        text += "#" + "x" * case["pad_bytes"] + "\n"
    names = case.get("as") or [case["file"]]
    names = [names] if isinstance(names, str) else names
    for name in names:
        if case.get("symlink"):
            target = outside / name
            target.write_text(text, encoding="utf-8")
            (schemas / name).symlink_to(target)
        else:
            (schemas / name).write_text(text, encoding="utf-8")
    return names


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    root = tmp_path_factory.mktemp("hostile")
    canary = root / "canary-written-by-injected-code"
    generating, refusing, outside, out = root / "generating", root / "refusing", root / "outside", root / "out"
    for folder in (generating, refusing, outside):
        folder.mkdir()
    for case in GENERATES:
        _place(case, generating, outside, canary)
    for case in REFUSED:
        _place(case, refusing, outside, canary)
    generated = run_generator("generate", generating, out)
    generated_digest = tree_digest(out)
    refused = run_generator("generate", refusing, out)
    refused_digest = tree_digest(out)
    outs = {case_id(case): out for case in GENERATES}
    results: dict[str, str] = {}
    if generated.returncode != 0:  # find the culprit: each case alone (slower, only when something broke)
        for case in GENERATES:
            alone = root / "alone" / case_id(case)
            (alone / "schemas").mkdir(parents=True)
            _place(case, alone / "schemas", outside, canary)
            result = run_generator("generate", alone / "schemas", alone / "out")
            outs[case_id(case)] = alone / "out"
            if result.returncode != 0:
                results[case_id(case)] = f"generation failed:\n{result.stderr}"
    for package_root in sorted(set(outs.values())):
        cases = [case for case in GENERATES if outs[case_id(case)] == package_root and case_id(case) not in results]
        results.update(_exercise(cases, package_root, generating, canary, root))
    return Corpus(root, canary, out, generated, generated_digest, refused, refused_digest, outs, results)


def _exercise(cases: list[dict[str, Any]], package_root: Path, specs: Path, canary: Path, root: Path) -> dict[str, str]:
    """Run the checks of ``cases`` against the packages in ``package_root``, in a fresh interpreter."""
    if not cases:
        return {}
    checks = [
        {
            "id": case_id(case),
            "package": package_of(case),
            "spec": str(specs / case["file"]),
            "python": case.get("python", "").replace("@CANARY@", str(canary)),
            "classes": case.get("classes", {}),
        }
        for case in cases
    ]
    path = root / f"checks-{len(list(root.glob('checks-*')))}.json"
    path.write_text(json.dumps(checks), encoding="utf-8")
    exercised = run_python(EXERCISE + f"\nmain({str(path)!r})\n", package_root)
    results = {}
    for line in exercised.stdout.splitlines():
        if line.startswith("CASE "):
            result = json.loads(line[5:])
            results[result["id"]] = result["error"]
    for case in cases:
        results.setdefault(case_id(case), f"the checks did not run: {exercised.stderr[-2000:]}")
    return results


# Runs in a fresh interpreter with the generated package first on sys.path: imports every module of each
# generated package, then runs the case's checks; prints one JSON line per case ("error": "" when it passed).
EXERCISE = textwrap.dedent("""
    import ast, importlib, inspect, json, pkgutil, traceback, unicodedata, yaml

    def roundtrip(model, payload):
        dumped = model.model_validate(payload).model_dump(mode="json", by_alias=True, exclude_unset=True)
        assert dumped == payload, (dumped, payload)

    def field_doc(model, field):
        tree = ast.parse(inspect.getsource(inspect.getmodule(model)))
        body = next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == model.__name__).body
        for statement, following in zip(body, body[1:]):
            if isinstance(statement, ast.AnnAssign) and statement.target.id == field:
                return inspect.cleandoc(following.value.value)
        raise AssertionError(f"no docstring under {field}")

    def main(path):
        for case in json.load(open(path, encoding="utf-8")):
            try:
                pkg = importlib.import_module("evaljobs." + case["package"])
                for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
                    importlib.import_module(info.name)
                models = importlib.import_module(pkg.__name__ + ".models")
                for component, cls in case["classes"].items():
                    assert isinstance(getattr(models, cls, None), type), f"{component}: no class {cls}"
                with open(case["spec"], encoding="utf-8") as stream:
                    spec = yaml.safe_load(stream)
                namespace = {"pkg": pkg, "models": models, "spec": spec, "roundtrip": roundtrip,
                             "field_doc": field_doc, "cleandoc": inspect.cleandoc, "unicodedata": unicodedata}
                exec(compile(case["python"], case["id"], "exec"), namespace)
                error = ""
            except BaseException:
                error = traceback.format_exc(limit=-3)
            print("CASE " + json.dumps({"id": case["id"], "error": error}), flush=True)
""")


def test_the_corpus_is_complete() -> None:
    """At least 30 cases; every spec file of tests/hostile is in the manifest, and every case is described."""
    assert len(MANIFEST) >= 30
    files = {path.name for path in HOSTILE.iterdir() if path.name != "manifest.yaml"}
    assert files == {case["file"] for case in MANIFEST}
    for case in MANIFEST:
        assert case["expect"] in ("generates", "refused"), case
        assert case.get("message") if case["expect"] == "refused" else case.get("python"), case


def test_the_generating_cases_generate(corpus: Corpus) -> None:
    result = corpus.generated
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    for case in GENERATES:
        assert f"evaljobs.{package_of(case)}" in result.stdout


@pytest.mark.parametrize("case", GENERATES, ids=case_id)
def test_generated_code_is_safe_and_exact(corpus: Corpus, case: dict[str, Any]) -> None:
    assert corpus.results.get(case_id(case)) == "", corpus.results.get(case_id(case))
    package = corpus.outs[case_id(case)] / "evaljobs" / package_of(case)
    assert package.is_dir()
    for path in sorted(package.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        compile(tree, str(path), "exec")
        hidden = [
            (number, hex(ord(char)))
            for number, line in enumerate(text.split("\n"), start=1)
            for char in line
            if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")
        ]
        assert not hidden, f"{path.name}: hidden characters at {hidden[:5]}"
        for statement in tree.body:
            docstring = isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
            rebuild = isinstance(statement, ast.Expr) and ast.unparse(statement).endswith(".model_rebuild()")
            type_checking = isinstance(statement, ast.If) and ast.unparse(statement.test) == "TYPE_CHECKING"
            allowed = isinstance(statement, ALLOWED_TOP_LEVEL) or docstring or rebuild or type_checking
            assert allowed, f"{path.name}:{statement.lineno}: {ast.unparse(statement)[:80]}"
    for warning in case.get("warnings", []):
        assert f"warning: schemas/{case['file']}: {warning}" in corpus.generated.stderr


@pytest.mark.parametrize("case", REFUSED, ids=case_id)
def test_a_hostile_spec_is_refused_with_a_clear_message(corpus: Corpus, case: dict[str, Any]) -> None:
    stderr = corpus.refused.stderr
    names = case.get("as") or [case["file"]]
    names = [names] if isinstance(names, str) else names
    lines = [line for line in stderr.splitlines() if any(_label(name) in line for name in names)]
    messages = case["message"] if isinstance(case["message"], list) else [case["message"]]
    for message in messages:
        assert any(message in line for line in lines), f"{message!r} not in:\n" + "\n".join(lines or [stderr])


def _label(file_name: str) -> str:
    """How the generator names a spec file in its messages (an unusual name quoted, with escapes)."""
    if re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", file_name):
        return f"schemas/{file_name}:"
    return "schemas/" + "".join(
        char if char == " " or unicodedata.category(char)[0] not in "CZ" else repr(char)[1:-1]
        for char in repr(file_name)
    )


def test_refusals_leave_the_output_untouched(corpus: Corpus) -> None:
    result = corpus.refused
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "was left as it was" in result.stderr
    assert corpus.refused_digest == corpus.generated_digest
    assert not list(corpus.out.glob(".stage-*"))


def test_no_injected_code_ran(corpus: Corpus) -> None:
    """Checked last, after the generator's own import gate and the checks above imported every module."""
    assert corpus.generated.returncode == 0
    assert not corpus.canary.exists(), corpus.canary.read_text()
    assert not (ROOT / corpus.canary.name).exists()
    assert not any(Path(os.getcwd()).glob(corpus.canary.name))
