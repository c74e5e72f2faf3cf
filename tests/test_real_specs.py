"""Real public OpenAPI documents (tests/realspecs.py: 3.0 and 3.1, YAML and JSON, one of 110 operations), unedited:
each generates, the package passes ``mypy --strict``, each client calls every GET of its own mock and gets its
model back, and the validator agrees with jsonschema (on the bundled schema.json) about payloads made from every
schema and broken on purpose.

All eight specs are generated once, together, into a temporary folder, as `make generate` would from schemas/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from generator.load.document import load_document
from generator.schema import build
from generator.schema.examples import NO_EXAMPLE
from tests import realspecs
from tests.conftest import ROOT
from tests.generation import run_generator, run_python

APIS = sorted(name.split(".", 1)[0] for name in realspecs.SPECS)


@dataclass(frozen=True)
class Generated:
    out: Path
    result: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    folder = tmp_path_factory.mktemp("realspecs")
    schemas, out = folder / "schemas", folder / "out"
    schemas.mkdir()
    for name, path in realspecs.ensure().items():
        shutil.copyfile(path, schemas / name)
    return Generated(out, run_generator("generate", schemas, out))


def test_every_real_spec_generates_unedited(generated: Generated) -> None:
    assert generated.result.returncode == 0, generated.result.stderr[-3000:]
    assert sorted(p.name for p in (generated.out / "evaljobs").iterdir() if p.name in APIS) == APIS


def test_what_cannot_be_modelled_is_a_warning_with_its_place(generated: Generated) -> None:
    """petstore answers XML beside JSON: a warning that names the media type and its JSON pointer."""
    warnings = [line for line in generated.result.stderr.splitlines() if line.startswith("warning:")]
    expected = (
        "warning: schemas/petstore.openapi.json: #/paths/~1pet~1{petId}/get/responses/200/content/application~1xml:"
        " media type 'application/xml' is not modelled: only JSON bodies get models"
    )
    assert expected in warnings


def test_the_generated_packages_pass_mypy_strict(generated: Generated) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), "evaljobs"],
        cwd=generated.out,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]


CLIENT_AGAINST_MOCK = """
import inspect, json, typing
import evaljobs
from evaljobs._mock import MockServer
from evaljobs._validation.request_checks import request_spec
from generator.emit.operations import snake_case

VALUES = {int: 1, float: 1.0, bool: True, str: "1"}

def argument(parameter):
    hint = parameter.annotation
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is __import__("types").UnionType:
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
    if typing.get_origin(hint) is list:
        return [VALUES.get(typing.get_args(hint)[0], "1")]
    if isinstance(hint, type) and hint not in VALUES and hasattr(hint, "__members__"):
        return next(iter(hint.__members__.values()))
    return VALUES.get(hint, "1")

results = {}
with MockServer() as mock:
    for api in API_NAMES:
        package = __import__(f"evaljobs.{api}", fromlist=["Client"])
        with package.Client(base_url=mock.url, max_retries=0, token="t") as client:
            for operation in package.OPERATIONS:
                if operation.method != "GET":
                    continue
                method = getattr(client, snake_case(operation.operation_id))
                hints = typing.get_type_hints(method)
                # the mock refuses a call without the query parameters the spec requires
                taken = request_spec(api, operation.operation_id).parameters
                query = [p for p in taken if p.location == "query" and p.required]
                required = {snake_case(p.name).rstrip("_") for p in query}
                arguments, keywords = [], {}
                for name, parameter in inspect.signature(method).parameters.items():
                    parameter = parameter.replace(annotation=hints.get(name, str))
                    if parameter.kind is parameter.POSITIONAL_OR_KEYWORD:
                        arguments.append(argument(parameter))
                    elif parameter.kind is parameter.KEYWORD_ONLY and (
                        parameter.default is parameter.empty or name.rstrip("_") in required
                    ):
                        keywords[name] = argument(parameter)
                try:
                    answer = method(*arguments, **keywords)
                except Exception as error:
                    results[f"{api} {operation.operation_id}"] = f"{type(error).__name__}: {error}"[:300]
                    continue
                model = operation.success_model
                ok = answer is None if model is None else isinstance(answer, model)
                results[f"{api} {operation.operation_id}"] = "ok" if ok else f"returned {type(answer).__name__}"
