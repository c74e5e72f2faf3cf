"""The full path without pydantic (evaljobs._validation.walk): the walk reports the errors the models report, or
leaves the payload to them; drift is named without the models; explaining a payload imports no pydantic."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaljobs import validate
from evaljobs._report import Error
from evaljobs._validation import reference as _pydantic_reference
from evaljobs._validation import targets as _registry
from evaljobs._validation import walk as _walk
from tests.conftest import APIS, ROOT, model_document
from tests.generation import run_generator, run_python
from tests.strategies import for_component
from tests.test_validator import _mutated

SCHEMAS = [
    (api, name)
    for api in APIS
    for name, node in _walk.program(api)[1].items()
    if _walk.program(api)[0][node].kind in ("model", "root")
]
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


def _any_payload(api: str, name: str) -> st.SearchStrategy[Any]:
    valid = for_component(model_document(api), name, capture_like=True)
    return st.one_of(
        valid, for_component(model_document(api), name, drift=True), _mutated(valid), _mutated(_mutated(valid))
    )


@pytest.mark.parametrize(("api", "name"), SCHEMAS, ids=[f"{a}.{n}" for a, n in SCHEMAS])
def test_the_walk_reports_what_the_models_report(api: str, name: str) -> None:
    """On valid, drifted and mutated payloads of every schema (nested ones too): the walk's errors are the
    models' errors, message for message, in order; or it leaves the payload to them. It answers for most."""
    target = _registry.schema(f"{api}.{name}")
    answered: list[bool] = []

    @SETTINGS
    @given(_any_payload(api, name))
    def check(payload: Any) -> None:
        found = _walk.errors(payload, api, name)
        answered.append(found is not None)
        if found is not None:
            assert found == _pydantic_reference.errors_for(payload, target), json.dumps(payload)[:500]
            assert _walk.valid_for(payload, target) == (not found)

    check()
    assert sum(answered) >= 0.9 * len(answered), f"the walk answered {sum(answered)} of {len(answered)}"


@pytest.mark.parametrize(("api", "name"), SCHEMAS, ids=[f"{a}.{n}" for a, n in SCHEMAS])
def test_the_drift_walk_passes_over_nothing_that_drifts(api: str, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The drift walk passes over the parts the native scanner accepts (on the decoded JSON encoded again):
    on valid, drifted and mutated payloads of every schema, it finds what a walk through everything finds."""
    counted, _ = _counted_skipper(api)

    def everything(walk: Any, value: Any, part: str | None, *, many: bool = False) -> bool:
        return False

    @SETTINGS
    @given(_any_payload(api, name))
    def check(payload: Any) -> None:
        with monkeypatch.context() as patch:
            patch.setattr(_walk, "_skipper", lambda _: counted)
            native = _walk.drift(payload, api, name, decoded=True)
        encoded = _walk.drift(payload, api, name)
        with monkeypatch.context() as patch:
            patch.setattr(_walk._DriftWalk, "accepted", everything)
            assert native == encoded == _walk.drift(payload, api, name), json.dumps(payload)[:500]

    check()


@pytest.mark.parametrize(("api", "name"), SCHEMAS, ids=[f"{a}.{n}" for a, n in SCHEMAS])
def test_fields_added_at_the_root_are_told_by_one_scan_as_the_walk_tells_them(api: str, name: str) -> None:
    """The scan of a payload's JSON with the root left open (added_at_root): on valid, drifted and mutated
    payloads of every schema, with fields added at the root or not, where it answers it finds what the walk
    finds; and it answers for some."""
    told_by_the_scan: list[bool] = []

    @SETTINGS
    @given(_any_payload(api, name), st.dictionaries(st.sampled_from(["x_added", "nme", "zz"]), st.integers()))
    def check(payload: Any, added: dict[str, int]) -> None:
        if isinstance(payload, dict):
            payload = {**payload, **added}
        try:
            data = orjson.dumps(payload)
        except TypeError:  # an integer beyond 64 bits: the scanner cannot tell, the walk does
            data = json.dumps(payload).encode()
        added = _walk.added_at_root(data, payload, api, name)
        if added is not None:
            assert added == _walk.drift(payload, api, name, decoded=True), data[:500]
        told_by_the_scan.append(added is not None)

    check()
    opened = _walk._root_opened(api)
    if opened is not None and name in opened[1]:
        assert any(told_by_the_scan), "the scan with the root open answered for none of the payloads"


@pytest.mark.parametrize("api", APIS)
def test_the_root_open_program_opens_the_closed_object_roots(api: str) -> None:
    """_root_opened reads the scanner's program as it is written (plain tuples, kind last): each schema whose
    strict node is a closed object gets an open copy of it, and on these specs many do (else the test above
    passes without the scan ever answering)."""
    opened = _walk._root_opened(api)
    assert opened is not None, "the native scanner is built with the package"
    _, roots = opened
    assert len(roots) >= 10, roots
    module = _registry.outline_module(api)
    for name, root in roots.items():
        strict = module.NATIVE[module.NATIVE_TARGETS[name]]
        assert strict[-1] == "struct" and not strict[2], name  # (fields, whole_or_empty, open, kind)
        assert root >= len(module.NATIVE), name


def _counted_skipper(api: str) -> tuple[tuple[Any, dict[str, int], dict[str, int]], list[int]]:
    """The drift walk's view of the native scanner for ``api``, recording each answer in the list returned."""
    skipper = _walk._skipper(api)
    assert skipper is not None, "the native scanner is built with the package"
    program, singles, lists = skipper
    answers: list[int] = []

    class Counted:
        def scan(self, node: int, data: bytes) -> int:
            answers.append(program.scan(node, data))
            return answers[-1]

    return (Counted(), singles, lists), answers


def test_the_native_scanner_lets_the_drift_walk_pass_over_most_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Of the parts of generated payloads (valid, drifted, mutated) the drift walk asks the scanner about, the
    scanner accepts at least half: they need no walk (79% seen)."""

    def count(api: str, name: str) -> list[int]:
        counted, answers = _counted_skipper(api)

        @settings(SETTINGS, max_examples=20)
        @given(_any_payload(api, name))
        def check(payload: Any) -> None:
            with monkeypatch.context() as patch:
                patch.setattr(_walk, "_skipper", lambda _: counted)
                _walk.drift(payload, api, name, decoded=True)

        check()
        return answers

    asked = accepted = 0
    for api, name in SCHEMAS:
        answers = count(api, name)
        asked += len(answers)
        accepted += sum(answer == 1 for answer in answers)
    assert asked > 100 and accepted >= asked / 2, (asked, accepted)


def test_a_broken_bound_is_worded_by_the_walk_as_by_the_models() -> None:
    """`progress` is a number from 0 to 100: a value beyond is reported by the walk in the models' words (see
    tests/test_bounds.py), a value within is the walk's to pass."""
    target = _registry.schema("nemo_evaluator.EvaluationStatusDetails")
    payload = {"message": "ok", "task_status": {}, "progress": 150}
    assert _walk.errors(payload, target.api, target.name) == _pydantic_reference.errors_for(payload, target)
    errors = _walk.errors_for(payload, target)
    assert errors == _pydantic_reference.errors_for(payload, target)
    assert [e.pointer for e in errors] == ["/progress"] and "100" in errors[0].message
    assert _walk.errors({**payload, "progress": 99.5}, target.api, target.name) == []
    assert _walk.errors({**payload, "progress": None}, target.api, target.name) == []
    report = validate(json.dumps(payload).encode(), schema=target.label)
    assert report.errors == errors


