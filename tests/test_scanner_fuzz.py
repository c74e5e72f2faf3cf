"""Fuzz: random small specs made of the schema model's vocabulary (nested allOf, null allowed, discriminators,
additionalProperties typed or false, empty properties) go through the schema model and the scanner's
programs (generator.emit.scanner_programs); every payload the native scanner accepts, strict or lenient,
must be valid under JSON Schema (jsonschema, on the spec itself), the scanner's one rule."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import _evaljobs_scan as scan  # the module the project builds: without it, these tests fail
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from generator.emit.scanner_programs import ScannerPrograms
from generator.load.checks import check_document
from generator.schema import build
from tests.generation import run_generator, run_python
from tests.strategies import from_schema

NAMES = ("Alpha", "Beta", "Gamma")
KEYS = st.sampled_from(["a", "b", "c", "kind", "x_y"])

SCALARS = st.one_of(
    st.fixed_dictionaries({"type": st.just("string")}, optional={"minLength": st.integers(0, 3)}),
    st.fixed_dictionaries(
        {"type": st.just("integer")}, optional={"minimum": st.integers(-5, 5), "maximum": st.integers(5, 20)}
    ),
    st.fixed_dictionaries({"type": st.just("number")}, optional={"exclusiveMinimum": st.just(0)}),
    st.just({"type": "boolean"}),
    st.just({"type": ["string", "null"]}),
    st.lists(st.sampled_from(["on", "off", "alpha"]), min_size=1, max_size=3, unique=True).map(lambda v: {"enum": v}),
    st.just({"enum": ["x", None]}),
    st.just({"const": "fixed"}),
    st.just({}),
)


def _refs(depth: int) -> st.SearchStrategy[dict[str, Any]]:
    return st.sampled_from(NAMES).map(lambda name: {"$ref": f"#/components/schemas/{name}"})


def _objects(children: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    @st.composite
    def build_object(draw: st.DrawFn) -> dict[str, Any]:
        properties = draw(st.dictionaries(KEYS, children, max_size=3))
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        required = draw(st.lists(st.sampled_from(sorted(properties)), unique=True)) if properties else []
        if required:
            schema["required"] = required
        extra = draw(st.sampled_from(["absent", "false", "typed"]))
        if extra == "false":
            schema["additionalProperties"] = False
        elif extra == "typed":
            schema["additionalProperties"] = draw(SCALARS)
        return schema

    return build_object()


def _schemas(depth: int) -> st.SearchStrategy[Any]:
    if depth == 0:
        return st.one_of(SCALARS, _refs(depth))
    children = _schemas(depth - 1)
    return st.one_of(
        SCALARS,
        _refs(depth),
        _objects(children),
        st.fixed_dictionaries({"type": st.just("array"), "items": children}, optional={"maxItems": st.just(2)}),
        children.map(lambda s: {"anyOf": [s, {"type": "null"}]}),
        st.lists(children, min_size=1, max_size=3).map(lambda members: {"oneOf": members}),
        st.lists(children, min_size=1, max_size=3).map(lambda members: {"anyOf": members}),
        st.lists(_objects(children), min_size=1, max_size=2).map(lambda m: {"allOf": [{"allOf": m}, *m[:1]]}),
    )


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for name in NAMES:
        tagged = draw(_objects(_schemas(1)))
        tagged["properties"]["kind"] = {"type": "string", "enum": [name.lower()]}
        tagged["required"] = sorted({*tagged.get("required", []), "kind"})
        schemas[name] = tagged
    discriminated = {"oneOf": [{"$ref": f"#/components/schemas/{name}"} for name in NAMES]}
    discriminated["discriminator"] = {"propertyName": "kind"}
    if draw(st.booleans()):
        mapping = {name.lower(): f"#/components/schemas/{name}" for name in NAMES}
        discriminated["discriminator"]["mapping"] = mapping
    schemas["Tagged"] = discriminated
    schemas["Root"] = draw(_schemas(2))
    schemas["Holder"] = {"type": "object", "properties": {"root": {"$ref": "#/components/schemas/Root"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Fuzz", "version": "1"},
        "paths": {},
        "components": {"schemas": schemas},
    }


def _widened(schema: Any, *, tags: bool = True) -> Any:
    """``schema`` as the lenient program reads it: a string enum takes any string (an unlisted value is drift);
    without ``tags``, except a discriminator's tag (``kind``), by which the models pick a union's member."""
    if isinstance(schema, list):
        return [_widened(item, tags=tags) for item in schema]
    if not isinstance(schema, dict):
        return schema
    found = {key: value if key == "kind" and not tags else _widened(value, tags=tags) for key, value in schema.items()}
    values = schema.get("enum")
    if isinstance(values, list) and all(value is None or isinstance(value, str) for value in values):
        del found["enum"]
        found["type"] = ["string", "null"] if None in values else "string"
    return found


def _mutations(value: Any) -> st.SearchStrategy[Any]:
    """``value`` and values near it: a member dropped, replaced or added, anywhere."""
    options: list[st.SearchStrategy[Any]] = [st.just(value), st.sampled_from([None, 0, 1.5, "", "on", True, [], {}])]
    if isinstance(value, dict) and value:
        key = sorted(value)[0]
        options.append(st.just({k: v for k, v in value.items() if k != key}))
        options.append(_mutations(value[key]).map(lambda inner: {**value, key: inner}))
        options.append(st.just({**value, "extra": 1}))
    if isinstance(value, list) and value:
        options.append(_mutations(value[0]).map(lambda inner: [inner, *value[1:]]))
    return st.one_of(options)


PAYLOADS = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-30, 30), st.sampled_from(["", "on", "off", "fixed", "alpha"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(spec=specs(), data=st.data())
def test_what_the_scanner_accepts_json_schema_accepts(spec: dict[str, Any], data: st.DataObject) -> None:
    problems = check_document(spec, "openapi", "fuzz")
    assert not problems, problems
    model, problems = build(spec, "openapi", "fuzz")
    assert not problems, problems
    document = model.document()  # the schema model's reading must stay a valid document of the same schemas
    assert set(document["components"]["schemas"]) >= set(spec["components"]["schemas"])
    for lenient in (False, True):
        compiler = ScannerPrograms(model, lenient=lenient)
        names = [name for name in model.targets() if compiler.target(name, name)]
        nodes, found, _ = compiler.program(names)
        if not found:
            continue
        program = scan.Program(nodes)
        for name, index in found.items():
            judged = _widened(spec) if lenient else spec
            validator = Draft202012Validator({**judged, "$ref": f"#/components/schemas/{name}"})
            ref = {"$ref": f"#/components/schemas/{name}"}
            try:
                valid = from_schema(spec, ref, drift=lenient, max_depth=2)
            except ValueError:  # a schema no value satisfies, as tests.strategies sees it
                valid = PAYLOADS
            value = data.draw(st.one_of(valid.flatmap(_mutations), PAYLOADS), label=name)
            text = json.dumps(value).encode()
            if program.accepts(index, text) is True:
                assert validator.is_valid(value), (name, "lenient" if lenient else "strict", value)


AGREEMENT = """
import json, sys
import jsonschema
from pathlib import Path
import evaljobs