print(json.dumps(results))
"""


def test_each_client_calls_every_get_of_its_own_mock(generated: Generated) -> None:
    code = f"API_NAMES = {APIS!r}\nsys.path.append({str(ROOT)!r})\n" + CLIENT_AGAINST_MOCK
    result = run_python(code, generated.out)
    assert result.returncode == 0, result.stderr[-3000:]
    answers = json.loads(result.stdout)
    assert len(answers) >= 100  # every GET of eight specs
    failed = {operation: answer for operation, answer in answers.items() if answer != "ok"}
    assert failed == {}


AGREEMENT = """
import json, sys
import jsonschema
from pathlib import Path
import evaljobs

cases = json.loads(Path(sys.argv[1]).read_text())
checker = jsonschema.FormatChecker(["date-time"])
verdicts = []
bundles = {}
for api, name, payload in cases:
    if api not in bundles:
        bundles[api] = json.loads((Path(evaljobs.__file__).parent / api / "schema.json").read_text())
    schema = {**bundles[api], "$ref": "#/$defs/" + name.replace("~", "~0").replace("/", "~1")}
    errors = list(jsonschema.Draft202012Validator(schema, format_checker=checker).iter_errors(payload))
    ours = evaljobs.validate(json.dumps(payload).encode(), schema=f"{api}.{name}").valid
    union = bool(errors) and jsonschema.exceptions.best_match(errors).validator in ("oneOf", "anyOf")
    verdicts.append([ours, not errors, union])
print(json.dumps(verdicts))
"""


# Left out of the agreement (still generated, type-checked and called through their mocks): two fixture specs made
# to show discriminators, where the models follow datamodel-code-generator's reading of a base schema's
# discriminator (a member's tag becomes a Literal) and JSON Schema has no such rule. The models' reading of
# discriminators is the next step of issue "One schema model".
NOT_COMPARED = frozenset({"polymorphism", "discriminators"})
_MADE: set[int] = set()  # the positions of _cases()'s unbroken examples


def _cases() -> list[tuple[str, str, Any]]:
    """(api, schema, payload): an example of every schema of every spec that can be made (the mock serves
    these where a spec has none; _made_examples), and broken ones: a required field removed, a field of the
    wrong type, an unknown field added."""
    cases: list[tuple[str, str, Any]] = []
    for name, path in realspecs.ensure().items():
        api = name.split(".", 1)[0]
        if api in NOT_COMPARED:
            continue
        document, problems = load_document(path, name)
        assert document is not None, problems
        model, _ = build(document, "openapi", name)
        for key, item in model.named.items():
            example = model.example(key)
            if example is NO_EXAMPLE:
                continue
            cases.append((api, key, example))
            _MADE.add(len(cases) - 1)
            node = item.node
            if isinstance(example, dict):
                cases.append((api, key, {**example, "x_evaljobs_unknown": 1}))
                for field in [*getattr(node, "required", ())][:2]:
                    cases.append((api, key, {k: v for k, v in example.items() if k != field}))
                for field, value in list(example.items())[:2]:
                    cases.append((api, key, {**example, field: 12345 if isinstance(value, str) else "12345"}))
    return cases


def test_the_validator_agrees_with_jsonschema(generated: Generated, tmp_path: Path) -> None:
    _MADE.clear()
    cases = _cases()
    assert len(cases) > 1000
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    code = "sys.argv[1:] = [" + repr(str(tmp_path / "cases.json")) + "]\n" + AGREEMENT
    result = subprocess.run(
        [sys.executable, "-B", "-c", f"import sys; sys.path.insert(0, {str(generated.out)!r})\n" + code],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    verdicts = json.loads(result.stdout)
    disagreements = [
        (case[0], case[1], case[2], ours)
        for case, (ours, theirs, union) in zip(cases, verdicts, strict=True)
        if ours != theirs and not union
    ]
    assert disagreements == [], f"{len(disagreements)} disagreements, the first: {disagreements[:3]}"
    # Known and left: a payload that several members of a oneOf accept (or, through a base's discriminator,
    # none) is judged by the models, which pick one member, where JSON Schema refuses it. Rare here:
    unions = sum(ours != theirs for ours, theirs, _ in verdicts)
    assert unions < len(verdicts) // 50, unions
    made = [theirs for position, (_, theirs, _) in enumerate(verdicts) if position in _MADE]
    assert len(made) > 200 and all(made)  # every example the schema model makes is valid, for JSON Schema too


DISCRIMINATED = """
import json
import evaljobs

for payload in ({"pet_type": "Dog", "hunts": True, "age": 1}, {"pet_type": "Bird"}, {"hunts": True}):
    report = evaljobs.validate(json.dumps(payload).encode(), schema="polymorphism.PatchPetsRequest")
    print(json.dumps(report.as_json()))