def test_a_missing_field_names_the_closest_key() -> None:
    found = _walk.errors({"data": []}, "nemo_evaluator", "PlatformJobLogPage")
    slow = _pydantic_reference.errors_for({"data": []}, _registry.schema("nemo_evaluator.PlatformJobLogPage"))
    assert found == slow
    misspelled = {"dat": [], "total": 0}
    found = _walk.errors(misspelled, "nemo_evaluator", "PlatformJobLogPage")
    hint = "missing required field 'data' (the object has 'dat': a misspelling?)"
    assert found is not None and found[0] == Error("/data", hint)


def test_an_enum_schema_is_explained_too() -> None:
    """A schema that is an enum (``--schema nemo_evaluator.JobStatus``): a number is an error, an unlisted
    string drift, a listed one clean (the models' path has no model class to call for it)."""
    wrong = validate(b"5", schema="nemo_evaluator.JobStatus")
    assert [e.pointer for e in wrong.errors] == [""] and "one of 'created'" in wrong.errors[0].message
    assert wrong.errors == _pydantic_reference.errors_for(5, _registry.schema("nemo_evaluator.JobStatus"))
    drifted = validate(b'"brand_new"', schema="nemo_evaluator.JobStatus")
    assert drifted.valid and [d.kind for d in drifted.drift] == ["unknown_enum_value"]
    assert validate(b'"running"', schema="nemo_evaluator.JobStatus").drift == []


