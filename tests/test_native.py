"""The native scanner (native/scan.c, its programs in ``evaljobs._scanner_programs``): its "yes" is final, so it
must never accept what the walk refuses or finds drift in; its "no" lets detection skip a schema without asking
the walk, so it must never refuse what the walk accepts without drift; None is the only answer allowed to be
unsure. The walk (with the models where it is unsure) is the reference here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _evaljobs_scan as scan  # the module the project builds: without it, these tests fail
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaljobs._types import DateTime, LocalDateTime
from evaljobs._validation import program_nodes
from evaljobs._validation import targets as _registry
from evaljobs._validation import walk as _walk
from evaljobs._validation.decode import PayloadError, decode
from evaljobs._validation.program_nodes import (
    AnyValue,
    Array,
    Branches,
    Field,
    Float,
    Int,
    KindUnion,
    Map,
    Null,
    RawLiteral,
    Str,
    Struct,
)
from evaljobs._validation.targets import TYPED, Target
from tests.conftest import APIS, ROOT, model_document, response_models
from tests.strategies import for_component
from tests.test_validator import DATE_TIME_TEXT, SETTINGS, payloads

CASES = [(api, name) for api in APIS for name in response_models(api)]


def reference(target: Target, data: bytes) -> tuple[bool, bool]:
    """What the validator answers without the scanner: (valid, valid without drift), by the strict decode
    (duplicate keys refused) and the walk, with the models where the walk is unsure."""
    try:
        value = decode(data)
    except PayloadError:
        return False, False
    report = _walk.check(value, target, "p", decoded=True)
    return report.valid, report.valid and not report.drift


def reference_verdict(target: Target, data: bytes) -> bool:
    """Valid without drift, by the reference."""
    return reference(target, data)[1]


def scanned(target: Target, data: bytes) -> bool | None:
    native = target.native
    assert native is not None, target
    return native.accepts(data)


def test_the_outline_agrees_with_the_walk_programs() -> None:
    """``evaljobs._scanner_programs.<api>`` says, as plain data, which schemas the scanner has a program for and
    the top-level fields of those that are objects: the same fields as the walk's program of the schema."""
    for api in APIS:
        outline = _registry.outline_module(api)
        nodes, targets = _registry.check_program(api)
        assert outline.FIELDS.keys() <= outline.NATIVE_TARGETS.keys()
        for name, fields in outline.FIELDS.items():
            node = nodes[targets[name]]
            assert node.kind == "model", (name, node.kind)
            assert fields == frozenset(field.key for field in node.fields), name