verdicts = []
for api, spec, name, payload in json.loads(Path(sys.argv[1]).read_text()):
    schema = {**spec, "$ref": "#/components/schemas/" + name}
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(payload))
    ours = evaljobs.validate(json.dumps(payload).encode(), schema=f"{api}.{name}").valid
    union = bool(errors) and jsonschema.exceptions.best_match(errors).validator in ("oneOf", "anyOf")
    verdicts.append([ours, not errors, union])
print(json.dumps(verdicts))
"""


def _collect(strategy: st.SearchStrategy[Any], count: int) -> list[Any]:
    """``count`` values of ``strategy`` (derandomized: the same ones every run)."""
    found: list[Any] = []

    @settings(
        max_examples=count, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck)
    )
    @given(strategy)
    def collect(value: Any) -> None:
        found.append(value)

    collect()
    return found


def test_generated_validators_agree_with_json_schema() -> None:
    """Random specs through the whole generator (`generator generate`, as `make generate` runs it): the package
    validates payloads as jsonschema does on the spec (an unlisted string enum value is drift, not an error:
    string enums widened), where a oneOf/anyOf is not what refuses them (the models pick a member where JSON
    Schema refuses a payload several members accept)."""
    found = _collect(specs(), 6)[-4:]  # (the first values hypothesis draws are the simplest)
    with tempfile.TemporaryDirectory() as folder:
        schemas, out = Path(folder) / "schemas", Path(folder) / "out"
        schemas.mkdir()
        for index, spec in enumerate(found):
            (schemas / f"fuzz{index}.openapi.json").write_text(json.dumps(spec))
        result = run_generator("generate", schemas, out)
        assert result.returncode == 0, result.stderr[-3000:]
        cases = []
        for index, spec in enumerate(found):
            for name in spec["components"]["schemas"]:
                try:
                    valid = from_schema(spec, {"$ref": f"#/components/schemas/{name}"}, max_depth=2)
                except ValueError:
                    valid = PAYLOADS
                for value in _collect(st.one_of(valid, valid.flatmap(_mutations), PAYLOADS), 24):
                    cases.append((f"fuzz{index}", _widened(spec, tags=False), name, value))
        (Path(folder) / "cases.json").write_text(json.dumps(cases))
        code = "sys.argv[1:] = [" + repr(str(Path(folder) / "cases.json")) + "]\n" + AGREEMENT
        checked = run_python(code, out)
        assert checked.returncode == 0, checked.stderr[-3000:]
        verdicts = json.loads(checked.stdout)
    disagreements = [
        (case[0], case[2], case[3], ours)
        for case, (ours, theirs, union) in zip(cases, verdicts, strict=True)
        if ours != theirs and not union
    ]
    assert disagreements == [], f"{len(disagreements)} of {len(cases)}, the first: {disagreements[:3]}"