"""


def test_a_discriminator_picks_the_member_for_errors_and_drift(generated: Generated) -> None:
    """PatchPetsRequest is ``oneOf: [Cat, Dog]`` with ``discriminator: {propertyName: pet_type}``: a Dog with a
    cat's fields is a Dog that drifted (not a valid Cat), an unknown or missing tag is an error of the tag."""
    result = run_python(DISCRIMINATED, generated.out)
    assert result.returncode == 0, result.stderr[-3000:]
    dog, bird, untagged = (json.loads(line) for line in result.stdout.splitlines())
    assert dog["valid"] and [(d["pointer"], d["message"]) for d in dog["drift"]] == [
        ("/hunts", "field 'hunts' is not in the spec of Dog"),
        ("/age", "field 'age' is not in the spec of Dog"),
    ]
    assert bird["errors"] == [{"pointer": "/pet_type", "message": "expected one of 'Cat', 'Dog'; found string 'Bird'"}]
    assert untagged["errors"] == [{"pointer": "/pet_type", "message": "missing required field 'pet_type'"}]


WALK_AGREEMENT = """
import json, sys
from pathlib import Path
from evaljobs._validation import reference as _pydantic_reference, targets as _registry, walk as _walk

verdicts = []
for api, name, payload in json.loads(Path(sys.argv[1]).read_text()):
    walked = _walk.errors(payload, api, name)
    models = _pydantic_reference.errors_for(payload, _registry.schema(f"{api}.{name}"))
    verdicts.append(None if walked is None else walked == models)
print(json.dumps(verdicts))
"""


def _walk_cases() -> list[tuple[str, str, Any]]:
    """(api, schema, payload) for every schema a payload can be checked against, in every spec (the two
    fixture specs of discriminators included): its example, and broken ones, at the top and one level down."""
    cases: list[tuple[str, str, Any]] = []
    for name, path in realspecs.ensure().items():
        api = name.split(".", 1)[0]
        document, problems = load_document(path, name)
        assert document is not None, problems
        model, _ = build(document, "openapi", name)
        for key in model.targets():
            example = model.example(key)
            if example is NO_EXAMPLE:
                continue
            cases.append((api, key, example))
            for broken in _broken(example):
                cases.append((api, key, broken))
                if isinstance(example, dict):
                    cases.extend((api, key, {**example, field: broken}) for field in list(example)[:3])
    return cases


def _broken(value: Any) -> list[Any]:
    """Values like ``value`` with one thing wrong: a field removed, a field of the wrong type, an unknown
    field, an item of the wrong type; and values of other types."""
    found: list[Any] = [None, "12345", 12345, [], {}]
    if isinstance(value, dict):
        for field, inner in list(value.items())[:4]:
            found.append({k: v for k, v in value.items() if k != field})
            found.append({**value, field: 12345 if isinstance(inner, str) else "12345"})
        found.append({**value, "x_evaljobs_unknown": 1})
    elif isinstance(value, list) and value:
        found.append([*value, 12345, "12345"])
    return found


def test_the_walk_agrees_with_the_models(generated: Generated, tmp_path: Path) -> None:
    """The walk's programs are compiled from the schema model (generator.emit.walk_programs), the models by
    datamodel-code-generator: on examples of every schema and broken ones, the walk reports exactly the
    models' errors, or leaves the payload to them; it answers for most."""
    cases = _walk_cases()
    assert len(cases) > 5000
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    code = "import sys; sys.argv[1:] = [" + repr(str(tmp_path / "cases.json")) + "]\n" + WALK_AGREEMENT
    result = run_python(code, generated.out)
    assert result.returncode == 0, result.stderr[-3000:]
    verdicts = json.loads(result.stdout)
    wrong = [case for case, verdict in zip(cases, verdicts, strict=True) if verdict is False]
    assert wrong == [], f"{len(wrong)} disagreements, the first: {wrong[:3]}"
    answered = dict.fromkeys(APIS, 0)
    for (api, _, _), verdict in zip(cases, verdicts, strict=True):
        answered[api] += verdict is not None
    # every spec has schemas the walk answers for, but readme's, whose objects are all closed (additionalProperties:
    # false: the models refuse unknown fields, the walk does not word that)
    assert [api for api, count in answered.items() if not count] == ["readme"], answered
    assert sum(answered.values()) > len(cases) // 2, answered