def test_the_sample_captures_need_no_models() -> None:
    """A payload the scanner accepts costs no import of pydantic nor of any model; nor does one whose errors
    the walk explains (a refused format included), nor one whose drift it names (the scanner tells it which
    parts to pass over)."""
    captures = ROOT / "samples" / "captures"
    samples = {
        "gradient/evaluation-run-successful.json": (True, False),
        "nemo_evaluator/v1-job-completed.json": (True, False),
        "gradient/evaluation-run-drifted.json": (True, True),
        "nemo_evaluator/v1-job-drifted.json": (True, True),
        "gradient/evaluation-run-broken.json": (False, False),
        "nemo_evaluator/v1-job-broken.json": (False, False),
        "nemo_evaluator/v2-logs.jsonl": (False, False),  # its second line: a date-time that is not one
    }
    code = (
        "import sys\n"
        "from evaljobs import validate\n"
        "read = [(path, open(path, 'rb').read()) for path in sys.argv[1:]]\n"
        "reports = [validate(data.splitlines()[1] if path.endswith('l') else data) for path, data in read]\n"
        "print([(r.valid, bool(r.drift)) for r in reports], 'pydantic' in sys.modules)\n"
    )
    command = [sys.executable, "-c", code, *(str(captures / name) for name in samples)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    found, _, loaded = result.stdout.strip().rpartition(" ")
    assert found == str(list(samples.values())), result.stdout + result.stderr
    assert loaded == "False", result.stdout + result.stderr


def one(node: tuple[Any, ...], *others: tuple[Any, ...]) -> Any:
    """A program of ``node`` (index 0) and ``others`` (1...): its check of node 0."""
    program = scan.Program((node, *others))
    return lambda text: program.accepts(0, text if isinstance(text, bytes) else text.encode("utf-8"))


def test_the_scanner_is_built_and_every_scannable_schema_has_a_program() -> None:
    scannable = 0
    for api in APIS:
        for name in _registry.routes_module(api).CLASSES:
            target = _registry.schema(f"{api}.{name}")
            assert (target.native is not None) == target.scannable, target
            scannable += target.scannable
    assert scannable >= 10  # the responses of both specs, at least


@pytest.mark.parametrize(("api", "name"), CASES, ids=[f"{a}.{n}" for a, n in CASES])
def test_the_scanner_answers_as_the_walk_does(api: str, name: str) -> None:
    """On valid, drifted, mutated and capture-like payloads, against their own schema and every other
    response schema: a True or False must be the reference's "valid without drift"; None is allowed (then
    the walk decides). A refusal that scan() calls one of kind (a wrong kind of value, a missing key) must
    mean invalid, drift or not: detection then tries no lenient check for that schema. The lenient program:
    where it accepts, the payload is valid; where it refuses with a refusal of kind, it is not."""
    targets = [t for t in _registry.response_targets() if t.native is not None]

    @SETTINGS
    @given(st.one_of(payloads(api, name), for_component(model_document(api), name, capture_like=True)), st.booleans())
    def check(payload: Any, ascii_only: bool) -> None:
        data = json.dumps(payload, ensure_ascii=ascii_only).encode()
        for target in targets:
            valid, exact = reference(target, data)
            verdict = scanned(target, data)
            if verdict is not None:
                assert verdict == exact, (target, data[:300])
            assert target.native is not None
            if target.native.scan(data) <= -TYPED:
                assert not valid, (target, data[:300])
            lenient = target.lenient_native  # the lenient program: valid, drift or not
            outcome = 0 if lenient is None else lenient.scan(data)
            if outcome == 1 or outcome <= -TYPED:
                assert valid == (outcome == 1), (target, outcome, data[:300])

    check()


def test_the_scanner_accepts_most_capture_like_payloads_on_its_own() -> None:
    """The point of the scanner: a valid payload without drift is accepted without the walk (an escaped enum
    value or a leap second may still need it, but not most payloads)."""
    decided, accepted = _decided_alone(
        lambda api, name: for_component(model_document(api), name, capture_like=True),
        reference_verdict,
        lambda target, data: scanned(target, data) is True,
    )
    assert decided > 100
    assert accepted >= 0.95 * decided, (accepted, decided)


def _decided_alone(
    strategy: Callable[[str, str], st.SearchStrategy[Any]],
    reference_accepts: Callable[[Target, bytes], bool],
    scanner_accepts: Callable[[Target, bytes], bool],
) -> tuple[int, int]:
    """Over 30 payloads of each response schema from ``strategy``: how many the reference accepts for their
    own schema, and how many of those the scanner accepts alone."""
    counts = [0, 0]

    def count(api: str, name: str) -> None:
        target = _registry.schema(f"{api}.{name}")

        @settings(SETTINGS, max_examples=30)
        @given(strategy(api, name))
        def check(payload: Any) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode()
            if reference_accepts(target, data):
                counts[0] += 1
                counts[1] += scanner_accepts(target, data)

        check()

    for api, name in CASES:
        count(api, name)
    return counts[0], counts[1]


# --- strict JSON, by hand -----------------------------------------------------------------------------------

ANY = AnyValue()
MAP = Map(-1)
STRUCT = Struct((Field(b"a", 1, True), Field(b"b", 2, False)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": "x"}', True),
        (' \n{"a":"x","b":1}\t', True),
        ('{"b": 1}', False),  # a required key is missing
        ('{"a": "x", "c": 1}', False),  # an unknown key (drift)
        ('{"a": "x", "a": "y"}', False),  # a duplicate key
        ('{"a": "x", "\\u0061": "y"}', False),  # the same key, escaped
        ('{"\\u0061": "x"}', True),
        ('{"a": 1}', False),
        ('{"a": "x", "b": 1.0}', None),  # JSON Schema's integer 1.0: the walk decides (and so for any fraction)
        ('{"a": "x", "b": 99999999999999999999}', None),  # beyond 64 bits
        ('{"a": "x", "b": -9223372036854775808}', True),
        ('{"a": "x"} x', False),
        ('{"a": "x"', False),
        ("", False),
        ("\ufeff{}", False),
        ('{"a": "\\ud800"}', False),  # a lone surrogate: refused by the strict types too (below)
        ('{"a": "\\ud83d\\ude00"}', True),
        ('{"a": "\x01"}', False),
        ('{"a": "\\x"}', False),
        ('{"a": "é😀"}', True),
    ],
)
def test_strict_json_in_a_struct(text: str, expected: bool | None) -> None:
    check = one(STRUCT, Str(), Int())
    assert check(text) is expected


BROKEN_STRINGS = [b"\xff", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\\ud800", b"\x01", b"\\x"]


@pytest.mark.parametrize("text", BROKEN_STRINGS)
def test_a_broken_string_is_refused_for_certain(text: bytes) -> None:
    """Invalid UTF-8, a lone surrogate, a raw control character, a bad escape: a certain refusal (no need to ask
    the walk), anywhere, key or value, under any node; which holds because the strict decode before the walk
    refuses it too, wherever it is."""
    program = scan.Program((STRUCT, Str(), Int(), ANY, MAP))
    cases = [(0, b'{"a": "%s"}'), (0, b'{"a": "x", "%s": 1}'), (1, b'"%s"'), (3, b'["%s"]'), (4, b'{"%s": 1}')]
    for node, shape in cases:
        assert program.accepts(node, shape % text) is False, shape % text

    for shape in (b'{"a": "%s"}', b'{"a": "x", "b": ["%s"]}', b'{"%s": 1}'):
        with pytest.raises(PayloadError):
            decode(shape % text)


def test_valid_utf8_is_accepted() -> None:
    assert one(Str())('"€𝄞"'.encode()) is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"x": {"y": [1, 2.5, "z", null, true, false, {}]}}', True),
        ('{"x": 1, "x": 2}', False),
        ('{"x": {"y": 1, "y": 1}}', False),
        ('[{"y": 1, "\\u0079": 1}]', False),
        ('{"x": NaN}', False),
        ('{"x": Infinity}', False),
        ('{"x": 1e99999}', None),
        ('{"x": 1e300}', True),
        ('{"x": -0}', True),
        ('{"x": 01}', False),
        ('{"x": 1.}', False),
        ("[" * 300 + "]" * 300, None),  # deeper than the scanner goes: the full path decides
        ('{"x": ' + "9" * 100000 + "}", None),
    ],
)
def test_any_value(text: str, expected: bool | None) -> None:
    assert one(ANY)(text) is expected


