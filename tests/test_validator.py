"""The validator: the native scanner never accepts more than the full path, both agree with jsonschema run on
the bundled JSON Schema (apart from the documented policies), and strict JSON semantics hold."""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import evaljobs
from evaljobs._validation import reference as _pydantic_reference
from evaljobs._validation import targets as _registry
from evaljobs._validation.duplicates import without_duplicates
from evaljobs._validation.validator import TYPED, Validator, finalists
from tests.conftest import APIS, model_document, response_models
from tests.strategies import for_component

CASES = [(api, name) for api in APIS for name in response_models(api)]
SETTINGS = settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


# --- mutations: one change at one place of a valid payload ------------------------------------------------


def places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += places(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += places(item, (*path, index))
    return found


def replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    result = copy.copy(value)
    result[path[0]] = replace(value[path[0]], path[1:], new)
    return result


MUTANTS = [
    None,
    12345,
    -1,
    7.5,
    "7",
    "0.93",
    "true",
    True,
    [],
    {},
    "2025-02-30T00:00:00Z",
    "2025-01-01 00:00:00Z",
    "2025-01-01T00:00:00",
    "2025-01-01T00:00:00.123456789+05:30",
    "not-a-date",
    "",
    "DRIFTED_VALUE",
]


@st.composite
def _mutated(draw: st.DrawFn, valid: st.SearchStrategy[Any]) -> Any:
    payload = draw(valid)
    where = draw(st.sampled_from(places(payload)))
    action = draw(st.sampled_from(["value", "delete", "add"]))
    if action == "delete" and where:
        parent = replace(payload, (), payload)
        node = parent
        for step in where[:-1]:
            node = node[step]
        container = copy.deepcopy(node)
        if isinstance(container, dict):
            del container[where[-1]]
        else:
            container.pop(where[-1])
        return replace(payload, where[:-1], container)
    if action == "add":
        target = payload
        for step in where:
            target = target[step]
        if isinstance(target, dict):
            return replace(payload, where, {**target, draw(st.sampled_from(["extra", "statu", "type", "id"])): 1})
    return replace(payload, where, draw(st.sampled_from(MUTANTS)))


def payloads(api: str, name: str) -> st.SearchStrategy[Any]:
    """Valid payloads, drifted ones, and valid ones with one mutation each."""
    valid = for_component(model_document(api), name)
    return st.one_of(valid, for_component(model_document(api), name, drift=True), _mutated(valid))


# --- the oracle: jsonschema on the bundled JSON Schema, with our drift policy ----------------------------


def _bundle(api: str) -> dict[str, Any]:
    return json.loads((Path(evaljobs.__file__).parent / api / "schema.json").read_text())


def _open_enums(schema: Any) -> Any:
    """Drift policy: an unlisted string in an enum is drift, not an error; so the oracle takes any string."""
    if isinstance(schema, dict):
        result = {key: _open_enums(value) for key, value in schema.items() if key not in ("examples", "example")}
        if "enum" in result and all(isinstance(v, str | type(None)) for v in result["enum"]):
            nullable = None in result["enum"]
            del result["enum"]
            result.setdefault("type", ["string", "null"] if nullable else "string")
        return result
    if isinstance(schema, list):
        return [_open_enums(item) for item in schema]
    return schema


_NAIVE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$", re.IGNORECASE)
FORMATS = jsonschema.FormatChecker(["date-time"])  # rfc3339-validator: an implementation not ours


@FORMATS.checks("date-time-local")
def _local(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if FORMATS.conforms(value, "date-time"):
        return True
    if not _NAIVE.match(value) or not value.isascii():
        return False
    try:
        datetime.fromisoformat(value[:26] if "." in value else value)
    except ValueError:
        return False
    return True


ORACLES = {
    (api, name): jsonschema.Draft202012Validator(
        {**_open_enums(_bundle(api)), "$ref": f"#/$defs/{name}"}, format_checker=FORMATS
    )
    for api, name in CASES
}


def _integral_floats(value: Any) -> bool:
    """Integer policy: evaljobs refuses 3.0 where the spec says integer (JSON Schema accepts it)."""
    if isinstance(value, float):
        return value.is_integer()
    if isinstance(value, dict):
        return any(_integral_floats(item) for item in value.values())
    if isinstance(value, list):
        return any(_integral_floats(item) for item in value)
    return False


@pytest.mark.parametrize(("api", "name"), CASES, ids=[f"{a}.{n}" for a, n in CASES])
def test_the_scanner_decides_as_the_models_do(api: str, name: str) -> None:
    """Where the scanner answers, strictly or leniently, it gives the models' verdict; and the validator's
    report is the models' report."""
    target = _registry.schema(f"{api}.{name}")
    assert target.native is not None and target.lenient_native is not None

    @SETTINGS
    @given(payloads(api, name))
    def check(payload: Any) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        full = _pydantic_reference.check(payload, target, "p")
        strict = target.native.scan(data)
        if strict != 0:
            assert (strict == 1) == (full.valid and not full.drift), (strict, full.errors, full.drift)
        if strict <= -TYPED:
            assert not full.valid, (strict, full.drift)
        lenient = target.lenient_native.scan(data)
        if lenient == 1 or lenient <= -TYPED:
            assert (lenient == 1) == full.valid, (lenient, full.errors, full.drift)
        report = Validator(schema=f"{api}.{name}").check(data)
        assert (report.valid, report.errors, report.drift) == (full.valid, full.errors, full.drift)

    check()


@pytest.mark.parametrize(("api", "name"), CASES, ids=[f"{a}.{n}" for a, n in CASES])
def test_detection_reports_what_the_full_path_reports(api: str, name: str) -> None:
    """Without --schema: the fast and drift paths pick the schema the full path picks, with the same
    findings (the full path scores every response schema of every spec, in the same order)."""

    @settings(SETTINGS, max_examples=60)
    @given(payloads(api, name))
    def check(payload: Any) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        ours = Validator().check(data)
        full = _pydantic_reference.report(payload, list(_registry.response_targets()), "p", detect=True)
        assert (ours.schema, ours.errors, ours.drift) == (full.schema, full.errors, full.drift)

    check()


@pytest.mark.parametrize(("api", "name"), CASES, ids=[f"{a}.{n}" for a, n in CASES])
def test_verdicts_agree_with_jsonschema_on_the_bundled_schema(api: str, name: str) -> None:
    oracle = ORACLES[(api, name)]

    @SETTINGS
    @given(payloads(api, name))
    def check(payload: Any) -> None:
        assume(not _integral_floats(payload))
        ours = evaljobs.validate(json.dumps(payload).encode(), schema=f"{api}.{name}")
        assert ours.valid == oracle.is_valid(payload), (ours.errors, [e.message for e in oracle.iter_errors(payload)])

    check()


def test_finalists_follow_the_order_given_and_do_not_depend_on_what_was_asked_before() -> None:
    """finalists() remembers its answers by key set and target order: a remembered answer must be the one a
    fresh count gives, in the order of the targets asked about, for payloads with few keys or many."""
    targets = list(_registry.response_targets())
    pages = [t for t in targets if "data" in t.fields]
    assert len(pages) >= 2  # several page schemas share `data`: a tie, so order matters
    many = {f"k{index}": index for index in range(100)} | {"data": []}
    for value in ({"data": []}, {"data": [], "pagination": {}}, many, {"unknown": 1}):
        forward = finalists(value, targets)
        backward = finalists(value, targets[::-1])
        assert backward == forward[::-1]
        assert finalists(value, targets) == forward  # asked again: the remembered answer, same order
        best = max(len(t.fields & value.keys()) for t in targets)
        assert forward == [t for t in targets if len(t.fields & value.keys()) == best]
    assert set(finalists({"data": []}, targets)) == set(pages)
    assert finalists({"data": []}, pages[:1]) == pages[:1]


# --- strict JSON semantics and the duplicate-key check -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "pointer", "key"),
    [
        ('{"evaluation_run": {"agent_name": "a", "agent_name": "b"}}', "/evaluation_run", "agent_name"),
        ('{"evaluation_run": {}, "evaluation_run": {}}', "", "evaluation_run"),
        ('{"a": {"b": {"c": 1, "c": 2}}}', "/a/b", "c"),
        ('{"a": [{"x": 1}, {"y": 1, "y": 2}]}', "/a/1", "y"),
        ('{"a": {"b/c~": {"k": 1, "k": 2}}, "z": {"q": 1, "q": 1}}', "/a/b~1c~0", "k"),  # the first in order
        ('{"a": {"k": "\\u003a", "k": 2}}', "/a", "k"),  # an escaped colon: the cheap check cannot tell
    ],
)
def test_a_duplicate_key_is_reported_at_the_object_holding_it(text: str, pointer: str, key: str) -> None:
    forced = evaljobs.validate(text.encode(), schema="gradient.EvaluationRunRetrieveResponse")
    for report in (evaljobs.validate(text.encode()), forced):
        assert not report.valid
        assert [(error.pointer, error.message) for error in report.errors] == [
            (pointer, f"duplicate key {key!r} in one object")
        ]


def test_duplicate_keys_are_errors_at_any_depth_and_formatting() -> None:
    good = {"evaluation_run": {"agent_name": "a", "status": "EVALUATION_RUN_QUEUED", "error_description": 'x": y'}}
    for text in (json.dumps(good), json.dumps(good, indent=2), json.dumps(good, separators=(",", " : "))):
        assert evaljobs.validate(text.encode()).valid, text
    for text in (
        '{"evaluation_run": {"agent_name": "a", "agent_name": "b"}}',
        '{"evaluation_run": {}, "evaluation_run": {}}',
        '{"evaluation_run": {"agent_name" : "a", "agent_name": "b"}}',
        '{"evaluation_run": {"agent_name": "\\u0022", "agent_name": "b"}}',
        '{"evaluation_run": {"agent_name": "b", "agent_name": "\\u003a"}}',
        '{"evaluation_run": {"agent_name": "b", "agent_name": "\\u003A\\u003a"}, "evaluation_run": {}}',
    ):
        report = evaljobs.validate(text.encode(), schema="gradient.EvaluationRunRetrieveResponse")
        assert not report.valid and "duplicate key" in report.errors[0].message, text


@given(
    st.dictionaries(st.text('ab:\x01"', max_size=5), st.text('ab:\x01"', max_size=5) | st.integers(), max_size=6),
    st.data(),
)
@settings(max_examples=200, database=None)
def test_duplicate_check_is_exact(value: dict[str, Any], data: st.DataObject) -> None:
    text = json.dumps(value, ensure_ascii=data.draw(st.booleans()))
    if data.draw(st.booleans()):  # write colons as escapes: \x01 (always escaped by json.dumps) becomes ":"
        text = text.replace("\\u0001", data.draw(st.sampled_from(["\\u003a", "\\u003A"])))
        value = json.loads(text)
    assert without_duplicates(text.encode(), value) in (True, None)
    if value:
        key = data.draw(st.sampled_from(sorted(value)))
        doubled = text[:-1] + ("," if len(value) else "") + json.dumps(key) + ":1}"
        assert without_duplicates(doubled.encode(), json.loads(doubled)) in (False, None)


DATE_TIME_TEXT = st.from_regex(
    r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:?[0-9]{2})?\Z"
)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b'{"evaluation_run": {"test_case_version": 3.0}}', "expected an integer; found number 3.0"),
        (b'{"evaluation_run": {"test_case_version": 18446744073709551615}}', None),
        (b'{"evaluation_run": {"test_case_version": 18446744073709551616}}', "expected an integer"),
        (b'{"evaluation_run": {"agent_name": "\\ud800"}}', "lone UTF-16 surrogate"),
        (b'{"evaluation_run": {"run_name": ' + b'"' + b"x" * 20_000_000 + b'"}}', None),
    ],
)
def test_numbers_strings_and_sizes(payload: bytes, message: str | None) -> None:
    report = evaljobs.validate(payload, schema="gradient.EvaluationRunRetrieveResponse")
    if message is None:
        assert report.valid, report.errors
    else:
        assert not report.valid and message in report.errors[0].message, report.errors


def test_python_api_reports_like_the_cli_and_refuses_unknown_names() -> None:
    report = evaljobs.validate({"confg": {"type": "x"}, "target": {"type": "model"}})
    assert report.schema == "nemo_evaluator.EvaluationJob"
    assert [(e.pointer, e.message) for e in report.errors] == [
        ("/config", "missing required field 'config' (the object has 'confg': a misspelling?)")
    ]
    assert [(d.pointer, d.kind) for d in report.drift] == [("/confg", "unknown_field")]
    assert "did you mean 'config'?" in report.drift[0].message
    for bad in ({"schema": "nemo_evaluator.Nope"}, {"schema": "nope.Job"}, {"endpoint": "GET /nowhere"}):
        with pytest.raises(LookupError):
            evaljobs.validate(b"{}", **bad)