def test_explaining_payloads_imports_no_pydantic() -> None:
    """Errors and drift of the sample captures, reported by the command without pydantic (the import that
    made a first invalid payload cost 0.4 s and more, in every --jobs worker)."""
    code = (
        "import sys, io, contextlib\n"
        "from evaljobs.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    status = main(['validate', '--format', 'json', 'samples/captures'])\n"
        "print(status, 'pydantic' in sys.modules)\n"
        "print(out.getvalue())\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    first, _, rest = result.stdout.partition("\n")
    reports = [json.loads(line) for line in rest.splitlines() if line.strip()]
    assert first == "1 False", result.stderr
    assert any(r["errors"] and r["schema"] for r in reports), "the samples must have schema errors"
    assert any(r["drift"] for r in reports), "the samples must have drift"


def test_programs_read_every_model() -> None:
    """Every schema has a node; every model of the models module is in the program, with its fields."""
    import importlib

    for api in APIS:
        nodes, targets = _walk.program(api)
        routes = _registry.routes_module(api)
        assert targets.keys() == routes.CLASSES.keys()
        models = importlib.import_module(f"evaljobs.{api}.models")
        named = {node.name: node for node in nodes if node.kind in ("model", "root")}
        for cls in set(routes.CLASSES.values()):
            model = getattr(models, cls)
            if hasattr(model, "model_fields") and "root" not in model.model_fields:
                keys = [field.key for field in named[cls].fields]
                assert keys == [field.alias or name for name, field in model.model_fields.items()]
        assert not [node for node in nodes if node.kind == "unsure"], "a construct the walk does not model"


KINDS_SCHEMA = """{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Probe",
  "type": "object",
  "required": ["kind", "size"],
  "properties": {
    "kind": {"const": "probe"},
    "level": {"enum": ["low", "high"]},
    "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
    "name": {"type": "string", "minLength": 2},
    "size": {"type": "integer", "minimum": 0, "maximum": 10},
    "ratio": {"type": ["number", "null"]},
    "either": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
    "at": {"type": "string", "format": "date-time"},
    "tags": {"type": "array", "items": {"type": "string"}},
    "closed": {"type": "object", "additionalProperties": false, "properties": {"a": {"type": "string"}}},
    "shape": {"oneOf": [{"$ref": "#/$defs/Circle"}, {"$ref": "#/$defs/Square"}]}
  },
  "$defs": {
    "Circle": {"type": "object", "required": ["r"], "properties": {"r": {"type": "number"}}},
    "Square": {"type": "object", "required": ["side"], "properties": {"side": {"type": "integer"}}}
  }
}"""

PROBES = [
    {"kind": "probe", "size": 3},
    {"kind": "other", "size": 3},
    {"kind": 5, "size": "3"},
    {"size": 11},
    {"kind": "probe", "size": -1, "name": "x", "code": "abc"},
    {"kind": "probe", "size": 3, "name": "xy", "code": "ABC", "level": "mid", "ratio": None, "either": 2.5},
    {"kind": "probe", "size": 3, "level": 7, "ratio": "x", "either": None, "at": "2025-13-01T00:00:00Z"},
    {"kind": "probe", "size": 3, "at": "2025-01-01T00:00:00", "tags": ["a", 1, None]},
    {"kind": "probe", "size": 3, "closed": {"a": "x"}},
    {"kind": "probe", "size": 3, "closed": {"b": "x"}},
    {"kind": "probe", "size": 3, "shape": {"r": 1.5}},
    {"kind": "probe", "size": 3, "shape": {"side": "2"}},
    {"kind": "probe", "size": 3, "shape": {}},
    {"kind": "probe", "size": 3, "shape": [1]},
    {"kind": "probe", "size": True},
    [],
    "probe",
]


def test_a_new_spec_gets_a_program_that_agrees_with_its_models(tmp_path: Path) -> None:
    """Generic: a JSON Schema of the tests' own (a const, an enum, bounds, a pattern, nullable and union
    types, a closed object, a union of objects) gets a program whose walk agrees with the models wherever it
    answers; a broken bound, a pattern (the models' regular expressions are not Python's) and a closed
    object are left to the models."""
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "probes.schema.json").write_text(KINDS_SCHEMA)
    out = tmp_path / "out"
    result = run_generator("generate", schemas, out)
    assert result.returncode == 0, result.stderr
    code = textwrap.dedent(f"""
        import json
        from evaljobs._validation import walk as _walk, targets as _registry, reference as _pydantic_reference
        nodes, targets = _walk.program("probes")
        kinds = sorted({{node.kind for node in nodes}})
        answered = []
        for payload in json.loads({json.dumps(json.dumps(PROBES))}):
            target = _registry.schema("probes." + _registry.routes_module("probes").ROOT)
            found = _walk.errors(payload, "probes", target.name)
            expected = _pydantic_reference.errors_for(payload, target)
            assert found is None or found == expected, (payload, found, expected)
            answered.append(found is not None)
        wrong_const = _walk.errors({{"kind": "other", "size": 3}}, "probes", target.name)
        print(json.dumps({{"kinds": kinds, "answered": answered, "const": [e.message for e in wrong_const]}}))
    """)
    ran = run_python(code, out)
    assert ran.returncode == 0, ran.stderr
    found = json.loads(ran.stdout)
    assert {"literal", "enum", "checked", "union", "nullable", "datetime", "unsure"} <= set(found["kinds"])
    answered = found["answered"]
    assert sum(answered) >= len(answered) - 5, answered  # broken bounds, the patterns, the closed object
    assert answered[0] and answered[1] and answered[2] and answered[-1] and answered[-2]
    assert found["const"] == ["expected 'probe'; found string 'other'"]