def test_many_keys_and_escaped_keys_are_checked_for_duplicates() -> None:
    check = one(MAP)
    assert check(json.dumps({f"k{i}": i for i in range(200)})) is True
    assert check(json.dumps({f"k{i}": i for i in range(300)})) is None  # beyond the scanner's bound
    escaped = "{" + ",".join(f'"\\u006b{i}": {i}' for i in range(100)) + "}"
    assert check(escaped) is True
    assert check(escaped[:-1] + ', "k7": 1}') is False


def test_bounds_lengths_literals_and_unions() -> None:
    assert one(Str(2, 3))('"ab"') is True
    assert one(Str(2, 3))('"😀😀😀"') is True  # code points, not bytes
    assert one(Str(2, 3))('"abcd"') is False
    assert one(Array(-1, 1, 2))("[1]") is True
    assert one(Array(-1, 1, 2))("[]") is False
    assert one(Array(-1, 1, 2))("[1, 2, 3]") is False
    assert one(Map(-1, -1, 1))('{"a": 1}') is True
    assert one(Map(-1, -1, 1))('{"a": 1, "b": 2}') is False
    assert one(Int(0, 10, 5))("10") is True
    assert one(Int(0, 10, 5))("7") is False
    assert one(Int(0, 10, 5))("-5") is False
    assert one(Float(0.0, 1.0, True, False))("1") is True
    assert one(Float(0.0, 1.0, True, False))("0") is None  # a bound crossed: the walk says why
    literal = one(RawLiteral((b"on", b"off"), (1,), True))
    assert [literal(text) for text in ('"on"', '"of"', "1", "2", "null", '"\\u006fn"')] == [
        True,
        False,
        True,
        False,
        True,
        None,
    ]
    union = one(KindUnion(string=1, integer=2, number=3, null=4), Str(), Int(0, 5), Float(), Null())
    assert [union(text) for text in ('"a"', "3", "9", "2.5", "null", "true", "[]")] == [
        True,
        True,
        False,
        True,
        True,
        False,
        False,
    ]


def test_the_object_or_the_empty_object() -> None:
    props = (Field(b"a", 1, True), Field(b"b", 1, False))
    either = one(Struct(props, whole_or_empty=1), Str())
    assert [either(text) for text in ('{"a": "x"}', '{"a": "x", "b": "y"}', "{}", '{"b": "y"}')] == [
        True,
        True,
        True,
        False,
    ]
    optional_only = (Field(b"b", 1, False),)
    assert one(Struct(optional_only, whole_or_empty=2), Str())("{}") is False  # a oneOf matched twice
    assert one(Struct(optional_only, whole_or_empty=1), Str())("{}") is True


def test_scan_tells_how_deep_a_refusal_is() -> None:
    """Detection asks the other schemas only after a refusal near the top (another schema's payload); a
    deeper one is drift or an error of this schema's payload."""
    program = scan.Program(
        (Struct((Field(b"a", 1, True),)), Struct((Field(b"b", 2, True),)), Int(0, 9)),
    )
    assert program.scan(0, b'{"a": {"b": 1}}') == 1
    assert program.scan(0, b"x") == -1  # not JSON
    assert program.scan(0, b'{"z": 1}') == -2  # an unknown key: drift, perhaps
    assert program.scan(0, b'{"a": {"z": 1}}') == -3
    assert program.scan(0, b'{"a": {"b": 10}}') == -3  # a bound crossed
    assert program.scan(0, b'{"a": {"b": 1.5}}') == 0
    # refusals drift cannot explain (a value of the wrong kind, a missing key) are told apart
    assert program.scan(0, b'"x"') == -1 - TYPED
    assert program.scan(0, b"{}") == -1 - TYPED  # a required key missing: the top-level object itself
    assert program.scan(0, b'{"a": 5}') == -2 - TYPED
    assert program.scan(0, b'{"a": {"b": "s"}}') == -3 - TYPED
    with pytest.raises(TypeError):
        program.scan(0, "text")
    with pytest.raises(IndexError):
        program.accepts(3, b"{}")


@given(st.one_of(DATE_TIME_TEXT, st.text(alphabet="0123456789-:.TtZz+ ", max_size=32)))
@settings(max_examples=1000, database=None)
def test_date_times_are_checked_as_the_models_types_do(text: str) -> None:
    data = json.dumps(text)
    for kind, required in ((DateTime, True), (LocalDateTime, False)):
        verdict = one(program_nodes.DateTime(required))(data)
        if text[17:19] == "60" and verdict is None:
            continue  # a leap second: the walk decides
        try:
            kind.parse(text)
            parsed = True
        except ValueError:
            parsed = False
        assert verdict == parsed, (text, required)


@pytest.mark.parametrize(
    ("nodes", "message"),
    [
        ((("nothing",),), "an unknown kind"),
        ((Array(5),), "refers to no node"),
        ((Struct((Field(b"a", 0, True), Field(b"a", 0, True))),), "a property named twice"),
        ((Struct((Field("a", 0, True),)),), "key bytes"),
        (((0, "int"),), "wrong number of fields"),
        (("any",), "not a node"),
        (((),), "not a node"),
    ],
)
def test_a_malformed_program_is_refused_with_a_message(nodes: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        scan.Program(nodes)


def test_without_the_scanner_the_cli_writes_the_same_report(tmp_path: Path) -> None:
    """EVALJOBS_NATIVE=0 switches the scanner off: the reports must not change (here on the samples and
    generated payloads of every response schema, with drift and errors among them)."""
    lines = []
    for api in APIS:
        for name in response_models(api):

            @settings(SETTINGS, max_examples=15)
            @given(payloads(api, name))
            def collect(payload: Any) -> None:
                lines.append(json.dumps(payload, ensure_ascii=False))

            collect()
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outputs = []
    for switch in ("1", "0"):
        result = subprocess.run(
            [sys.executable, "-m", "evaljobs.cli", "validate", "--format", "json", str(corpus), str(ROOT / "samples")],
            capture_output=True,
            env={**os.environ, "EVALJOBS_NATIVE": switch},
            check=False,
            cwd=ROOT,
        )
        assert result.returncode == 1, result.stderr
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]
    assert outputs[0].count(b"\n") >= len(lines)


# --- the lenient program ------------------------------------------------------------------------------------


def test_an_open_struct_takes_unknown_keys_with_any_value() -> None:
    """The lenient program's objects: unknown keys take any (strict JSON) value; the known ones are checked as
    in a closed object, a missing required key and a wrong kind refused as such."""
    properties = (Field(b"a", 1, True), Field(b"b", 2, False))
    program = scan.Program((Struct(properties, open=True), Int(0, 10), Str()))
    closed = scan.Program((Struct(properties), Int(0, 10), Str()))
    assert program.scan(0, b'{"a": 1, "new": [1, {"x": null}], "b": "x"}') == 1
    assert -TYPED < closed.scan(0, b'{"a": 1, "new": 2}') < 0  # (unknown: drift, not certain)
    assert program.scan(0, b'{"new": 2}') <= -TYPED  # a is missing
    assert program.scan(0, b'{"a": "1", "new": 2}') <= -TYPED
    assert -TYPED < program.scan(0, b'{"a": 1, "new": NaN}') < 0  # not JSON
    assert program.scan(0, b'{"a": 1, "new": 123456789012345678901234567890}') == 0  # the strict reader decides
    assert -TYPED < program.scan(0, b'{"a": 1, "a": 2}') < 0  # a known key twice: refused still


def test_branches_try_each_member() -> None:
    """A union of several objects: accepted when a member accepts (exactly one for a oneOf, the others refusing
    for certain); a refusal is certain when each member's is, of the wrong kind only when each member's is."""

    def one_of_members(number: int) -> tuple[Struct, Struct]:
        return Struct((Field(b"a", number, True),)), Struct((Field(b"b", number, True),))

    a, b = one_of_members(3)
    one_of = scan.Program((Branches((1, 2), exactly_one=True), a, b, Int(0, 10)))
    assert one_of.scan(0, b'{"a": 1}') == one_of.scan(0, b' {"b": 2} ') == 1
    assert -TYPED < one_of.scan(0, b'{"a": 1, "b": 2}') < 0  # an unknown key for each: drift, not certain
    assert one_of.scan(0, b"{}") <= -TYPED and one_of.scan(0, b"[]") <= -TYPED  # missing keys; not an object
    assert -TYPED < one_of.scan(0, b'{"a": "x"}') < 0  # a wrong kind for one member, an unknown key for the other
    assert one_of.scan(0, b'{"a": 1.5}') == 0  # one member cannot tell, and none accepts
    assert one_of.scan(0, b'[{"a": 1}]') <= -TYPED
    open_a, open_b = Struct((Field(b"a", 3, False),), open=True), Struct((Field(b"b", 3, False),), open=True)
    open_one_of = scan.Program((Branches((1, 2), exactly_one=True), open_a, open_b, Int(0, 10)))
    assert -TYPED < open_one_of.scan(0, b'{"a": 1}') < 0  # both accept: a oneOf refuses
    any_of = scan.Program((Branches((1, 2)), open_a, open_b, Int(0, 10)))
    assert any_of.scan(0, b'{"a": 1}') == any_of.scan(0, b'{"a": "x"}') == any_of.scan(0, b'{"a": 1.5}') == 1
    assert any_of.scan(0, b"3") <= -TYPED
    nested = scan.Program((Array(1, 0), Branches((2, 3), exactly_one=True), *one_of_members(4), Int(0, 10)))
    assert nested.scan(0, b'[{"a": 1}, {"b": 2}, {"a": 3}]') == 1
    assert nested.scan(0, b'[{"a": 1}, {"c": 2}]') == -2  # refused in a member of the array: depth 1


def test_the_lenient_program_decides_most_drifted_payloads_on_its_own() -> None:
    """The point of the lenient program: a valid payload with drift is confirmed valid without the walk."""

    def lenient_accepts(target: Target, data: bytes) -> bool:
        return target.lenient_native is not None and reference(target, data)[0]

    def program_accepts(target: Target, data: bytes) -> bool:
        assert target.lenient_native is not None
        return bool(target.lenient_native.scan(data) == 1)

    decided, accepted = _decided_alone(payloads, lenient_accepts, program_accepts)
    assert decided > 100
    assert accepted >= 0.95 * decided, (accepted, decided)  # (301 of 301 seen)
